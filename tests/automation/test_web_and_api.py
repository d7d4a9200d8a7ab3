"""Automation pages and API: who may see them (404 for others), validation messages
(problem+json with paths), dry run, versions, canned responses (scoping, rendering, the
sandbox, the reply-box fragment) and availability."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import User
from frontline.automation import services as automation
from frontline.automation.models import AgentStatus, CannedResponse, Rule, RuleVersion, TeamRouting
from frontline.core.errors import ValidationError
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_create
from tests.api.conftest import Api, problem
from tests.conftest import World


@pytest.fixture
def api(world: World) -> Callable[[User | None], Api]:
    return Api


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rule(world: World) -> Rule:
    return automation.rule_create(
        actor=world.admin,
        name="Tag VPN",
        trigger="created",
        conditions_tree={"all": [{"field": "title", "op": "contains", "value": "vpn"}]},
        actions=[{"type": "add_tag", "tag": "vpn"}],
    )


@pytest.fixture
def ticket(world: World) -> Ticket:
    return ticket_create(
        actor=world.agent, requester=world.alice, title="VPN is down", team=world.it
    )


# --- Pages ------------------------------------------------------------------------------------


def test_rule_pages_are_404_for_agents_and_open_for_coordinators(world: World, rule: Rule) -> None:
    pages = [
        "/automation/rules/",
        "/automation/rules/new/",
        f"/automation/rules/{rule.pk}/",
        f"/automation/rules/{rule.pk}/dry-run/",
        f"/automation/rules/{rule.pk}/versions/",
        "/automation/routing/",
    ]
    for user in (world.agent, world.manager):
        client = browser(user)
        for page in pages:
            assert client.get(page).status_code == 404, page
    for user in (world.coordinator, world.admin):
        client = browser(user)
        for page in pages:
            assert client.get(page).status_code == 200, page
    assert browser(world.alice).get(pages[0]).status_code == 302  # requesters go to the portal


def test_the_rule_form_shows_errors_by_path_and_keeps_the_input(world: World) -> None:
    client = browser(world.coordinator)
    typed = '{"all": [{"field": "status", "op": "sort_of", "value": "new"}]}'
    response = client.post(
        "/automation/rules/new/",
        {
            "name": "Broken",
            "trigger": "created",
            "position": 0,
            "conditions": typed,
            "actions": '[{"type": "add_tag", "tag": "x"}]',
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "conditions.all.0.op: Unknown operator" in page
    assert "sort_of" in page  # what was typed is still there
    assert not Rule.objects.exists()
    bad_json = client.post(
        "/automation/rules/new/",
        {"name": "Bad", "trigger": "created", "position": 0, "conditions": "{", "actions": "[]"},
    )
    assert "Not valid JSON" in bad_json.content.decode()
    ok = client.post(
        "/automation/rules/new/",
        {
            "name": "Good",
            "trigger": "created",
            "position": 0,
            "conditions": typed.replace("sort_of", "is"),
            "actions": '[{"type": "add_tag", "tag": "x"}]',
        },
    )
    assert ok.status_code == 302
    saved = Rule.objects.get(name="Good")
    assert saved.is_active is False
    assert saved.version == 1


def test_saving_the_form_makes_a_version_and_the_versions_page_lists_them(
    world: World, rule: Rule
) -> None:
    client = browser(world.admin)
    response = client.post(
        f"/automation/rules/{rule.pk}/",
        {
            "name": rule.name,
            "trigger": "created",
            "position": 0,
            "is_active": "on",
            "conditions": "{}",
            "actions": '[{"type": "add_tag", "tag": "changed"}]',
            "version": 1,
        },
    )
    assert response.status_code == 302
    assert RuleVersion.objects.filter(rule=rule).count() == 2
    page = client.get(f"/automation/rules/{rule.pk}/versions/").content.decode()
    assert "v2" in page
    assert "changed" in page
    stale = client.post(
        f"/automation/rules/{rule.pk}/",
        {
            "name": rule.name,
            "trigger": "created",
            "position": 0,
            "conditions": "{}",
            "actions": "[]",
            "version": 1,
        },
    )
    assert stale.status_code == 200
    assert "changed meanwhile" in stale.content.decode()


def test_the_dry_run_page_lists_matches(world: World, rule: Rule, ticket: Ticket) -> None:
    ticket_create(actor=world.agent, requester=world.alice, title="Printer", team=world.it)
    page = browser(world.coordinator).get(f"/automation/rules/{rule.pk}/dry-run/?limit=50")
    text = page.content.decode()
    assert f"#{ticket.number}" in text
    assert "Printer" not in text
    assert "<strong>1</strong> match" in text


def test_coordinators_configure_routing_on_the_page(world: World) -> None:
    client = browser(world.coordinator)
    response = client.post(
        "/automation/routing/",
        {
            "team": world.it.pk,
            f"team{world.it.pk}-mode": "round_robin",
            f"team{world.it.pk}-unassign_after": "15",
        },
    )
    assert response.status_code == 302
    routing = TeamRouting.objects.get(team=world.it)
    assert (routing.mode, routing.unassign_after) == ("round_robin", 15)


def test_agents_set_their_availability_and_toggle_it_from_the_desk(world: World) -> None:
    client = browser(world.agent)
    desk = client.get("/desk/", follow=True).content.decode()
    assert "availability-toggle" in desk
    assert "Online" in desk
    response = client.post("/automation/availability/toggle/", {"next": "/desk/"})
    assert response.status_code == 302
    assert response["Location"] == "/desk/"
    assert AgentStatus.objects.get(user=world.agent).status == "away"
    evil = client.post("/automation/availability/toggle/", {"next": "https://evil.test/"})
    assert evil["Location"] == "/desk/"
    saved = client.post(
        "/automation/availability/",
        {
            "status": "online",
            "away_from": "2026-04-01",
            "away_until": "2026-03-01",
            "languages": "en, de",
        },
    )
    assert "The last day comes after the first." in saved.content.decode()
    client.post(
        "/automation/availability/",
        {
            "status": "online",
            "away_from": "2026-04-01",
            "away_until": "2026-04-03",
            "languages": "en, DE",
        },
    )
    row = AgentStatus.objects.get(user=world.agent)
    assert (row.status, row.languages, str(row.away_until)) == (
        "online",
        ["en", "de"],
        "2026-04-03",
    )


# --- API: rules -------------------------------------------------------------------------------


def test_rules_api_crud_dry_run_and_versions(world: World, api: Any, ticket: Ticket) -> None:
    coordinator = api(world.coordinator)
    created = coordinator.post(
        "/rules",
        {
            "name": "VPN",
            "trigger": "created",
            "conditions": {"all": [{"field": "title", "op": "contains", "value": "vpn"}]},
            "actions": [{"type": "add_tag", "tag": "vpn"}],
        },
    )
    assert created.status_code == 201, created.content
    rule_id = created.json()["id"]
    run = coordinator.post(f"/rules/{rule_id}/dry-run", {"limit": 10})
    assert run.status_code == 200
    body = run.json()
    assert body["matched"] == 1
    assert body["rows"][0]["ticket"] == ticket.number
    assert body["rows"][0]["actions"] == [{"type": "add_tag", "tag": "vpn"}]
    patched = coordinator.patch(f"/rules/{rule_id}", {"is_active": True, "version": 1})
    assert patched.status_code == 200
    assert patched.json()["version"] == 2
    stale = coordinator.patch(f"/rules/{rule_id}", {"position": 3, "version": 1})
    assert stale.status_code == 409
    versions = coordinator.get(f"/rules/{rule_id}/versions").json()
    assert [v["number"] for v in versions] == [2, 1]
    assert coordinator.get("/rules").json()["items"][0]["id"] == rule_id
    assert coordinator.delete(f"/rules/{rule_id}").status_code == 204
    assert coordinator.get(f"/rules/{rule_id}").status_code == 404


def test_rules_api_validation_is_problem_json_with_paths(world: World, api: Any) -> None:
    response = api(world.admin).post(
        "/rules",
        {
            "name": "x",
            "trigger": "created",
            "conditions": {"any": [{"field": "title", "op": "matches", "value": "(a+)+"}]},
            "actions": [{"type": "set_field", "field": "status", "value": "pending"}],
        },
    )
    assert response.status_code == 422
    errors = problem(response)["errors"]
    assert "conditions.any.0.value" in errors
    assert "actions.0.pending_reason" in errors


def test_rules_api_is_404_for_agents_and_requesters(world: World, api: Any, rule: Rule) -> None:
    for user in (world.agent, world.alice):
        client = api(user)
        assert client.get("/rules").status_code == 404
        assert client.get(f"/rules/{rule.pk}").status_code == 404
        assert client.post(f"/rules/{rule.pk}/dry-run").status_code == 404
        assert (
            client.post("/rules", {"name": "x", "trigger": "created", "actions": []}).status_code
            == 404
        )


# --- Canned responses -------------------------------------------------------------------------


def test_agents_see_shared_and_their_teams_responses_and_requesters_none(
    world: World, api: Any
) -> None:
    CannedResponse.objects.create(title="Shared", body="Hi")
    CannedResponse.objects.create(title="IT only", body="Hi", team=world.it)
    CannedResponse.objects.create(title="HR only", body="Hi", team=world.hr)
    CannedResponse.objects.create(title="Retired", body="Hi", is_active=False)
    titles = [c["title"] for c in api(world.agent).get("/canned-responses").json()["items"]]
    assert titles == ["IT only", "Shared"]
    hr = [c["title"] for c in api(world.hr_agent).get("/canned-responses").json()["items"]]
    assert hr == ["HR only", "Shared"]
    assert api(world.alice).get("/canned-responses").status_code == 404


def test_rendering_for_a_ticket_and_the_scope_of_tickets(
    world: World, api: Any, ticket: Ticket
) -> None:
    canned = CannedResponse.objects.create(
        title="Ack",
        body="Hello {{ requester.first_name }}, about {{ ticket.reference }}: {{ agent.name }}",
    )
    response = api(world.agent).post(f"/canned-responses/{canned.pk}/render?ticket={ticket.number}")
    assert response.status_code == 200
    assert response.json()["body"] == f"Hello Alice, about #{ticket.number}: Ann Agent"
    hr_ticket = ticket_create(
        actor=world.hr_agent, requester=world.alice, title="Payslip", team=world.hr
    )
    outside = api(world.agent).post(
        f"/canned-responses/{canned.pk}/render?ticket={hr_ticket.number}"
    )
    assert outside.status_code == 404
    assert (
        api(world.alice)
        .post(f"/canned-responses/{canned.pk}/render?ticket={ticket.number}")
        .status_code
        == 404
    )


@pytest.mark.parametrize(
    "body",
    [
        "{{ ticket.__class__ }}",
        "{{ settings.SECRET_KEY }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ ticket.number.__class__.__bases__ }}",
        "{% for x in ticket %}{% endfor %}{{ cycler.__init__.__globals__ }}",
    ],
)
def test_templates_cannot_reach_secrets_or_internals(
    world: World, ticket: Ticket, body: str
) -> None:
    from django.conf import settings

    try:
        canned = automation.canned_create(actor=world.coordinator, title="Evil", body=body)
    except ValidationError as error:
        refused = error.errors
    else:
        refused = {}
    if refused:
        assert "body" in refused  # refused at save
        return
    try:
        text = automation.canned_render(actor=world.agent, canned=canned, ticket=ticket)
    except ValidationError:
        return  # refused at render
    assert settings.SECRET_KEY not in text
    assert "class" not in text
    assert "object" not in text
    assert "globals" not in text.lower()


def test_bad_templates_are_a_field_error_on_save(world: World, api: Any) -> None:
    response = api(world.coordinator).post(
        "/canned-responses", {"title": "Oops", "body": "Hi {{ requester.first_name "}
    )
    assert response.status_code == 422
    assert "syntax" in problem(response)["errors"]["body"][0].lower()
    unknown = api(world.coordinator).post(
        "/canned-responses", {"title": "Oops", "body": "{{ password }}"}
    )
    assert "Unknown placeholder" in problem(unknown)["errors"]["body"][0]
    assert (
        api(world.agent).post("/canned-responses", {"title": "A", "body": "B"}).status_code == 404
    )
    made = api(world.coordinator).post(
        "/canned-responses",
        {"title": "Fine", "body": "Hi {{ requester.first_name }}", "team": world.it.pk},
    )
    assert made.status_code == 201


def test_the_canned_list_runs_a_constant_number_of_queries(world: World, api: Any) -> None:
    client = api(world.agent)

    def count(n: int) -> int:
        CannedResponse.objects.all().delete()
        CannedResponse.objects.bulk_create(
            [
                CannedResponse(title=f"C{i}", body="x", team=world.it if i % 2 else None)
                for i in range(n)
            ]
        )
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get("/canned-responses", {"limit": 50}).json()["items"]) == n
        return len(queries)

    count(1)  # the first request also stamps the token's last use
    assert count(10) == count(30)


def test_the_reply_box_offers_responses_and_inserts_the_rendered_text(
    world: World, ticket: Ticket
) -> None:
    canned = CannedResponse.objects.create(title="Ack", body="Hi {{ requester.first_name }}")
    CannedResponse.objects.create(title="HR secret", body="x", team=world.hr)
    client = browser(world.agent)
    page = client.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert "canned-picker" in page
    assert "Ack" in page
    assert "HR secret" not in page
    fragment = client.get(
        "/automation/canned/insert/",
        {"canned": canned.pk, "ticket": ticket.number, "body": "Thanks for waiting."},
    )
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert 'name="body"' in html
    assert "Thanks for waiting.\n\nHi Alice" in html
    hr_only = CannedResponse.objects.get(title="HR secret")
    assert (
        client.get(
            "/automation/canned/insert/", {"canned": hr_only.pk, "ticket": ticket.number}
        ).status_code
        == 404
    )
    assert (
        browser(world.alice)
        .get("/automation/canned/insert/", {"canned": canned.pk, "ticket": ticket.number})
        .status_code
        == 302
    )  # requesters are sent to the portal


def test_canned_pages_for_editors(world: World) -> None:
    client = browser(world.coordinator)
    bad = client.post("/automation/canned/new/", {"title": "T", "body": "{{ nope }}"})
    assert "Unknown placeholder" in bad.content.decode()
    ok = client.post(
        "/automation/canned/new/",
        {"title": "T", "body": "Hi {{ agent.first_name }}", "is_active": "on"},
    )
    assert ok.status_code == 302
    assert browser(world.agent).get("/automation/canned/new/").status_code == 404
    assert "T" in browser(world.agent).get("/automation/canned/").content.decode()
