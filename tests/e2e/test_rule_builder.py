"""An admin builds a rule with the point-and-click builder (field → operator → value, an
action and its parameters, all swapped in by htmx), saves it, dry-runs it, switches it on,
and it fires on the next ticket. Plus screenshots of the builder at desk and phone widths."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from frontline.automation import services as automation
from frontline.automation.models import Rule, RuleExecution
from frontline.tickets.events import dispatch_pending
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_create
from tests.e2e.conftest import screenshot, sign_in

WIDTHS = [1280, 375]


def swapped(page: Any, action: Callable[[], Any]) -> None:
    """Do ``action`` and wait until htmx has swapped its answer in and settled."""
    page.evaluate(
        "() => { window.__settled = false; document.addEventListener('htmx:afterSettle',"
        " () => { window.__settled = true; }, {once: true}); }"
    )
    action()
    page.wait_for_function("() => window.__settled === true")


def test_admin_builds_a_rule_dry_runs_it_and_it_fires(server: str, page: Any, world: Any) -> None:
    earlier = ticket_create(
        actor=world.agent, requester=world.alice, title="VPN drops every hour", team=world.it
    )
    ticket_create(actor=world.agent, requester=world.bob, title="Printer jam", team=world.it)
    dispatch_pending()
    sign_in(page, server, world.admin.email)
    page.goto(f"{server}/automation/rules/new/")
    page.wait_for_function("() => window.htmx !== undefined")  # else the buttons post the form
    page.fill("#id_name", "VPN to the network people")
    expect(page.locator("#id_trigger")).to_have_value("created")

    # If: title contains "vpn".
    swapped(page, lambda: page.get_by_role("button", name="+ Condition").first.click())
    expect(page.locator("#id_c-0-field")).to_have_value("status")
    swapped(page, lambda: page.select_option("#id_c-0-field", "title"))
    expect(page.locator("#id_c-0-op option[value=contains]")).to_have_count(1)
    expect(page.locator("#id_c-0-op option[value=gt]")).to_have_count(0)
    swapped(page, lambda: page.select_option("#id_c-0-op", "contains"))
    expect(page.locator("input#id_c-0-value")).to_be_visible()
    page.fill("#id_c-0-value", "vpn")

    # Then: set the priority to P2 and add the tag "network".
    swapped(page, lambda: page.get_by_role("button", name="+ Action").click())
    swapped(page, lambda: page.select_option("#id_a-0-type", "set_field"))
    expect(page.locator("#id_a-0-field")).to_be_visible()
    swapped(page, lambda: page.select_option("#id_a-0-field", "priority"))
    expect(page.locator("#id_a-0-value option[value=p2]")).to_have_count(1)
    page.select_option("#id_a-0-value", "p2")
    swapped(page, lambda: page.get_by_role("button", name="+ Action").click())
    expect(page.locator("#id_a-1-tag")).to_be_visible()
    page.fill("#id_a-1-tag", "network")
    expect(page.locator("#id_c-0-value")).to_have_value("vpn")  # earlier rows kept
    # A time rule has no triggering event: the operators follow the trigger.
    swapped(page, lambda: page.select_option("#id_c-0-field", "status"))
    expect(page.locator("#id_c-0-op option[value=changed_to]")).to_have_count(1)
    swapped(page, lambda: page.select_option("#id_trigger", "time"))
    expect(page.locator("#id_c-0-op option[value=changed_to]")).to_have_count(0)
    swapped(page, lambda: page.select_option("#id_trigger", "created"))
    expect(page.locator("#id_c-0-op option[value=changed_to]")).to_have_count(1)
    swapped(page, lambda: page.select_option("#id_c-0-field", "title"))
    swapped(page, lambda: page.select_option("#id_c-0-op", "contains"))
    page.fill("#id_c-0-value", "vpn")
    expect(page.locator("#id_a-1-tag")).to_have_value("network")
    screenshot(page, "rule-builder-filled-1280")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page).to_have_url(re.compile(r"/automation/rules/\d+/$"))
    expect(page.locator("body")).to_contain_text("It is off: run a dry run first.")
    rule = Rule.objects.get(name="VPN to the network people")
    assert rule.conditions == {"all": [{"field": "title", "op": "contains", "value": "vpn"}]}
    assert rule.actions == [
        {"type": "set_field", "field": "priority", "value": "p2"},
        {"type": "add_tag", "tag": "network"},
    ]
    assert rule.is_active is False

    page.get_by_role("link", name="Dry run", exact=True).click()
    table = page.locator(".automation-table")
    expect(table).to_contain_text(f"#{earlier.number}")
    expect(table).to_contain_text("add_tag")
    expect(table).not_to_contain_text("Printer jam")
    assert not RuleExecution.objects.exists()

    page.get_by_role("link", name=rule.name).click()
    page.check("#id_is_active")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("body")).to_contain_text("Rule saved (version 2).")
    assert Rule.objects.get(pk=rule.pk).is_active

    fresh = ticket_create(
        actor=world.agent, requester=world.alice, title="New VPN profile", team=world.it
    )
    dispatch_pending()
    fresh = Ticket.objects.get(pk=fresh.pk)
    assert fresh.priority == "p2"
    assert list(fresh.tags.values_list("name", flat=True)) == ["network"]
    page.goto(f"{server}/desk/tickets/{fresh.number}/")
    expect(page.locator(".tag", has_text="network")).to_be_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_rule_builder_screenshot(server: str, page: Any, world: Any, width: int) -> None:
    rule = automation.rule_create(
        actor=world.admin,
        name="Hot VPN tickets from Acme",
        trigger="updated",
        conditions_tree={
            "all": [
                {"field": "title", "op": "matches", "value": "\\bvpn\\b"},
                {"field": "organization", "op": "is", "value": world.acme.pk},
                {
                    "any": [
                        {"field": "priority", "op": "in", "value": ["p1", "p2"]},
                        {"field": "tags", "op": "contains", "value": "vip"},
                    ]
                },
                {"field": "business_hours_in_status", "op": "gte", "value": 4},
            ]
        },
        actions=[
            {"type": "assign", "to": "routing"},
            {
                "type": "notify",
                "to": "team_lead",
                "subject": "[{{ ticket.reference }}] hot VPN ticket",
                "body": "Please have a look at {{ ticket.title }}.",
            },
            {"type": "escalate", "tier": "l2"},
        ],
    )
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, server, world.admin.email)
    page.goto(f"{server}/automation/rules/{rule.pk}/")
    page.wait_for_load_state("networkidle")
    path = screenshot(page, f"rule-builder-{width}")
    page.locator(".builder-section").first.screenshot(
        path=str(path.with_name(f"rule-builder-conditions-{width}.png"))
    )
    assert path.stat().st_size > 10_000
    overflow = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1] + 1, f"the builder scrolls sideways at {width} px: {overflow}"


@pytest.mark.parametrize("width", WIDTHS)
def test_team_agents_screenshot(server: str, page: Any, world: Any, width: int) -> None:
    from frontline.accounts.models import Team
    from frontline.automation.models import AgentSkill, AgentStatus
    from tests.factories import CategoryFactory

    Team.objects.filter(pk=world.it.pk).update(lead=world.manager)
    hardware = CategoryFactory(team=world.it, name="Hardware")
    CategoryFactory(team=world.it, name="Laptops", parent=hardware)
    CategoryFactory(team=world.it, name="Network")
    AgentSkill.objects.create(user=world.agent, category=hardware)
    AgentStatus.objects.create(user=world.agent_l2, status="out_of_office", languages=["de"])
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, server, world.manager.email)
    page.goto(f"{server}/automation/availability/")
    page.get_by_role("link", name="IT", exact=True).click()
    expect(page.locator(f"#agent-{world.agent_l2.pk}")).to_contain_text("unavailable")
    page.select_option(f"#id_u{world.agent.pk}-status", "away")
    page.get_by_role("button", name=f"Save {world.agent.full_name}").click()
    expect(page.locator("body")).to_contain_text(f"{world.agent.full_name} saved.")
    assert AgentStatus.objects.get(user=world.agent).status == "away"
    path = screenshot(page, f"team-agents-{width}")
    assert path.stat().st_size > 10_000
    overflow = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1] + 1, f"the page scrolls sideways at {width} px: {overflow}"
