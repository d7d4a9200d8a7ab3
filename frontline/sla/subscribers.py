"""SLA subscribers: recompute a ticket's clocks on every event that can move them, and
escalate on warnings and breaches. Both are idempotent (delivery is at-least-once)."""

from __future__ import annotations

from frontline.core.events import subscribe
from frontline.sla import escalation, services
from frontline.tickets.models import TicketEvent


@subscribe("created", "replied", "status_changed", "merged", "escalated", "field_changed")
def recompute_on_event(event: TicketEvent) -> None:
    """Rebuild the ticket's SLA row from its history (policy reselected on field changes)."""
    if event.kind == "field_changed" and event.field not in services.RECOMPUTE_FIELDS:
        return
    services.sla_recompute(event.ticket_id)


@subscribe("sla_warning", "sla_breached")
def escalate_on_warning_or_breach(event: TicketEvent) -> None:
    escalation.sla_escalate(event)
