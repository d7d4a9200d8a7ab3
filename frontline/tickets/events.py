"""Recording ticket events and handing them to subscribers after commit.

``record`` writes a TicketEvent in the caller's transaction and arranges, once per
transaction, for the dispatch task to be enqueued when it commits. ``dispatch_pending`` hands
every undispatched event to its subscribers; it is what the task runs and what the scheduler
sweeps with, so an event whose worker crashed is picked up again. Delivery is at-least-once.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone

from frontline.core.events import subscribers_for
from frontline.tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BATCH = 200
SQLITE_BATCH = 10
SQLITE_PAUSE = 0.05  # seconds


def record(
    ticket: Ticket,
    kind: str,
    *,
    actor: Any = None,
    field: str = "",
    old: Any = None,
    new: Any = None,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """Write one event for ``ticket`` in the current transaction and schedule its dispatch."""
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        field=field,
        old=old,
        new=new,
        data=data or {},
        at=timezone.now(),
    )
    _schedule_dispatch()
    return event


def _enqueue_dispatch() -> None:
    try:
        dispatch_events.enqueue()
    except Exception:  # the scheduler's sweep picks the events up later
        log.exception("could not enqueue event dispatch")


def _schedule_dispatch() -> None:
    """Enqueue one dispatch per transaction, however many events it records.

    Django drops on_commit callbacks of a rolled-back transaction, so looking for ours in the
    pending list is exact: no flag can be left behind by a rollback.
    """
    if any(entry[1] is _enqueue_dispatch for entry in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_dispatch)


def dispatch_pending(limit: int | None = None) -> int:
    """Hand undispatched events to their subscribers, oldest first; return how many were done.

    Each event runs in its own savepoint: a failing subscriber rolls back only that event's
    work, which is retried on a later sweep up to MAX_ATTEMPTS times (the error is kept on the
    row). Rows are claimed with SKIP LOCKED where the database has it, so two workers never
    hand on the same event at once.
    """
    done = 0
    last_id = 0
    while limit is None or done < limit:
        with transaction.atomic():
            query = TicketEvent.objects.filter(
                dispatched_at__isnull=True, attempts__lt=MAX_ATTEMPTS, id__gt=last_id
            ).order_by("id")
            if connection.features.has_select_for_update_skip_locked:
                query = query.select_for_update(skip_locked=True, of=("self",))
            # SQLite has one writer: keep each transaction short so that the web process and
            # the scheduler never wait behind a long dispatch (PostgreSQL locks only the rows).
            size = BATCH if connection.vendor == "postgresql" else SQLITE_BATCH
            batch = list(query[: size if limit is None else min(size, limit - done)])
            if not batch:
                break
            for event in batch:
                last_id = event.id
                try:
                    with transaction.atomic():
                        for subscriber in subscribers_for(event.kind):
                            subscriber(event)
                except Exception as exc:
                    log.exception("subscriber failed for event %s (%s)", event.id, event.kind)
                    event.attempts += 1
                    event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                else:
                    event.dispatched_at = timezone.now()
                    done += 1
            TicketEvent.objects.bulk_update(batch, ["dispatched_at", "attempts", "last_error"])
        if connection.vendor == "sqlite" and len(batch) == size:  # more may follow
            # SQLite's busy handler polls with back-off; without a pause between batches this
            # loop takes the write lock again at once and starves the web server and the
            # scheduler until their busy timeout expires (seen on the demo's first start).
            time.sleep(SQLITE_PAUSE)
    return done


@task()
def dispatch_events() -> int:
    """The task enqueued after each committing transaction that recorded events."""
    return dispatch_pending()
