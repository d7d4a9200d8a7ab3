"""Users, organizations and teams through the API: who sees what, admin-only writes, and list
query counts that do not grow with the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import Organization, Role, Team, TeamMembership, Tier, User
from frontline.accounts.schemas import OrganizationPage, TeamPage, UserOut, UserPage
from tests.api.conftest import Api, problem
from tests.conftest import World
from tests.factories import AgentFactory, OrganizationFactory, TeamFactory, UserFactory, member

ApiFactory = Callable[[User | None], Api]


def emails(response: Any) -> list[str]:
    return [item["email"] for item in response.json()["items"]]


def same_query_count(client: Api, path: str, grow: Callable[[], None]) -> None:
    """The list costs as many queries before and after ``grow`` adds rows to it."""
    client.get("/users/me")  # first use of the token records it once

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, {"limit": 100})
        assert response.status_code == 200
        return len(queries), len(response.json()["items"])

    before, rows_before = measure()
    grow()
    after, rows_after = measure()
    assert rows_after >= rows_before + 5
    assert before == after


# --- Users ------------------------------------------------------------------------------------


def test_desk_users_see_everyone_requesters_only_themselves(api: ApiFactory, world: World) -> None:
    desk = api(world.agent).get("/users", {"limit": 100})
    UserPage.model_validate(desk.json())
    assert "bob@globex.test" in emails(desk)
    assert len(emails(desk)) == User.objects.count()
    assert emails(api(world.alice).get("/users")) == ["alice@acme.test"]
    assert api(world.alice).get(f"/users/{world.bob.pk}").status_code == 404
    assert api(world.agent).get(f"/users/{world.bob.pk}").json()["email"] == "bob@globex.test"


def test_me_describes_the_caller(api: ApiFactory, world: World) -> None:
    body = api(world.agent_l2).get("/users/me").json()
    UserOut.model_validate(body)
    assert body["email"] == "l2@desk.test"
    assert body["role"] == "agent"
    assert body["teams"] == [{"id": world.it.pk, "name": "IT", "tier": "l2"}]
    assert api(world.alice).get("/users/me").json()["organizations"] == [
        {"id": world.acme.pk, "name": "Acme"}
    ]


def test_user_pages_follow_offsets(api: ApiFactory, world: World) -> None:
    client = api(world.admin)
    first = client.get("/users", {"limit": 5}).json()
    assert len(first["items"]) == 5
    second = client.get("/users", {"limit": 5, "offset": first["next_offset"]}).json()
    assert not {u["id"] for u in first["items"]} & {u["id"] for u in second["items"]}
    assert "page" in problem(client.get("/users", {"page": 2}))["errors"]


def test_user_list_query_count_is_constant(api: ApiFactory, world: World) -> None:
    def grow() -> None:
        for n in range(6):
            member(AgentFactory(email=f"extra{n}@desk.test"), world.hr)
            UserFactory(email=f"extra{n}@acme.test", orgs=[world.acme])

    same_query_count(api(world.admin), "/users", grow)


def test_admins_create_users(api: ApiFactory, world: World) -> None:
    response = api(world.admin).post(
        "/users",
        {
            "email": "New.Agent@desk.test",
            "full_name": "New Agent",
            "role": "agent",
            "timezone": "Europe/Paris",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "new.agent@desk.test"
    assert User.objects.get(email="new.agent@desk.test").timezone == "Europe/Paris"
    duplicate = api(world.admin).post("/users", {"email": "new.agent@desk.test"})
    assert duplicate.status_code == 409


def test_a_requester_joins_their_domains_organization_unless_told(
    api: ApiFactory, world: World
) -> None:
    by_domain = api(world.admin).post("/users", {"email": "carol@globex.test"})
    assert by_domain.json()["organizations"] == [{"id": world.globex.pk, "name": "Globex"}]
    explicit = api(world.admin).post(
        "/users", {"email": "dave@gmail.test", "organizations": [world.acme.pk]}
    )
    assert explicit.json()["organizations"] == [{"id": world.acme.pk, "name": "Acme"}]
    unknown = api(world.admin).post("/users", {"email": "erin@x.test", "organizations": [999]})
    assert "organizations" in problem(unknown)["errors"]


@pytest.mark.parametrize("role", ["agent", "manager", "requester"])
def test_only_admins_create_users(api: ApiFactory, world: World, role: str) -> None:
    actor = {"agent": world.agent, "manager": world.manager, "requester": world.alice}[role]
    response = api(actor).post("/users", {"email": "sneaky@desk.test", "role": "admin"})
    assert response.status_code == 403
    problem(response)
    assert not User.objects.filter(email="sneaky@desk.test").exists()


def test_users_edit_their_own_profile_but_not_their_role(api: ApiFactory, world: World) -> None:
    client = api(world.alice)
    own = client.patch(f"/users/{world.alice.pk}", {"full_name": "Alice A.", "language": "fr"})
    assert own.status_code == 200, own.content
    assert own.json()["full_name"] == "Alice A."
    promote = client.patch(f"/users/{world.alice.pk}", {"role": "admin"})
    assert promote.status_code == 403
    world.alice.refresh_from_db()
    assert (world.alice.full_name, world.alice.role) == ("Alice A.", Role.REQUESTER)
    assert client.patch(f"/users/{world.bob.pk}", {"full_name": "Hacked"}).status_code == 404


def test_admins_change_roles_and_bad_values_are_422(api: ApiFactory, world: World) -> None:
    client = api(world.admin)
    promoted = client.patch(f"/users/{world.agent.pk}", {"role": "coordinator"})
    assert promoted.json()["role"] == "coordinator"
    bad_zone = client.patch(f"/users/{world.agent.pk}", {"timezone": "Mars/Olympus"})
    assert "timezone" in problem(bad_zone)["errors"]
    bad_role = client.patch(f"/users/{world.agent.pk}", {"role": "god"})
    assert "role" in problem(bad_role)["errors"]
    null_name = client.patch(f"/users/{world.agent.pk}", {"full_name": None})
    assert "full_name" in problem(null_name)["errors"]


# --- Organizations ----------------------------------------------------------------------------


def test_organizations_for_the_desk_and_a_requesters_own(api: ApiFactory, world: World) -> None:
    Organization.objects.filter(pk=world.acme.pk).update(notes="Pays late")
    desk = api(world.agent).get("/organizations").json()
    OrganizationPage.model_validate(desk)
    assert [o["name"] for o in desk["items"]] == ["Acme", "Globex"]
    assert desk["items"][0]["domains"] == ["acme.test"]
    assert desk["items"][0]["notes"] == "Pays late"
    own = api(world.alice).get("/organizations").json()["items"]
    assert [(o["name"], o["notes"]) for o in own] == [("Acme", None)]
    assert api(world.alice).get(f"/organizations/{world.globex.pk}").status_code == 404


def test_organization_list_query_count_is_constant(api: ApiFactory, world: World) -> None:
    def grow() -> None:
        for n in range(6):
            OrganizationFactory(name=f"Customer {n}", domains=[f"c{n}.test", f"c{n}.example"])

    same_query_count(api(world.agent), "/organizations", grow)


def test_admins_create_and_change_organizations(api: ApiFactory, world: World) -> None:
    client = api(world.admin)
    created = client.post("/organizations", {"name": "Initech", "domains": ["@Initech.test"]})
    assert created.status_code == 201, created.content
    org = created.json()
    assert org["domains"] == ["initech.test"]
    changed = client.patch(
        f"/organizations/{org['id']}",
        {"domains": ["initech.example", "initech.test"], "shares_tickets": True, "notes": "VIP"},
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert sorted(body["domains"]) == ["initech.example", "initech.test"]
    assert (body["shares_tickets"], body["notes"]) == (True, "VIP")
    taken = client.patch(f"/organizations/{org['id']}", {"domains": ["acme.test"]})
    assert taken.status_code == 409
    bad = client.patch(f"/organizations/{org['id']}", {"domains": ["not a domain"]})
    assert "domains" in problem(bad)["errors"]
    assert api(world.agent).patch(f"/organizations/{org['id']}", {"name": "X"}).status_code == 403
    assert Organization.objects.get(pk=org["id"]).name == "Initech"


# --- Teams ------------------------------------------------------------------------------------


def test_teams_show_members_with_tiers_to_the_desk_only(api: ApiFactory, world: World) -> None:
    body = api(world.agent).get("/teams").json()
    TeamPage.model_validate(body)
    teams = {t["name"]: t for t in body["items"]}
    assert teams["HR"]["organizations"] == [{"id": world.acme.pk, "name": "Acme"}]
    tiers = {m["email"]: m["tier"] for m in teams["IT"]["members"]}
    assert tiers["l2@desk.test"] == "l2"
    assert tiers["agent@desk.test"] == "l1"
    assert api(world.alice).get("/teams").json()["items"] == []
    assert api(world.alice).get(f"/teams/{world.it.pk}").status_code == 404


def test_team_list_query_count_is_constant(api: ApiFactory, world: World) -> None:
    def grow() -> None:
        for n in range(6):
            team = TeamFactory(name=f"Team {n}", serves=[world.acme, world.globex])
            member(AgentFactory(email=f"t{n}a@desk.test"), team)
            member(AgentFactory(email=f"t{n}b@desk.test"), team, Tier.L2)

    same_query_count(api(world.agent), "/teams", grow)


def test_admins_create_teams_and_set_members(api: ApiFactory, world: World) -> None:
    client = api(world.admin)
    created = client.post(
        "/teams", {"name": "Facilities", "email": "fac@desk.test", "organizations": [world.acme.pk]}
    )
    assert created.status_code == 201, created.content
    team_id = created.json()["id"]
    changed = client.patch(
        f"/teams/{team_id}",
        {
            "lead": world.manager.pk,
            "members": [
                {"user": world.agent.pk, "tier": "l1"},
                {"user": world.agent_l2.pk, "tier": "l3"},
            ],
            "organizations": [],
        },
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["lead"]["email"] == "boss@desk.test"
    assert body["organizations"] == []
    assert {(m["email"], m["tier"]) for m in body["members"]} == {
        ("agent@desk.test", "l1"),
        ("l2@desk.test", "l3"),
    }
    fewer = client.patch(f"/teams/{team_id}", {"members": [{"user": world.agent.pk}]})
    assert [m["email"] for m in fewer.json()["members"]] == ["agent@desk.test"]
    assert TeamMembership.objects.filter(team_id=team_id).count() == 1


def test_team_writes_are_checked(api: ApiFactory, world: World) -> None:
    client = api(world.admin)
    requester_member = client.patch(
        f"/teams/{world.it.pk}", {"members": [{"user": world.alice.pk, "tier": "l1"}]}
    )
    assert "members" in problem(requester_member)["errors"]
    bad_tier = client.patch(
        f"/teams/{world.it.pk}", {"members": [{"user": world.agent.pk, "tier": "l9"}]}
    )
    assert "members" in problem(bad_tier)["errors"]
    assert client.post("/teams", {"name": "IT"}).status_code == 409
    assert client.patch(f"/teams/{world.hr.pk}", {"name": "IT"}).status_code == 409
    assert api(world.manager).post("/teams", {"name": "Shadow IT"}).status_code == 403
    assert not Team.objects.filter(name="Shadow IT").exists()
    assert TeamMembership.objects.filter(team=world.it).count() == 4


def test_making_a_team_the_default_takes_the_flag_from_the_old_one(
    api: ApiFactory, world: World
) -> None:
    response = api(world.admin).patch(f"/teams/{world.hr.pk}", {"is_default": True})
    assert response.json()["is_default"] is True
    assert list(Team.objects.filter(is_default=True)) == [world.hr]
