"""Ticket event subscribers of the search app: keep a ticket's document fresh.

Reindexing rebuilds the whole document from the database, so it is idempotent and an event
delivered twice (at-least-once) costs only time.
"""

from __future__ import annotations

from typing import Any

from frontline.core.events import subscribe
from frontline.search.services import person_index, ticket_index
from frontline.tickets.events import MAX_ATTEMPTS
from frontline.tickets.models import Ticket, TicketEvent

TICKET_KINDS = (
    "created",
    "replied",
    "noted",
    "field_changed",
    "status_changed",
    "assigned",
    "escalated",
    "merged",
    "merged_in",
)


@subscribe(*TICKET_KINDS)
def reindex_ticket(event: Any) -> None:
    """The ticket's words, tags, messages or requester changed: index it again. A merge
    moves messages, so both sides are reindexed (each side gets its own event).

    One change records several events (a new ticket: created, then routed, then prioritised
    by a rule). When a later event of the same ticket, already committed and not yet handed
    on, will reindex it anyway, this one leaves it to that event: it reads the ticket after
    its own transaction committed, so it sees everything this one would have."""
    if not _reindexed_later(event):
        ticket_index(ticket_ids=[event.ticket_id])
    if event.kind == "created":
        _index_requester(event.ticket_id)


def _reindexed_later(event: Any) -> bool:
    return TicketEvent.objects.filter(
        ticket_id=event.ticket_id,
        id__gt=event.id,
        kind__in=TICKET_KINDS,
        dispatched_at__isnull=True,
        attempts__lt=MAX_ATTEMPTS,  # one that has given up will not reindex anything
    ).exists()


def _index_requester(ticket_id: int) -> None:
    requester = Ticket.objects.filter(pk=ticket_id).values_list("requester_id", flat=True)
    person_index(user_ids=[pk for pk in requester if pk])
