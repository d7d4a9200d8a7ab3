"""Ticket event subscribers of the automation app: event rules, then routing. Both are
idempotent (a RuleExecution per rule and event; routing leaves an assigned ticket alone)."""

from __future__ import annotations

from frontline.automation import engine, routing
from frontline.core.events import subscribe
from frontline.tickets.models import TicketEvent


@subscribe(
    "created",
    "replied",
    "status_changed",
    "field_changed",
    "assigned",
    "escalated",
    "sla_warning",
    "sla_breached",
)
def run_rules(event: TicketEvent) -> None:
    engine.run_event_rules(event)


@subscribe("created", "escalated")
def route(event: TicketEvent) -> None:
    """A new ticket, or one moved to another team or tier, gets an agent by the team's mode."""
    routing.route_on_event(event)
