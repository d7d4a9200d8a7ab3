"""What one inbound message costs in SQL round trips (asserted, so it cannot silently grow),
and how robot mail reaches the ticket services: as a system write whose origin says "auto",
so that notifications answer no robot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.mail.ingest import ROBOT_ORIGIN, mail_ingest
from frontline.mail.models import InboundMail, Source, State
from frontline.notifications.models import NotificationKind, OutboundMail
from frontline.tickets.events import dispatch_pending
from frontline.tickets.models import Ticket, TicketEvent
from tests.conftest import World
from tests.mail.mailbuild import build, new_id

pytestmark = pytest.mark.django_db

# Statements per message with the reference cache off (as in the test settings; in
# production the desk's own addresses come from the process cache: one fewer), inside the
# test's transaction (so storing and processing are savepoints, two statements each, where
# production has BEGIN/COMMIT or a single autocommitted INSERT). Store: one INSERT. Process:
# lock, rate limit, desk addresses, sender, then what the ticket services need. SQLite takes
# ticket numbers from a counter row (4 statements more than PostgreSQL's sequence).
BUDGET = {
    "new ticket, known requester": {"postgresql": 22, "sqlite": 26},
    "new ticket, new requester": {"postgresql": 29, "sqlite": 33},
    "reply by In-Reply-To": {"postgresql": 18, "sqlite": 18},
    "reply by [#N]": {"postgresql": 17, "sqlite": 17},
    "duplicate": {"postgresql": 5, "sqlite": 5},
}


def budget(what: str) -> int:
    return BUDGET[what][connection.vendor]


def ingest(raw: bytes) -> InboundMail:
    return mail_ingest(raw=raw, source=Source.PIPE)


def count(raw: bytes) -> tuple[int, InboundMail]:
    with CaptureQueriesContext(connection) as captured:
        inbound = ingest(raw)
    assert inbound.state == State.PROCESSED, (inbound.error, inbound.traceback)
    return len(captured), inbound


@pytest.fixture
def warm(world: World) -> World:
    """One ticket exists already (SQLite's number counter row is made by the first)."""
    ingest(build("bob@globex.test", "First ever", "Hello."))
    return world


def test_a_new_ticket_from_a_known_requester_costs_a_fixed_number_of_queries(
    warm: World,
) -> None:
    used, inbound = count(build("alice@acme.test", "VPN down", "It drops every minute."))
    assert inbound.ticket is not None
    assert used <= budget("new ticket, known requester")


def test_a_new_ticket_from_a_new_requester_costs_a_fixed_number_of_queries(
    warm: World,
) -> None:
    used, inbound = count(build("newcomer@acme.test", "VPN down", "It drops every minute."))
    assert inbound.ticket is not None
    assert inbound.ticket.requester.email == "newcomer@acme.test"
    assert used <= budget("new ticket, new requester")


def test_a_reply_costs_a_fixed_number_of_queries(world: World) -> None:
    original = new_id()
    ticket = ingest(build("alice@acme.test", message_id=original)).ticket
    assert ticket is not None
    used, inbound = count(
        build("alice@acme.test", "Re: Printer broken", "Still broken.", in_reply_to=original)
    )
    assert inbound.ticket_id == ticket.pk
    assert used <= budget("reply by In-Reply-To")
    used, inbound = count(
        build("alice@acme.test", f"Re: [#{ticket.number}] Printer broken", "And again.")
    )
    assert inbound.ticket_id == ticket.pk
    assert used <= budget("reply by [#N]")
    assert ticket.messages.count() == 3


def test_a_message_received_twice_costs_a_few_queries_the_second_time(world: World) -> None:
    raw = build("alice@acme.test")
    first = ingest(raw)
    with CaptureQueriesContext(connection) as captured:
        again = ingest(raw)
    assert again.pk == first.pk
    assert len(captured) <= budget("duplicate")
    assert InboundMail.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_machine_mail_opens_its_ticket_as_a_system_write_marked_auto(world: World) -> None:
    inbound = ingest(
        build(
            "monitor@acme.test",
            "Disk full on srv1",
            "Alert",
            headers={"Auto-Submitted": "auto-generated"},
        )
    )
    assert inbound.ticket is not None
    created = TicketEvent.objects.get(ticket=inbound.ticket, kind="created")
    assert created.actor is None
    assert created.data["auto"] is True
    assert created.data["via"] == "email"
    assert created.data["by"] == ROBOT_ORIGIN["by"]
    assert inbound.ticket.requester.email == "monitor@acme.test"
    assert inbound.ticket.messages.get().author == inbound.ticket.requester


def test_human_mail_opens_its_ticket_as_the_requester(world: World) -> None:
    inbound = ingest(build("alice@acme.test"))
    created = TicketEvent.objects.get(ticket=inbound.ticket, kind="created")
    assert created.actor == world.alice
    assert "auto" not in created.data


def test_notifications_tell_the_desk_but_never_answer_a_robot(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        robot = ingest(
            build(
                "monitor@acme.test",
                "Disk full on srv1",
                "Alert",
                headers={"Auto-Submitted": "auto-generated"},
            )
        ).ticket
        human = ingest(build("alice@acme.test")).ticket
        dispatch_pending()
    assert robot is not None
    assert human is not None

    def mailed(ticket: Ticket) -> set[tuple[str, str]]:
        return {
            (mail.recipient.email, mail.kind)
            for mail in OutboundMail.objects.filter(ticket=ticket).select_related("recipient")
            if mail.recipient is not None
        }

    robot_mail, human_mail = mailed(robot), mailed(human)
    assert ("agent@desk.test", NotificationKind.NEW_TICKET) in robot_mail
    assert not any(email == "monitor@acme.test" for email, _ in robot_mail)
    assert ("alice@acme.test", NotificationKind.RECEIVED) in human_mail
