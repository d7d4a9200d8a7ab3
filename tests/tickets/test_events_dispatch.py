"""Ticket events: recorded with the change, handed to subscribers after commit, retried when a
subscriber fails, never handed on twice once delivered, gone with a rolled-back transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction

from frontline.core.events import ALL, subscribe, subscribers_for, unsubscribe
from frontline.tickets import events
from frontline.tickets.events import MAX_ATTEMPTS, dispatch_pending
from frontline.tickets.models import Tag, Ticket, TicketEvent
from frontline.tickets.services import ticket_create, ticket_reply
from tests.conftest import World

CaptureCallbacks = Callable[..., Any]


class Inbox:
    """A test subscriber that can be told to fail, and remembers what it received."""

    def __init__(self) -> None:
        self.received: list[tuple[int, str]] = []
        self.failing = False
        self.calls = 0

    def __call__(self, event: TicketEvent) -> None:
        self.calls += 1
        Tag.objects.create(name=f"seen-{event.pk}-{self.calls}")  # work the savepoint guards
        if self.failing:
            raise RuntimeError("mail server down")
        self.received.append((event.pk, event.kind))

    def kinds(self) -> list[str]:
        return [kind for _, kind in self.received]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    subscribe("created", "replied", "status_changed", "assigned")(box)
    yield box
    unsubscribe(box)
    assert box not in subscribers_for("created")


def test_events_are_handed_on_after_commit_not_before(
    world: World, inbox: Inbox, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(actor=world.alice, title="Printer")
        event = ticket.events.get()
        assert inbox.received == []  # not yet committed
        assert event.dispatched_at is None
    assert inbox.received == [(event.pk, "created")]
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert event.attempts == 0


def test_one_dispatch_is_enqueued_per_transaction(
    world: World, inbox: Inbox, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ticket_create(
            actor=world.agent,
            requester=world.alice,
            title="Password reset",
            assignee=world.agent,
            resolved_on_first_contact=True,
        )
    # Subscribers may queue their own work on commit (mail, say); the dispatch is queued once.
    assert [c for c in callbacks if c is events._enqueue_dispatch] == [events._enqueue_dispatch]
    assert inbox.kinds() == ["created", "assigned", "status_changed"]


def test_events_of_a_transaction_are_delivered_oldest_first(
    world: World, inbox: Inbox, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(actor=world.alice, title="VPN")
        ticket_reply(actor=world.agent, ticket=ticket, body="On it")
    ids = [pk for pk, _ in inbox.received]
    assert ids == sorted(ids)
    assert inbox.kinds() == ["created", "replied", "status_changed"]


def test_a_failing_subscriber_leaves_the_event_for_later(
    world: World, inbox: Inbox, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    inbox.failing = True
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(actor=world.alice, title="Printer")
    event = ticket.events.get()
    assert event.dispatched_at is None
    assert event.attempts == 1
    assert event.last_error == "RuntimeError: mail server down"
    assert not Tag.objects.filter(name__startswith="seen-").exists()  # its work rolled back


def test_a_crashed_delivery_loses_nothing(
    world: World, inbox: Inbox, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    inbox.failing = True
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(actor=world.alice, title="Printer")
    assert dispatch_pending() == 0
    inbox.failing = False
    assert dispatch_pending() == 1
    event = ticket.events.get()
    assert inbox.received == [(event.pk, "created")]
    assert event.dispatched_at is not None
    assert event.attempts == 2


def test_a_lost_enqueue_is_caught_by_the_sweep(
    world: World,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    class BrokenQueue:
        def enqueue(self) -> None:
            raise ConnectionError("broker unreachable")

    monkeypatch.setattr(events, "dispatch_events", BrokenQueue())
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(actor=world.alice, title="Printer")  # still saved
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert inbox.received == []
    monkeypatch.undo()
    assert dispatch_pending() == 1
    assert inbox.kinds() == ["created"]


def test_a_delivered_event_is_never_delivered_again(
    world: World, inbox: Inbox, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(actor=world.alice, title="Printer")
    assert len(inbox.received) == 1
    assert dispatch_pending() == 0
    assert dispatch_pending() == 0
    assert len(inbox.received) == 1


def test_an_event_that_keeps_failing_is_given_up_after_max_attempts(
    world: World, inbox: Inbox
) -> None:
    inbox.failing = True
    ticket = ticket_create(actor=world.alice, title="Printer")
    for _ in range(MAX_ATTEMPTS + 3):
        dispatch_pending()
    event = ticket.events.get()
    assert event.attempts == MAX_ATTEMPTS
    assert inbox.calls == MAX_ATTEMPTS
    assert event.dispatched_at is None


def test_limit_caps_how_many_events_are_handed_on(world: World, inbox: Inbox) -> None:
    for i in range(5):
        ticket_create(actor=world.alice, title=f"T{i}")
    assert dispatch_pending(limit=2) == 2
    assert len(inbox.received) == 2
    assert dispatch_pending() == 3
    assert len(inbox.received) == 5


def test_events_without_subscribers_are_marked_dispatched(world: World) -> None:
    ticket = ticket_create(actor=world.alice, title="Quiet")
    events.record(ticket, "nobody.listens")
    assert dispatch_pending() == 2
    assert not TicketEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_wildcard_subscribers_get_every_kind(world: World) -> None:
    seen: list[str] = []

    def everything(event: TicketEvent) -> None:
        seen.append(event.kind)

    subscribe(ALL)(everything)
    try:
        ticket = ticket_create(actor=world.alice, title="x")
        events.record(ticket, "custom.kind", data={"a": 1})
        dispatch_pending()
    finally:
        unsubscribe(everything)
    assert seen == ["created", "custom.kind"]


def create_then_fail(world: World) -> None:
    with transaction.atomic():
        ticket_create(actor=world.alice, title="Never happened")
        raise RuntimeError("abort")


def test_a_rolled_back_transaction_records_no_events(
    world: World, inbox: Inbox, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        create_then_fail(world)
    assert TicketEvent.objects.count() == 0
    assert Ticket.objects.count() == 0
    assert callbacks == []
    assert inbox.received == []


def test_events_after_a_rolled_back_savepoint_still_get_dispatched(
    world: World, inbox: Inbox, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        with pytest.raises(RuntimeError):
            create_then_fail(world)  # a savepoint rolled back inside the transaction
        ticket = ticket_create(actor=world.alice, title="Kept")
    assert len(callbacks) == 1
    assert inbox.received == [(ticket.events.get().pk, "created")]


def test_record_keeps_what_changed(world: World) -> None:
    ticket = ticket_create(actor=world.alice, title="x")
    event = events.record(
        ticket, "field_changed", actor=world.agent, field="title", old="x", new="y", data={"n": 1}
    )
    event.refresh_from_db()
    assert (event.kind, event.actor, event.field, event.old, event.new, event.data) == (
        "field_changed",
        world.agent,
        "title",
        "x",
        "y",
        {"n": 1},
    )
    assert event.at is not None


def test_subscribe_registers_a_function_once(world: World) -> None:
    calls: list[int] = []

    def once(event: TicketEvent) -> None:
        calls.append(event.pk)

    subscribe("created")(once)
    subscribe("created", "created")(once)
    try:
        ticket_create(actor=world.alice, title="x")
        dispatch_pending()
    finally:
        unsubscribe(once)
    assert len(calls) == 1
    assert once not in subscribers_for("created")
