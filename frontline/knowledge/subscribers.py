"""Ticket event subscribers of the knowledge base app."""

from __future__ import annotations

from frontline.core.events import subscribe
from frontline.knowledge.services import links_mark_resolved
from frontline.tickets.models import TicketEvent

RESOLVED = frozenset({"resolved", "closed"})


@subscribe("status_changed")
def mark_links_resolved(event: TicketEvent) -> None:
    """A ticket with linked articles was resolved: those articles resolved it (idempotent)."""
    if event.new in RESOLVED:
        links_mark_resolved(ticket_id=event.ticket_id)
