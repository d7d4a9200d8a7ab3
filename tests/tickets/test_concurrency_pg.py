"""Real concurrency on PostgreSQL: threads with their own connections racing on one ticket,
creating tickets, and dispatching events."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from frontline.accounts.models import User
from frontline.core.errors import Conflict
from frontline.core.events import subscribe, unsubscribe
from frontline.tickets import events
from frontline.tickets.models import Message, Ticket, TicketEvent
from frontline.tickets.services import fields as fields_service
from frontline.tickets.services import ticket_create, ticket_reply, ticket_update
from tests.conftest import World

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]


def race(count: int, work: Callable[[int], Any]) -> list[tuple[str, Any]]:
    """Run ``work(i)`` in ``count`` threads released at the same instant; each thread has its
    own database connection and closes it. Returns ("ok", result) or ("error", exception)."""
    barrier = threading.Barrier(count)
    results: list[tuple[str, Any]] = [("missing", None)] * count

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", work(i))
        except Exception as exc:
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def test_two_updates_from_the_same_version_one_wins_one_conflicts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = ticket_create(actor=world.alice, title="Original")
    seen = ticket.version
    original_locked = fields_service.locked

    def slow_locked(*args: Any, **kwargs: Any) -> Ticket:
        # Hold the row a moment: without the row lock both writers would read `seen` now.
        current = original_locked(*args, **kwargs)
        time.sleep(0.3)
        return current

    monkeypatch.setattr(fields_service, "locked", slow_locked)

    def update(i: int) -> str:
        actor = User.objects.get(pk=(world.agent if i == 0 else world.agent_l2).pk)
        ticket_update(
            actor=actor, ticket=Ticket.objects.get(pk=ticket.pk), title=f"Edit {i}", version=seen
        )
        return f"Edit {i}"

    results = race(2, update)
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    winner = next(value for kind, value in results if kind == "ok")
    assert isinstance(error, Conflict)
    assert "version" in error.errors

    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.title == winner
    assert stored.version == seen + 1
    title_events = stored.events.filter(kind="field_changed", field="title")
    assert [(e.old, e.new) for e in title_events] == [("Original", winner)]


def test_concurrent_replies_without_a_version_all_land(world: World) -> None:
    ticket = ticket_create(actor=world.alice, title="Busy ticket")
    start = ticket.version

    def reply(i: int) -> int:
        actor = User.objects.get(pk=world.agent.pk)
        return ticket_reply(
            actor=actor, ticket=Ticket.objects.get(pk=ticket.pk), body=f"Reply {i}"
        ).pk

    results = race(8, reply)
    assert all(kind == "ok" for kind, _ in results), results
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.version == start + 8  # no lost increments
    bodies = set(Message.objects.filter(ticket=stored).values_list("body", flat=True))
    assert {f"Reply {i}" for i in range(8)} <= bodies
    assert stored.events.filter(kind="replied").count() == 8
    assert stored.status == "open"
    assert stored.events.filter(kind="status_changed").count() == 1  # new → open once


def test_tickets_created_concurrently_get_unique_numbers(world: World) -> None:
    def create_four(i: int) -> list[int]:
        requester = User.objects.get(pk=(world.alice if i % 2 else world.bob).pk)
        return [
            ticket_create(actor=requester, title=f"Thread {i} ticket {n}").number for n in range(4)
        ]

    results = race(5, create_four)
    assert all(kind == "ok" for kind, _ in results), results
    numbers = [number for _, batch in results for number in batch]
    assert len(numbers) == 20
    assert len(set(numbers)) == 20
    assert min(numbers) >= 1000
    assert Ticket.objects.count() == 20


def test_dispatch_from_several_workers_never_delivers_an_event_twice(world: World) -> None:
    ticket = ticket_create(actor=world.alice, title="Noisy")
    with transaction.atomic():
        for i in range(450):  # more than two batches
            events.record(ticket, "test.ping", data={"n": i})
    # Commit already dispatched them (no subscriber yet); make them pending again, as after
    # a crash, then let four workers race over them.
    TicketEvent.objects.update(dispatched_at=None)
    pending = set(TicketEvent.objects.values_list("pk", flat=True))
    delivered: list[int] = []
    lock = threading.Lock()

    def subscriber(event: TicketEvent) -> None:
        time.sleep(0.001)
        with lock:
            delivered.append(event.pk)

    subscribe("test.ping", "created")(subscriber)
    try:
        results = race(4, lambda i: events.dispatch_pending())
    finally:
        unsubscribe(subscriber)

    assert all(kind == "ok" for kind, _ in results), results
    twice = [pk for pk, times in Counter(delivered).items() if times > 1]
    assert twice == []
    assert set(delivered) == pending
    assert sum(done for _, done in results) == len(pending)
    assert not TicketEvent.objects.filter(dispatched_at__isnull=True).exists()
    assert events.dispatch_pending() == 0
