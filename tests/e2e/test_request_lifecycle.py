"""The whole way of one request: filed in the portal, worked in the desk, confirmed solved."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from frontline.tickets.models import Ticket
from tests.e2e.conftest import sign_in


@pytest.fixture
def agent_page(browser: Any, server: str, world: Any) -> Iterator[Any]:
    """A second browser (own cookies) signed in as the IT agent."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, world.agent.email)
    yield page
    context.close()


def test_request_from_portal_to_desk_and_back_until_solved(
    server: str, page: Any, agent_page: Any, world: Any
) -> None:
    # The requester files a request and sees its number at once.
    sign_in(page, server, world.alice.email)
    page.goto(f"{server}/portal/new/")
    page.fill("#id_title", "Laptop will not start")
    page.fill("#id_description", "Black screen since this morning's update.")
    page.get_by_label("My team").check()
    page.get_by_label("It stops my work").check()
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".flash")).to_contain_text("Your request number is #")
    ticket = Ticket.objects.get()
    expect(page.locator(".flash")).to_contain_text(f"#{ticket.number}")
    expect(page).to_have_url(re.compile(rf"/portal/requests/{ticket.number}/$"))
    assert (ticket.impact, ticket.urgency, ticket.requester_id) == (
        "medium",
        "high",
        world.alice.pk,
    )

    # An agent finds it among the unassigned tickets of their team, opens and claims it.
    agent = agent_page
    agent.goto(f"{server}/desk/queues/unassigned/")
    agent.get_by_role("link", name="Laptop will not start").click()
    expect(agent).to_have_url(re.compile(rf"/desk/tickets/{ticket.number}/$"))
    agent.click("#claim-button")
    expect(agent.locator("ul.flash")).to_contain_text("The ticket is yours.")
    expect(agent.get_by_test_id("assignee")).to_have_text("Ann Agent")

    # A public reply, then an internal note.
    agent.fill("#composer textarea", "Hold the power button for ten seconds, then start it.")
    agent.click("#composer-send")
    expect(agent.locator("ul.flash")).to_contain_text("Reply sent.")
    agent.get_by_label("Internal note").check()
    agent.fill("#composer textarea", "Known issue with BIOS 1.2; vendor ticket 77.")
    agent.click("#composer-send")
    expect(agent.locator("ul.flash")).to_contain_text("Internal note added.")
    expect(agent.locator("#timeline li.internal")).to_contain_text("vendor ticket 77")

    # The requester sees the reply but never the note, and says it is solved.
    page.goto(f"{server}/portal/requests/{ticket.number}/")
    expect(page.locator(".timeline")).to_contain_text("Hold the power button")
    expect(page.locator("body")).not_to_contain_text("vendor ticket 77")
    expect(page.locator("body")).not_to_contain_text("Internal note")
    page.get_by_role("button", name="This is solved").click()
    expect(page.get_by_test_id("status")).to_have_text("Solved: please confirm")
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert ticket.resolved_at is not None

    # The desk's full history lists every step, in order.
    agent.reload()
    expect(agent.get_by_test_id("status")).to_have_text("Resolved")
    agent.locator("#history summary").click()
    steps = agent.locator("#history li").all_inner_texts()
    expected = [
        "Alice Archer: Created via web",
        "Ann Agent: Assigned to Ann Agent",
        "Ann Agent: Replied",
        "Ann Agent: Status New → Open",
        "Ann Agent: Added an internal note",
        "Alice Archer: Status Open → Resolved",
    ]
    assert [step.split(" · ", 1)[1] for step in steps] == expected
