"""Logging a phone call from the desk, for a known caller and for a new one."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from frontline.accounts.models import User
from frontline.tickets.models import Ticket
from tests.e2e.conftest import sign_in


def test_agent_logs_a_call_resolved_on_first_contact_for_a_known_caller(
    server: str, page: Any, world: Any
) -> None:
    sign_in(page, server, world.agent.email)
    page.goto(f"{server}/desk/phone/")
    page.fill("#people-search", "Alice")
    results = page.locator("#people-results")
    expect(results).to_contain_text("alice@acme.test")
    results.locator(f'[data-pick-caller="{world.alice.pk}"]').click()
    expect(page.locator("#chosen-caller")).to_contain_text("Alice Archer (alice@acme.test)")
    page.fill("#id_title", "Password expired")
    page.fill("#id_description", "Walked her through the self-service reset.")
    page.check("#id_resolved_on_first_contact")
    page.get_by_role("button", name="Log the call").click()

    expect(page).to_have_url(re.compile(r"/desk/tickets/\d+/$"))
    expect(page.locator(".meta")).to_contain_text("via Phone")
    expect(page.locator(".meta")).to_contain_text("Resolved on first contact")
    ticket = Ticket.objects.get()
    assert page.url.endswith(f"/desk/tickets/{ticket.number}/")
    assert ticket.channel == "phone"
    assert ticket.status == "resolved"
    assert ticket.resolved_on_first_contact is True
    assert ticket.requester_id == world.alice.pk


def test_agent_logs_a_call_from_a_new_caller_who_becomes_a_requester(
    server: str, page: Any, world: Any
) -> None:
    sign_in(page, server, world.agent.email)
    page.goto(f"{server}/desk/phone/")
    page.get_by_text("New caller").click()
    page.fill("#id_new_name", "Nina Newcomer")
    page.fill("#id_new_email", "nina@acme.test")
    page.fill("#id_title", "Badge does not open the door")
    page.fill("#id_description", "Started today, badge reader stays red.")
    page.get_by_role("button", name="Log the call").click()

    expect(page.locator(".meta")).to_contain_text("via Phone")
    expect(page.locator("#requester-h + dl")).to_contain_text("Nina Newcomer")
    caller = User.objects.get(email="nina@acme.test")
    assert caller.full_name == "Nina Newcomer"
    assert not caller.is_agent_like
    ticket = Ticket.objects.get()
    assert ticket.requester_id == caller.pk
    assert ticket.channel == "phone"
    assert ticket.status == "new"
    assert list(caller.organizations.all()) == [world.acme]  # joined by email domain
    assert ticket.organization_id == world.acme.pk
