"""A requester rates a resolved request from the mail: one mail on resolve carries the notice
and the rating links; the rating (and its change) shows on the agent's ticket page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from frontline.satisfaction.models import SurveyResponse
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_create
from tests.e2e.conftest import screenshot, sign_in

LINK = re.compile(r"(https?://\S+/survey/[A-Za-z0-9_-]+/)\?rating=(\d)")


@pytest.fixture
def agent_page(browser: Any, server: str, world: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, world.agent.email)
    yield page
    context.close()


def rating_links(ticket: Ticket) -> tuple[list[Any], dict[int, str]]:
    """The mails about the ticket carrying rating links, and the link per score."""
    mails = [m for m in mail.outbox if f"[#{ticket.number}]" in m.subject and "/survey/" in m.body]
    links = {
        int(score): f"{url}?rating={score}" for m in mails for url, score in LINK.findall(m.body)
    }
    return mails, links


def test_the_requester_rates_from_the_resolve_mail_and_the_agent_sees_it(
    server: str, page: Any, agent_page: Any, world: Any, settings: Any
) -> None:
    settings.SITE_URL = server  # the links in the mail point at this test server
    ticket = ticket_create(actor=world.alice, title="Monitor flickers")

    # The agent resolves it in the desk.
    agent = agent_page
    agent.goto(f"{server}/desk/tickets/{ticket.number}/")
    agent.select_option("#status-form select[name=status]", "resolved")
    agent.locator("#status-form").get_by_role("button", name="Change status").click()
    expect(agent.get_by_test_id("status")).to_have_text("Resolved")

    # One mail to the requester: the resolved notice with confirm / reopen and the links.
    mails, links = rating_links(ticket)
    assert len(mails) == 1
    (resolve_mail,) = mails
    assert resolve_mail.subject == f"[#{ticket.number}] Monitor flickers · resolved"
    assert "This is solved" in resolve_mail.body
    assert sorted(links) == [1, 2, 3, 4, 5]
    assert [m.subject for m in mail.outbox if "alice@acme.test" in m.to[0]].count(
        resolve_mail.subject
    ) == 1

    # She follows "2 - Poor" (no sign-in: the link is the credential) and sends it.
    page.goto(links[2])
    expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
    expect(page.get_by_label("2 – Poor")).to_be_checked()
    page.get_by_label("Anything to add?").fill("Took two days to get an answer.")
    page.get_by_role("button", name="Send my rating").click()
    expect(page.get_by_test_id("survey-thanks")).to_contain_text("your rating of 2/5")

    # She thinks better of it and changes it to 4 from the same mail.
    page.goto(links[4])
    expect(page.get_by_label("4 – Good")).to_be_checked()
    expect(page.get_by_label("Anything to add?")).to_have_value("Took two days to get an answer.")
    page.get_by_label("Anything to add?").fill("Fixed well in the end.")
    page.get_by_role("button", name="Update my rating").click()
    expect(page.get_by_test_id("survey-thanks")).to_contain_text("your rating of 4/5")
    screenshot(page, "survey-answered")
    response = SurveyResponse.objects.get(ticket=ticket)
    assert (response.rating, response.comment) == (4, "Fixed well in the end.")

    # The agent sees both on the ticket: in the timeline and in the full history.
    agent.reload()
    timeline = agent.locator("#timeline")
    expect(timeline).to_contain_text("Rated the request 2/5 with a comment")
    expect(timeline).to_contain_text("Changed the rating to 4/5 with a comment")
    agent.locator("#history summary").click()
    expect(agent.locator("#history")).to_contain_text("Alice Archer: Changed the rating to 4/5")
    screenshot(agent, "survey-on-the-desk-ticket")
