"""The point-and-click rule builder: every rule opens in it and saves back unchanged, rules
are built without JSON (and without JavaScript), the engine's messages land next to their
rows with nothing saved or lost, and the row partial offers what fits the field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from frontline.accounts.models import User
from frontline.automation import services as automation
from frontline.automation.demo import load_demo_automation
from frontline.automation.models import CannedResponse, Rule
from frontline.core.errors import ValidationError
from tests.automation.html_form import as_post, form_fields
from tests.conftest import World
from tests.factories import CategoryFactory, CustomFieldFactory


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_post(client: Client, url: str, response: Any = None) -> dict[str, list[str]]:
    html = (response or client.get(url)).content.decode()
    return as_post(form_fields(html, "rule-form"))


def set_value(data: dict[str, list[str]], name: str, *values: str) -> None:
    data[name] = list(values)


def many_rules(world: World) -> list[Rule]:
    laptops = CategoryFactory(team=world.it, name="Laptops")
    CustomFieldFactory(category=laptops, key="asset_tag", label="Asset tag")
    canned = CannedResponse.objects.create(title="Ack", body="Hi {{ requester.first_name }}")
    definitions: list[tuple[str, dict[str, Any], list[dict[str, Any]]]] = [
        (
            "created",
            {
                "all": [
                    {"field": "title", "op": "matches", "value": "\\bvpn\\b"},
                    {"field": "organization", "op": "is", "value": world.acme.pk},
                    {
                        "any": [
                            {"field": "priority", "op": "in", "value": ["p1", "p2"]},
                            {"field": "tags", "op": "contains", "value": "vip"},
                            {"all": [{"field": "channel", "op": "is_not", "value": "email"}]},
                        ]
                    },
                ]
            },
            [
                {
                    "type": "set_field",
                    "field": "status",
                    "value": "pending",
                    "pending_reason": "requester",
                },
                {"type": "assign", "to": "routing"},
                {"type": "add_tag", "tag": "hot"},
            ],
        ),
        (
            "updated",
            {
                "any": [
                    {"field": "assignee", "op": "changed_to", "value": None},
                    {"field": "category", "op": "is", "value": laptops.pk},
                    {"field": "team", "op": "in", "value": [world.it.pk, world.hr.pk]},
                    {"field": "custom.asset_tag", "op": "starts_with", "value": "LT-"},
                    {"field": "language", "op": "in", "value": ["de", "fr"]},
                    {"field": "requester", "op": "is", "value": world.alice.pk},
                    {"field": "created_at", "op": "gte", "value": "2026-03-02T10:00:00Z"},
                    {"field": "description", "op": "is_set"},
                ]
            },
            [
                {"type": "assign", "to": world.agent.pk},
                {"type": "add_watcher", "user": world.manager.pk},
                {"type": "canned_reply", "canned_response": canned.pk},
                {
                    "type": "notify",
                    "to": "user",
                    "user": world.coordinator.pk,
                    "subject": "[{{ ticket.reference }}] moved",
                    "body": "Hello,\n\n{{ ticket.title }} moved.\n",
                },
            ],
        ),
        (
            "time",
            {"all": [{"field": "business_hours_in_status", "op": "gt", "value": 2.5}]},
            [
                {"type": "escalate"},
                {"type": "escalate", "tier": "l3"},
                {"type": "escalate", "team": world.hr.pk},
                {"type": "set_field", "field": "team", "value": world.hr.pk},
                {"type": "set_field", "field": "category", "value": laptops.pk},
                {"type": "notify", "to": "team_lead", "subject": "Late", "body": "Late."},
            ],
        ),
        ("sla_breached", {}, [{"type": "set_field", "field": "priority", "value": "p1"}]),
    ]
    return [
        automation.rule_create(
            actor=world.admin,
            name=f"Rule {n}",
            trigger=trigger,
            conditions_tree=tree,
            actions=acts,
        )
        for n, (trigger, tree, acts) in enumerate(definitions)
    ]


def test_every_rule_opens_in_the_builder_and_saves_back_identical(world: World) -> None:
    load_demo_automation()
    rules = [*Rule.objects.all(), *many_rules(world)]
    assert len(rules) == 7
    client = browser(world.admin)
    for rule in rules:
        url = f"/automation/rules/{rule.pk}/"
        data = page_post(client, url)
        assert data["editor"] == ["builder"]
        assert not any(k in data for k in ("conditions", "actions"))  # no JSON on the page
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        saved = Rule.objects.get(pk=rule.pk)
        assert (saved.conditions, saved.actions) == (rule.conditions, rule.actions), rule.name
        assert saved.version == rule.version  # nothing changed, so no new version


def test_a_rule_is_built_from_nothing_with_plain_form_posts(world: World) -> None:
    """No JavaScript: every add is a submit button that returns the page, nothing saved."""
    client = browser(world.coordinator)
    url = "/automation/rules/new/"
    data = page_post(client, url)
    set_value(data, "name", "P1 VPN to Ann")
    set_value(data, "_op", "add-cond:c")
    data = page_post(client, url, client.post(url, data))
    assert not Rule.objects.exists()
    set_value(data, "c-0-field", "title")
    set_value(data, "c-0-op", "contains")
    set_value(data, "c-0-value", "vpn")
    set_value(data, "_op", "add-group:c")
    data = page_post(client, url, client.post(url, data))
    assert data["c-1-kind"] == ["group"]
    assert data["c-1-match"] == ["any"]
    set_value(data, "c-1-0-field", "priority")
    set_value(data, "c-1-0-op", "in")
    set_value(data, "c-1-0-value", "p1", "p2")
    set_value(data, "_op", "add-action")
    data = page_post(client, url, client.post(url, data))
    set_value(data, "a-0-type", "assign")
    set_value(data, "a-0-to", str(world.agent.pk))
    data.pop("_op", None)
    response = client.post(url, data)
    assert response.status_code == 302
    rule = Rule.objects.get(name="P1 VPN to Ann")
    assert rule.conditions == {
        "all": [
            {"field": "title", "op": "contains", "value": "vpn"},
            {"any": [{"field": "priority", "op": "in", "value": ["p1", "p2"]}]},
        ]
    }
    assert rule.actions == [{"type": "assign", "to": world.agent.pk}]
    assert rule.is_active is False


def test_removing_rows_and_groups(world: World) -> None:
    rule = many_rules(world)[0]
    client = browser(world.admin)
    url = f"/automation/rules/{rule.pk}/"
    data = page_post(client, url)
    set_value(data, "_op", "remove:c-2")  # the nested any-group
    data = page_post(client, url, client.post(url, data))
    set_value(data, "_op", "remove:a-1")
    data = page_post(client, url, client.post(url, data))
    data.pop("_op", None)
    assert client.post(url, data).status_code == 302
    saved = Rule.objects.get(pk=rule.pk)
    assert saved.conditions == {"all": rule.conditions["all"][:2]}
    assert [a["type"] for a in saved.actions] == ["set_field", "add_tag"]
    assert saved.version == rule.version + 1


def test_errors_appear_next_to_their_rows_and_nothing_is_saved_or_lost(world: World) -> None:
    rule = many_rules(world)[0]
    client = browser(world.admin)
    url = f"/automation/rules/{rule.pk}/"
    data = page_post(client, url)
    set_value(data, "c-0-value", "(a+)+")
    set_value(data, "c-2-0-value")  # the nested "priority in" loses its values: still a list
    set_value(data, "a-2-tag", "")
    set_value(data, "name", "")
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    row = page[page.index('id="row-c-0"') :]
    row = row[: row.index("</div>")]
    assert "Nested repetition" in row
    assert 'value="(a+)+"' in row  # as typed
    action = page[page.index('id="row-a-2"') : page.index("</li>", page.index('id="row-a-2"'))]
    assert "A tag name" in action
    assert "The rule has problems: see the marked rows." in page
    assert "This field is required." in page  # the name
    saved = Rule.objects.get(pk=rule.pk)
    assert (saved.version, saved.conditions, saved.actions) == (
        rule.version,
        rule.conditions,
        rule.actions,
    )
    again = as_post(form_fields(page, "rule-form"))
    assert again["c-0-value"] == ["(a+)+"]
    assert again["a-0-pending_reason"] == ["requester"]


def test_a_time_rule_refuses_event_operators_at_the_row(world: World) -> None:
    rule = many_rules(world)[1]
    client = browser(world.admin)
    url = f"/automation/rules/{rule.pk}/"
    data = page_post(client, url)
    set_value(data, "trigger", "time")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "A time rule has no triggering event" in response.content.decode()
    assert Rule.objects.get(pk=rule.pk).trigger == "updated"


def test_a_stale_version_is_refused_on_the_page(world: World) -> None:
    rule = many_rules(world)[3]
    client = browser(world.admin)
    url = f"/automation/rules/{rule.pk}/"
    data = page_post(client, url)
    automation.rule_update(actor=world.admin, rule=rule, version=None, position=3)
    set_value(data, "a-0-value", "p2")
    response = client.post(url, data)
    assert "changed meanwhile" in response.content.decode()
    assert Rule.objects.get(pk=rule.pk).actions[0]["value"] == "p1"


def row(client: Client, prefix: str, changed: str, **fields: str) -> str:
    response = client.post(
        "/automation/rules/builder/row/",
        {"prefix": prefix, **fields},
        headers={"HX-Trigger-Name": f"{prefix}-{changed}"},
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_row_partial_offers_operators_and_values_that_fit_the_field(world: World) -> None:
    client = browser(world.coordinator)
    html = row(
        client, "c-0", "field", **{"c-0-field": "business_days_in_status", "trigger": "time"}
    )
    assert 'value="gte"' in html
    assert 'value="contains"' not in html
    assert 'type="number"' in html
    assert "business days" in html
    html = row(client, "c-0", "field", **{"c-0-field": "team", "trigger": "updated"})
    assert f'value="{world.hr.pk}">HR<' in html
    assert 'value="changed_to"' in html
    html = row(client, "c-0", "field", **{"c-0-field": "team", "trigger": "time"})
    assert 'value="changed_to"' not in html  # no event for a time rule
    html = row(client, "c-0", "op", **{"c-0-field": "priority", "c-0-op": "in", "c-0-value": "p1"})
    assert "multiple" in html
    assert 'value="p1" selected' in html
    html = row(client, "c-0", "op", **{"c-0-field": "status", "c-0-op": "is_set"})
    assert 'name="c-0-value"' not in html
    html = row(client, "a-0", "type", **{"a-0-type": "assign"})
    assert "By the team&#x27;s routing" in html
    assert world.agent.full_name in html
    html = row(client, "a-0", "field", **{"a-0-type": "set_field", "a-0-field": "status"})
    assert 'name="a-0-pending_reason"' in html
    assert 'value="resolved"' in html
    html = row(client, "a-0", "type", **{"a-0-type": "notify"})
    assert 'name="a-0-subject"' in html
    assert "<textarea" in html


def test_the_builder_is_404_for_those_who_may_not_manage_rules(world: World) -> None:
    for user in (world.agent, world.manager):
        response = browser(user).post(
            "/automation/rules/builder/row/", {"prefix": "c-0", "c-0-field": "status"}
        )
        assert response.status_code == 404
    bad = browser(world.admin).post("/automation/rules/builder/row/", {"prefix": "x"})
    assert bad.status_code == 404
    assert browser(world.admin).get("/automation/rules/builder/row/").status_code == 405


def test_json_stays_available_as_the_advanced_view(world: World) -> None:
    rule = many_rules(world)[0]
    client = browser(world.admin)
    url = f"/automation/rules/{rule.pk}/"
    page = client.get(url + "?editor=json").content.decode()
    assert 'name="conditions"' in page
    assert "&quot;matches&quot;" in page
    data = page_post(client, url)
    set_value(data, "c-0-value", "vpn|wifi")
    set_value(data, "_op", "json")
    as_json = client.post(url, data).content.decode()
    assert "vpn|wifi" in as_json
    assert 'name="c-0-field"' not in as_json
    json_data = as_post(form_fields(as_json, "rule-form"))
    json_data["_op"] = ["builder"]
    back = client.post(url, json_data).content.decode()
    assert 'name="c-0-field"' in back
    assert 'value="vpn|wifi"' in back
    assert Rule.objects.get(pk=rule.pk).version == rule.version  # still nothing saved


def test_the_builder_page_costs_the_same_queries_for_big_rules(
    world: World, django_assert_max_num_queries: Any
) -> None:
    rules = many_rules(world)
    client = browser(world.admin)
    client.get(f"/automation/rules/{rules[3].pk}/")
    with django_assert_max_num_queries(20):
        client.get(f"/automation/rules/{rules[1].pk}/")


@pytest.mark.parametrize("trigger", ["created", "time"])
def test_a_new_rule_page_starts_empty(world: World, trigger: str) -> None:
    page = browser(world.admin).get(f"/automation/rules/new/?trigger={trigger}").content.decode()
    assert "none yet: the rule applies to every ticket" in page
    assert "+ Condition" in page
    assert "+ Action" in page


def test_the_dry_run_page_names_the_agent_routing_would_pick(world: World) -> None:
    from frontline.automation.models import RoutingMode, TeamRouting
    from frontline.tickets.services import ticket_create

    ticket = ticket_create(actor=world.agent, requester=world.alice, title="VPN", team=world.it)
    TeamRouting.objects.create(team=world.it, mode=RoutingMode.LEAST_LOAD)
    rule = automation.rule_create(
        actor=world.admin,
        name="Route",
        trigger="created",
        conditions_tree={},
        actions=[{"type": "assign", "to": "routing"}],
    )
    page = browser(world.admin).get(f"/automation/rules/{rule.pk}/dry-run/").content.decode()
    assert f"#{ticket.number}" in page
    assert f"({world.agent.full_name})" in page  # the lowest id among the least loaded


def test_rule_check_validates_without_saving_and_only_for_rule_managers(world: World) -> None:
    from frontline.core.errors import NotFound, ValidationError

    bad = {"all": [{"field": "priority", "op": "gt", "value": "p1"}]}
    with pytest.raises(ValidationError) as caught:
        automation.rule_check(
            actor=world.coordinator, trigger="created", conditions_tree=bad, actions=[]
        )
    assert set(caught.value.errors) == {"conditions.all.0.op", "actions"}
    automation.rule_check(
        actor=world.coordinator,
        trigger="time",
        conditions_tree={},
        actions=[{"type": "add_tag", "tag": "x"}],
    )
    with pytest.raises(NotFound):
        automation.rule_check(actor=world.agent, trigger="created", conditions_tree={}, actions=[])
    assert not Rule.objects.exists()


# --- Review: exact round trips and hostile posts ----------------------------------------------


def test_values_the_inputs_cannot_show_exactly_still_save_back_identical(world: World) -> None:
    """true, null, a list item with a comma, 3.0 and "5" come back as they were saved (as
    text they would turn into "true", "", two items, 3 and 5: other rules)."""
    CustomFieldFactory(category=CategoryFactory(team=world.it), key="vip", label="VIP")
    tree = {
        "any": [
            {"field": "custom.vip", "op": "is", "value": True},
            {"field": "custom.vip", "op": "is_not", "value": None},
            {"field": "title", "op": "in", "value": ["VPN, remote", "wifi"]},
            {"field": "hours_since_created", "op": "gte", "value": 3.0},
            {"field": "custom.vip", "op": "gt", "value": "5"},
            {"all": [{"field": "language", "op": "is", "value": None}]},
        ]
    }
    rule = automation.rule_create(
        actor=world.admin,
        name="Typed",
        trigger="created",
        conditions_tree=tree,
        actions=[{"type": "add_tag", "tag": "x"}],
    )
    client = browser(world.admin)
    url = f"/automation/rules/{rule.pk}/"
    data = page_post(client, url)
    set_value(data, "_op", "add-action")  # a round trip through the page on the way
    data = page_post(client, url, client.post(url, data))
    set_value(data, "_op", "remove:a-1")
    data = page_post(client, url, client.post(url, data))
    data.pop("_op", None)
    assert client.post(url, data).status_code == 302
    saved = Rule.objects.get(pk=rule.pk)
    assert json.dumps(saved.conditions, sort_keys=True) == json.dumps(tree, sort_keys=True)
    assert saved.version == rule.version

    # Typing over a value still takes what was typed.
    data = page_post(client, url)
    set_value(data, "c-0-value", "false")
    set_value(data, "c-2-value", "a, b")
    assert client.post(url, data).status_code == 302
    saved = Rule.objects.get(pk=rule.pk)
    assert saved.conditions["any"][0]["value"] == "false"
    assert saved.conditions["any"][2]["value"] == ["a", "b"]


HOSTILE_ROWS: list[dict[str, str]] = [
    {"prefix": "a-0", "a-0-type": "assign", "a-0-to": "²"},  # a digit int() refuses
    {"prefix": "a-0", "a-0-type": "add_watcher", "a-0-user": "--5"},
    {"prefix": "a-0", "a-0-type": "set_field", "a-0-field": "team", "a-0-value": "٣"},
    {"prefix": "c-0", "c-0-field": "team", "c-0-op": "is", "c-0-value": "²"},
    {"prefix": "c-0", "c-0-field": "status", "c-0-op": "is", "c-0-extra": "[" * 100_000},
    {"prefix": "c-0", "c-0-field": "status", "c-0-op": "is", "c-0-saved": "{" * 50_000},
    {"prefix": "c-0", "c-0-field": "hours_since_created", "c-0-op": "gt", "c-0-value": "1e999"},
]


@pytest.mark.parametrize("body", HOSTILE_ROWS)
def test_hostile_row_posts_get_a_row_back_not_a_crash(world: World, body: dict[str, str]) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.coordinator)
    response = client.post("/automation/rules/builder/row/", body)
    assert response.status_code == 200
    assert 'class="builder-row' in response.content.decode()


HOSTILE_SAVES: list[tuple[dict[str, str], str]] = [
    ({"a-0-type": "assign", "a-0-to": "²"}, "a-0"),
    ({"a-0-type": "add_watcher", "a-0-user": "99999999999999999999999"}, "a-0"),
    ({"position": "99999999999999999999"}, "position"),
]


@pytest.mark.parametrize(("extra", "where"), HOSTILE_SAVES)
def test_hostile_saves_are_messages_on_the_page_and_save_nothing(
    world: World, extra: dict[str, str], where: str
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.coordinator)
    body = {"name": "Bad", "trigger": "created", "position": "0", "c-match": "all", **extra}
    body.setdefault("a-0-type", "add_tag")
    body.setdefault("a-0-tag", "fine")
    response = client.post("/automation/rules/new/", body)
    assert response.status_code == 200
    assert not Rule.objects.exists()
    page = response.content.decode()
    assert "The rule has problems" in page or "Ensure this value" in page


@pytest.mark.parametrize("typed", ["1e999", "-1e999", "nan"])
def test_numbers_no_database_stores_stay_as_typed(world: World, typed: str) -> None:
    """Python reads "1e999" as infinity, which is no JSON: the builder keeps the text."""
    client = Client(raise_request_exception=False)
    client.force_login(world.coordinator)
    body = {
        "name": "Big",
        "trigger": "created",
        "position": "0",
        "c-match": "all",
        "c-0-kind": "cond",
        "c-0-field": "hours_since_created",
        "c-0-op": "gte",
        "c-0-value": typed,
        "a-0-type": "add_tag",
        "a-0-tag": "x",
    }
    assert client.post("/automation/rules/new/", body).status_code in (200, 302)
    for rule in Rule.objects.all():
        assert rule.conditions["all"][0]["value"] == typed


@pytest.mark.parametrize(
    "text",
    [
        '{"all": [{"field": "hours_since_created", "op": "gt", "value": NaN}]}',
        '{"all": [{"field": "hours_since_created", "op": "gt", "value": Infinity}]}',
        "[" * 100_000,
    ],
)
def test_the_json_editor_refuses_what_no_database_stores(world: World, text: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.coordinator)
    body = {
        "editor": "json",
        "name": "J",
        "trigger": "created",
        "position": "0",
        "conditions": text,
        "actions": '[{"type": "add_tag", "tag": "x"}]',
    }
    response = client.post("/automation/rules/new/", body)
    assert response.status_code == 200
    assert "Not valid JSON" in response.content.decode()
    assert not Rule.objects.exists()


def test_rule_services_refuse_non_finite_numbers_with_a_field_message(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        automation.rule_create(
            actor=world.admin,
            name="Inf",
            trigger="created",
            conditions_tree={"all": [{"field": "custom.x", "op": "gt", "value": float("inf")}]},
            actions=[{"type": "add_tag", "tag": "x"}],
        )
    assert "conditions.all.0.value" in caught.value.errors
    assert not Rule.objects.exists()


def test_the_row_endpoint_wants_the_pages_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.coordinator)
    body = {"prefix": "c-0", "c-0-field": "priority", "c-0-op": "is"}
    assert client.post("/automation/rules/builder/row/", body).status_code == 403
    page = client.get("/automation/rules/new/").content.decode()
    token = as_post(form_fields(page, "rule-form"))["csrfmiddlewaretoken"][0]
    response = client.post("/automation/rules/builder/row/", {**body, "csrfmiddlewaretoken": token})
    assert response.status_code == 200


def test_the_row_partial_reads_the_changed_input_from_the_form_without_htmx(
    world: World,
) -> None:
    response = browser(world.coordinator).post(
        "/automation/rules/builder/row/",
        {"prefix": "c-0", "changed": "c-0-field", "c-0-field": "no_such_field", "c-0-op": "gt"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="status" selected' in html  # an unknown field falls back to status
    assert 'value="is" selected' in html  # and the operator to the field's first one
