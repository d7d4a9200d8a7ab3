"""Two agents on one ticket: they see each other, see typing, and a stale write is refused
with the agent's text kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from frontline.tickets.models import Message
from tests.e2e.conftest import sign_in
from tests.web.helpers import fresh, new_ticket

# The websocket polls the version every 2 s; leave room for a slow machine.
LIVE = 10_000


@pytest.fixture
def second_agent(browser: Any, server: str, world: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, world.agent_l2.email)
    yield page
    context.close()


def test_two_agents_see_each_other_and_a_stale_reply_is_refused_with_text_kept(
    server: str, page: Any, second_agent: Any, world: Any
) -> None:
    ticket = new_ticket(world.alice, title="Shared drive is full")
    url = f"{server}/desk/tickets/{ticket.number}/"
    first = page
    sign_in(first, server, world.agent.email)
    first.goto(url)
    second_agent.goto(url)

    # Presence: each sees the other.
    expect(first.locator("#presence")).to_contain_text("Lee Two is viewing", timeout=LIVE)
    expect(second_agent.locator("#presence")).to_contain_text("Ann Agent is viewing", timeout=LIVE)

    # Typing in one composer shows at the other.
    first.locator("#composer textarea").press_sequentially("Look")
    expect(second_agent.locator("#presence")).to_contain_text("Ann Agent is typing…", timeout=LIVE)

    # Agent 2 starts a reply on the page as loaded; agent 1 changes the ticket meanwhile.
    second_agent.fill("#composer textarea", "I freed 20 GB on the share.")
    expect(second_agent.locator("#stale-notice")).to_be_hidden()
    first.select_option("#id_priority", "p1")
    first.get_by_role("button", name="Save properties").click()
    expect(first.locator("ul.flash")).to_contain_text("Saved.")
    assert fresh(ticket).priority == "p1"

    # Agent 2's page learns it is stale before sending...
    expect(second_agent.locator("#stale-notice")).to_be_visible(timeout=LIVE)

    # ...and sending anyway is refused (409), with the text still in the composer.
    with second_agent.expect_response(lambda r: r.url.endswith("/compose/")) as sent:
        second_agent.click("#composer-send")
    assert sent.value.status == 409
    composer = second_agent.locator("#composer")
    expect(composer.get_by_role("alert")).to_contain_text("was changed by someone else")
    expect(composer.locator("textarea")).to_have_value("I freed 20 GB on the share.")
    assert not Message.objects.filter(body__contains="freed 20 GB").exists()
