"""ticket_reply and ticket_note: who may write, what a reply does to the status, what
requesters see."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from frontline.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from frontline.tickets import selectors
from frontline.tickets.models import Message, MessageKind, Ticket, TicketEvent
from frontline.tickets.services import (
    attachment_upload,
    ticket_create,
    ticket_escalate,
    ticket_note,
    ticket_reply,
    ticket_transition,
    ticket_update,
)
from tests.conftest import World

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ticket(world: World) -> Ticket:
    return ticket_create(actor=world.alice, title="Mail is down", description="Since 8am.")


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


# --- Desk replies ---------------------------------------------------------------------------


def test_desk_reply_opens_a_new_ticket_and_stamps_the_first_response(
    world: World, ticket: Ticket
) -> None:
    with time_machine.travel(T0, tick=False):
        message = ticket_reply(actor=world.agent, ticket=ticket, body="Looking into it.")
    ticket = fresh(ticket)
    assert ticket.status == "open"
    assert ticket.first_response_at == T0
    assert message.kind == MessageKind.PUBLIC
    assert message.author == world.agent
    replied = ticket.events.get(kind="replied")
    assert replied.data["by"] == "agent"
    status = ticket.events.get(kind="status_changed")
    assert (status.old, status.new) == ("new", "open")


def test_first_response_is_stamped_only_once(world: World, ticket: Ticket) -> None:
    with time_machine.travel(T0, tick=False):
        ticket_reply(actor=world.agent, ticket=ticket, body="First.")
    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        ticket_reply(actor=world.agent_l2, ticket=ticket, body="Second.")
    assert fresh(ticket).first_response_at == T0


def test_requester_reply_is_not_a_first_response(world: World, ticket: Ticket) -> None:
    ticket_reply(actor=world.alice, ticket=ticket, body="Still down!")
    ticket = fresh(ticket)
    assert ticket.status == "new"
    assert ticket.first_response_at is None
    assert ticket.events.get(kind="replied").data["by"] == "requester"


def test_desk_user_replying_on_their_own_request_counts_as_the_requester(world: World) -> None:
    own = ticket_create(actor=world.agent, title="My monitor flickers")
    ticket_reply(actor=world.agent, ticket=own, body="It got worse.")
    own = fresh(own)
    assert own.first_response_at is None
    assert own.status == "new"


def test_reply_raises_the_version(world: World, ticket: Ticket) -> None:
    version = fresh(ticket).version
    ticket_reply(actor=world.agent, ticket=ticket, body="Hi", version=version)
    assert fresh(ticket).version == version + 1


# --- Requester replies ----------------------------------------------------------------------


def test_requester_reply_wakes_a_ticket_pending_on_them(world: World, ticket: Ticket) -> None:
    ticket_transition(
        actor=world.agent, ticket=ticket, status="pending", pending_reason="requester", version=None
    )
    ticket_reply(actor=world.alice, ticket=ticket, body="Here is the screenshot.")
    ticket = fresh(ticket)
    assert ticket.status == "open"
    assert ticket.pending_reason == ""


def test_requester_reply_leaves_a_ticket_pending_on_a_third_party(
    world: World, ticket: Ticket
) -> None:
    ticket_transition(
        actor=world.agent,
        ticket=ticket,
        status="pending",
        pending_reason="third_party",
        version=None,
    )
    ticket_reply(actor=world.alice, ticket=ticket, body="Any news?")
    ticket = fresh(ticket)
    assert ticket.status == "pending"
    assert ticket.pending_reason == "third_party"


def test_requester_reply_reopens_a_resolved_ticket(world: World, ticket: Ticket) -> None:
    ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    assert fresh(ticket).resolved_at is not None
    ticket_reply(actor=world.alice, ticket=ticket, body="No, it is broken again.")
    ticket = fresh(ticket)
    assert ticket.status == "open"
    assert ticket.resolved_at is None
    reopened = ticket.events.filter(kind="status_changed").last()
    assert reopened is not None
    assert (reopened.old, reopened.new) == ("resolved", "open")
    assert reopened.data["reopened"] is True


def test_watcher_reply_is_a_requester_side_reply(world: World, ticket: Ticket) -> None:
    ticket_update(actor=world.agent, ticket=ticket, watcher_ids=[world.arthur.pk], version=None)
    message = ticket_reply(actor=world.arthur, ticket=ticket, body="Me too.")
    assert message.author == world.arthur
    assert fresh(ticket).first_response_at is None


def test_closed_ticket_takes_no_replies(world: World, ticket: Ticket) -> None:
    ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    ticket_transition(actor=world.agent, ticket=ticket, status="closed", version=None)
    before = (Message.objects.count(), TicketEvent.objects.count())
    for actor in (world.alice, world.agent):
        with pytest.raises(InvalidTransition):
            ticket_reply(actor=actor, ticket=ticket, body="Hello?")
    assert (Message.objects.count(), TicketEvent.objects.count()) == before
    assert fresh(ticket).status == "closed"


def test_someone_who_cannot_see_the_ticket_cannot_reply(world: World, ticket: Ticket) -> None:
    for outsider in (world.bob, world.arthur, world.hr_agent):
        with pytest.raises(NotFound):
            ticket_reply(actor=outsider, ticket=ticket, body="Hi")
    assert ticket.messages.count() == 1


@pytest.mark.parametrize("body", ["", "   ", "\n\t"])
def test_empty_reply_is_refused(world: World, ticket: Ticket, body: str) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_reply(actor=world.agent, ticket=ticket, body=body)
    assert "body" in info.value.errors
    assert ticket.messages.count() == 1


def test_a_file_alone_is_a_reply(world: World, ticket: Ticket) -> None:
    upload = attachment_upload(actor=world.alice, content=b"PNG", filename="shot.png")
    message = ticket_reply(actor=world.alice, ticket=ticket, body="", attachment_ids=[upload.uuid])
    assert message.body == ""
    assert [a.pk for a in message.attachments.all()] == [upload.pk]


def test_over_long_reply_is_refused(world: World, ticket: Ticket) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_reply(actor=world.agent, ticket=ticket, body="x" * 200_001)
    assert "body" in info.value.errors


def test_stale_version_is_a_conflict_and_writes_nothing(world: World, ticket: Ticket) -> None:
    seen = fresh(ticket).version
    ticket_reply(actor=world.agent, ticket=ticket, body="First", version=seen)
    before = (Message.objects.count(), TicketEvent.objects.count())
    with pytest.raises(Conflict) as info:
        ticket_reply(actor=world.agent_l2, ticket=ticket, body="Second", version=seen)
    assert "version" in info.value.errors
    assert (Message.objects.count(), TicketEvent.objects.count()) == before


# --- Internal notes -------------------------------------------------------------------------


def test_desk_adds_an_internal_note(world: World, ticket: Ticket) -> None:
    note = ticket_note(actor=world.agent, ticket=ticket, body="Probably the MX record.")
    assert note.kind == MessageKind.INTERNAL
    ticket = fresh(ticket)
    assert ticket.status == "new"  # a note is not a response
    assert ticket.first_response_at is None
    assert ticket.events.get(kind="noted").data["message"] == note.pk


def test_requester_may_not_write_notes(world: World, ticket: Ticket) -> None:
    with pytest.raises(PermissionDenied):
        ticket_note(actor=world.alice, ticket=ticket, body="Psst")
    with pytest.raises(NotFound):
        ticket_note(actor=world.bob, ticket=ticket, body="Psst")
    assert not ticket.messages.filter(kind=MessageKind.INTERNAL).exists()


def test_empty_note_is_refused(world: World, ticket: Ticket) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_note(actor=world.agent, ticket=ticket, body=" ")
    assert "body" in info.value.errors


def test_stale_note_is_a_conflict(world: World, ticket: Ticket) -> None:
    seen = fresh(ticket).version
    ticket_reply(actor=world.agent, ticket=ticket, body="Reply", version=seen)
    with pytest.raises(Conflict):
        ticket_note(actor=world.agent, ticket=ticket, body="Note", version=seen)


def test_requesters_never_see_notes_or_system_messages(world: World, ticket: Ticket) -> None:
    ticket_note(actor=world.agent, ticket=ticket, body="Internal: VIP customer")
    ticket_reply(actor=world.agent, ticket=ticket, body="We are on it.")
    ticket_escalate(actor=world.agent, ticket=ticket, reason="Needs L2", version=None)
    ticket_reply(actor=world.alice, ticket=ticket, body="Thanks")

    requester_view = [m.body for m in selectors.ticket_messages(world.alice, ticket)]
    assert requester_view == ["Since 8am.", "We are on it.", "Thanks"]

    desk_view = list(selectors.ticket_messages(world.agent_l2, ticket))
    assert [m.kind for m in desk_view] == ["public", "internal", "public", "system", "public"]
