"""Screenshots of the main pages at desktop and phone widths (test-output/screenshots/), and
no sideways scrolling on a 375 px phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from frontline.tickets import services
from frontline.tickets.models import Ticket
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import CategoryFactory, CustomFieldFactory
from tests.web.helpers import new_ticket

WIDTHS = [1280, 375]
MIN_BYTES = 10_000  # a blank or error page compresses far below this


def busy_desk(world: Any) -> Ticket:
    """A queue worth looking at and one ticket with a bit of everything on it."""
    category = CategoryFactory(team=world.it, name="Laptops")
    CustomFieldFactory(category=category, key="asset_tag", label="Asset tag")
    titles = [
        "VPN disconnects every hour when on the hotel wifi in Frankfurt",
        "New starter needs a laptop, a badge and an email account by Monday",
        "Printer on floor 2 prints blank pages",
        "Teams calls drop after 30 minutes",
        "Request: second monitor for the design team",
    ]
    for i, title in enumerate(titles):
        new_ticket(
            [world.alice, world.bob, world.arthur][i % 3],
            title=title,
            actor=world.agent,
            impact=["high", "medium", "low"][i % 3],
            urgency="high",
            tags=["network", "onboarding", "printer", "teams", "hardware"][i : i + 2],
        )
    ticket = new_ticket(
        world.alice,
        title="Laptop will not start after the firmware update of this morning",
        description="Black screen, the power light blinks orange three times, then nothing.\n"
        "I tried a different charger. Serial: 5CG1234XYZ-very-long-serial-number-without-spaces",
        category=category,
        custom_fields={"asset_tag": "LT-0042"},
        impact="medium",
        urgency="high",
    )
    services.ticket_claim(actor=world.agent, ticket=ticket, version=None)
    services.ticket_reply(
        actor=world.agent,
        ticket=ticket,
        body="Please hold the power button for ten seconds, then start it again.",
        files=[
            SimpleUploadedFile(
                "bios-recovery-instructions.pdf", b"%PDF-1.4 fake", "application/pdf"
            )
        ],
    )
    services.ticket_reply(actor=world.alice, ticket=ticket, body="Still black, sorry.")
    services.ticket_note(
        actor=world.agent, ticket=ticket, body="Known issue with BIOS 1.2: vendor case 77-1234."
    )
    services.ticket_update(
        actor=world.agent, ticket=ticket, version=None, tags=["hardware", "bios"]
    )
    return ticket


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def capture(page: Any, name: str, width: int) -> None:
    page.wait_for_load_state("networkidle")
    path = screenshot(page, f"{name}-{width}")
    assert path.exists()
    assert path.stat().st_size > MIN_BYTES
    if width <= 375:
        overflow = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert no_sideways_scroll(page), f"{name} scrolls sideways at {width} px: {overflow}"


@pytest.mark.parametrize("width", WIDTHS)
def test_desk_ticket_page_screenshot(server: str, page: Any, world: Any, width: int) -> None:
    ticket = busy_desk(world)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, server, world.agent.email)
    page.goto(f"{server}/desk/tickets/{ticket.number}/")
    page.locator("#history summary").click()
    capture(page, "desk-ticket", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_desk_queue_screenshot(server: str, page: Any, world: Any, width: int) -> None:
    busy_desk(world)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, server, world.agent.email)
    page.goto(f"{server}/desk/queues/team/")
    assert page.locator("[data-row]").count() == 6
    capture(page, "desk-queue", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_portal_new_request_screenshot(server: str, page: Any, world: Any, width: int) -> None:
    CategoryFactory(team=world.it, name="Laptops and desktops")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, server, world.alice.email)
    page.goto(f"{server}/portal/new/")
    assert page.locator("#request-form").is_visible()
    capture(page, "portal-new", width)
