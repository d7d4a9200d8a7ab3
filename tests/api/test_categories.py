"""The category catalog through the API: who may file under what, custom field definitions,
and admin-only administration of the tree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import User
from frontline.tickets.models import Category, CustomField
from frontline.tickets.schemas import CategoryDetail, CategoryPage
from tests.api.conftest import Api, problem
from tests.conftest import World
from tests.factories import CategoryFactory, CustomFieldFactory

ApiFactory = Callable[[User | None], Api]


def names(response: Any) -> set[str]:
    return {item["path"] for item in response.json()["items"]}


def test_requesters_see_active_categories_of_teams_that_serve_them(
    api: ApiFactory, world: World
) -> None:
    hardware = CategoryFactory(team=world.it, name="Hardware")
    CategoryFactory(team=world.it, name="Laptops", parent=hardware)
    CategoryFactory(team=world.it, name="Fax", is_active=False)
    CategoryFactory(team=world.hr, name="Payroll")

    alice = api(world.alice).get("/categories")
    CategoryPage.model_validate(alice.json())
    assert names(alice) == {"Hardware", "Hardware › Laptops", "Payroll"}
    assert names(api(world.bob).get("/categories")) == {"Hardware", "Hardware › Laptops"}
    assert "Fax" in names(api(world.agent).get("/categories"))


def test_category_detail_lists_inherited_fields(api: ApiFactory, world: World) -> None:
    hardware = CategoryFactory(team=world.it, name="Hardware")
    laptops = CategoryFactory(team=world.it, name="Laptops", parent=hardware)
    CustomFieldFactory(category=hardware, key="asset", label="Asset tag", position=1)
    CustomFieldFactory(
        category=laptops, key="model", label="Model", field_type="choice", choices=["X1", "T14"]
    )
    body = api(world.alice).get(f"/categories/{laptops.pk}").json()
    CategoryDetail.model_validate(body)
    assert body["path"] == "Hardware › Laptops"
    assert body["parent"] == hardware.pk
    assert [f["key"] for f in body["custom_fields"]] == ["model"]
    assert [f["key"] for f in body["fields"]] == ["model", "asset"]
    assert body["fields"][0]["choices"] == ["X1", "T14"]
    fax = CategoryFactory(team=world.it, name="Fax", is_active=False)
    assert api(world.alice).get(f"/categories/{fax.pk}").status_code == 404


def test_category_list_query_count_is_constant(api: ApiFactory, world: World) -> None:
    client = api(world.alice)
    client.get("/users/me")

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/categories", {"limit": 100}).status_code == 200
        return len(queries)

    root = CategoryFactory(team=world.it, name="Root")
    before = measure()
    for n in range(6):
        child = CategoryFactory(team=world.it, name=f"Child {n}", parent=root)
        CustomFieldFactory(category=child)
        CustomFieldFactory(category=child)
    assert measure() == before


def test_admins_create_categories_with_fields(api: ApiFactory, world: World) -> None:
    client = api(world.admin)
    root = client.post("/categories", {"team": world.it.pk, "name": "Hardware"})
    assert root.status_code == 201, root.content
    child = client.post(
        "/categories",
        {
            "team": world.it.pk,
            "name": "Phones",
            "parent": root.json()["id"],
            "custom_fields": [
                {"key": "imei", "label": "IMEI", "field_type": "text", "required": True},
                {"key": "os", "label": "OS", "field_type": "choice", "choices": ["iOS", "Android"]},
            ],
        },
    )
    assert child.status_code == 201, child.content
    body = child.json()
    assert body["path"] == "Hardware › Phones"
    assert [(f["key"], f["position"]) for f in body["custom_fields"]] == [("imei", 0), ("os", 1)]
    # ...and a requester can file under it at once, with the fields checked.
    missing = api(world.alice).post("/tickets", {"title": "Cracked", "category": body["id"]})
    assert "custom_fields.imei" in problem(missing)["errors"]


def test_field_definitions_are_checked(api: ApiFactory, world: World) -> None:
    client = api(world.admin)
    response = client.post(
        "/categories",
        {
            "team": world.it.pk,
            "name": "Broken",
            "custom_fields": [
                {"key": "Bad Key", "label": "x", "field_type": "text"},
                {"key": "pick", "label": "Pick", "field_type": "choice"},
                {"key": "when", "label": "When", "field_type": "colour"},
            ],
        },
    )
    errors = problem(response)["errors"]
    assert response.status_code == 422
    assert set(errors) == {
        "custom_fields.0.key",
        "custom_fields.1.choices",
        "custom_fields.2.field_type",
    }
    assert not Category.objects.filter(name="Broken").exists()


def test_a_child_cannot_redefine_a_parents_field(api: ApiFactory, world: World) -> None:
    root = CategoryFactory(team=world.it, name="Hardware")
    CustomFieldFactory(category=root, key="asset")
    response = api(world.admin).post(
        "/categories",
        {
            "team": world.it.pk,
            "name": "Laptops",
            "parent": root.pk,
            "custom_fields": [{"key": "asset", "label": "Asset", "field_type": "text"}],
        },
    )
    assert "custom_fields" in problem(response)["errors"]


def test_admins_rename_move_and_redefine(api: ApiFactory, world: World) -> None:
    hardware = CategoryFactory(team=world.it, name="Hardware")
    laptops = CategoryFactory(team=world.it, name="Laptops")
    CustomFieldFactory(category=laptops, key="old", label="Old")
    CustomFieldFactory(category=laptops, key="model", label="Model")
    client = api(world.admin)
    response = client.patch(
        f"/categories/{laptops.pk}",
        {
            "name": "Notebooks",
            "parent": hardware.pk,
            "custom_fields": [
                {"key": "model", "label": "Model name", "field_type": "text"},
                {"key": "ram", "label": "RAM", "field_type": "number"},
            ],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["path"] == "Hardware › Notebooks"
    assert [(f["key"], f["label"]) for f in body["custom_fields"]] == [
        ("model", "Model name"),
        ("ram", "RAM"),
    ]
    assert not CustomField.objects.filter(key="old").exists()
    to_root = client.patch(f"/categories/{laptops.pk}", {"parent": None, "is_active": False})
    assert (to_root.json()["parent"], to_root.json()["is_active"]) == (None, False)


def test_tree_rules_hold(api: ApiFactory, world: World) -> None:
    hardware = CategoryFactory(team=world.it, name="Hardware")
    laptops = CategoryFactory(team=world.it, name="Laptops", parent=hardware)
    payroll = CategoryFactory(team=world.hr, name="Payroll")
    CategoryFactory(team=world.it, name="Phones", parent=hardware)
    client = api(world.admin)
    cycle = client.patch(f"/categories/{hardware.pk}", {"parent": laptops.pk})
    assert "parent" in problem(cycle)["errors"]
    other_team = client.patch(f"/categories/{laptops.pk}", {"parent": payroll.pk})
    assert "parent" in problem(other_team)["errors"]
    taken = client.patch(f"/categories/{laptops.pk}", {"name": "Phones"})
    assert taken.status_code == 409
    moving_team = client.patch(f"/categories/{laptops.pk}", {"team": world.hr.pk})
    assert "team" in problem(moving_team)["errors"]
    laptops.refresh_from_db()
    assert (laptops.name, laptops.parent_id, laptops.team_id) == (
        "Laptops",
        hardware.pk,
        world.it.pk,
    )


def test_only_admins_change_categories(api: ApiFactory, world: World) -> None:
    category = CategoryFactory(team=world.it, name="Hardware")
    assert (
        api(world.manager).post("/categories", {"team": world.it.pk, "name": "Shadow"}).status_code
        == 403
    )
    assert api(world.agent).patch(f"/categories/{category.pk}", {"name": "X"}).status_code == 403
    assert api(world.alice).patch(f"/categories/{category.pk}", {"name": "X"}).status_code == 403
    category.refresh_from_db()
    assert category.name == "Hardware"
    assert not Category.objects.filter(name="Shadow").exists()
