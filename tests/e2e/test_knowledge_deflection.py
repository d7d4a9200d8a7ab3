"""Self-service deflection: an article suggested while typing a request answers it, and the
request ends without a ticket."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from frontline.accounts.models import Role
from frontline.knowledge.models import Deflection
from frontline.tickets.models import Ticket
from tests.e2e.conftest import sign_in
from tests.factories import AgentFactory
from tests.knowledge.conftest import publish

pytestmark = pytest.mark.e2e


def test_a_suggested_article_solves_the_request_without_a_ticket(
    server: str, page: Any, world: Any
) -> None:
    km = AgentFactory(email="km@desk.test", role=Role.KNOWLEDGE_MANAGER)
    article = publish(
        km,
        km,
        title="Connect to the VPN from home or while travelling",
        body="1. Click the GlobalProtect icon.\n2. Click **Connect**.",
        tags="vpn, remote access, work from home",
    )
    publish(km, km, title="Book a desk or meeting room", body="Use the Workplace app.")

    sign_in(page, server, world.alice.email)
    page.goto(f"{server}/portal/new/")
    page.fill("#id_title", "cant get on the vpn from home")

    suggestions = page.get_by_test_id("kb-suggestions")
    expect(suggestions).to_contain_text("Connect to the VPN from home")
    expect(suggestions).not_to_contain_text("Book a desk")
    suggestions.get_by_role("button", name="This solved it").first.click()

    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.locator(".flash")).to_contain_text("No request was sent")
    assert not Ticket.objects.exists()
    deflection = Deflection.objects.get()
    assert (deflection.article_id, deflection.requester_id) == (article.pk, world.alice.pk)
    assert deflection.organization_id == world.acme.pk
    assert deflection.title == "cant get on the vpn from home"
