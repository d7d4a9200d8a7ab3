"""Ticket event subscribers of the reports app: keep the ticket's report facts current."""

from __future__ import annotations

from frontline.core.events import ALL, subscribe
from frontline.reports.facts import ticket_facts_refresh
from frontline.tickets.models import TicketEvent


@subscribe(ALL)
def refresh_facts(event: TicketEvent) -> None:
    """Recompute the ticket's fact row from its source rows after any event of it.

    Registered for every kind (``"*"``): the dispatcher runs those after the subscribers of
    the event's own kind, so the SLA clocks and tier periods that the SLA subscriber rewrites
    for this very event are already current when the facts read them. Idempotent: the row
    is recomputed, never incremented, so an event handed on twice changes nothing."""
    ticket_facts_refresh([event.ticket_id])
