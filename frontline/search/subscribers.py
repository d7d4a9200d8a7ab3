"""Ticket event subscribers of the search app: keep a ticket's document fresh.

Reindexing rebuilds the whole document from the database, so it is idempotent and an event
delivered twice (at-least-once) costs only time.
"""

from __future__ import annotations

from typing import Any

from frontline.core.events import subscribe
from frontline.search.services import person_index, ticket_index
from frontline.tickets.models import Ticket

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
    moves messages, so both sides are reindexed (each side gets its own event)."""
    ticket_index(ticket_ids=[event.ticket_id])
    if event.kind == "created":
        requester = Ticket.objects.filter(pk=event.ticket_id).values_list("requester_id", flat=True)
        person_index(user_ids=[pk for pk in requester if pk])
