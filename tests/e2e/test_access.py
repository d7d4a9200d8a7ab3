"""Nobody reaches a ticket they may not see, not even by typing its address: 404, no oracle."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.web.helpers import new_ticket


def status_of(response: Any) -> int | None:
    return response.status if response is not None else None


def test_requester_opening_another_requesters_request_gets_404(
    server: str, page: Any, world: Any
) -> None:
    bobs = new_ticket(world.bob, title="Globex payroll export")
    alices = new_ticket(world.alice, title="Alice's own request")
    sign_in(page, server, world.alice.email)
    assert status_of(page.goto(f"{server}/portal/requests/{alices.number}/")) == 200
    assert status_of(page.goto(f"{server}/portal/requests/{bobs.number}/")) == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Globex payroll export")


def test_agent_of_another_team_opening_a_desk_ticket_gets_404(
    server: str, page: Any, world: Any
) -> None:
    it_ticket = new_ticket(world.alice, title="IT-only laptop issue")
    sign_in(page, server, world.hr_agent.email)
    assert status_of(page.goto(f"{server}/desk/tickets/{it_ticket.number}/")) == 404
    expect(page.locator("body")).not_to_contain_text("IT-only laptop issue")
    # The same address works for an agent of the ticket's team.
    page.context.clear_cookies()
    sign_in(page, server, world.agent.email)
    assert status_of(page.goto(f"{server}/desk/tickets/{it_ticket.number}/")) == 200
