"""Who may rate a ticket and see its survey."""

from __future__ import annotations

from typing import Any

from frontline.tickets.models import Status, Ticket
from frontline.tickets.policies import can_view_ticket

RATEABLE_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})


def can_rate_ticket(user: Any, ticket: Ticket) -> bool:
    """Only the ticket's own requester rates it, and only once it is resolved or closed (a
    colleague who shares the request, a watcher or an agent never answers for them)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and ticket.requester_id == user.pk
        and ticket.status in RATEABLE_STATUSES
    )


def can_view_survey(user: Any, ticket: Ticket) -> bool:
    """A ticket's survey and rating are visible to whoever may see the ticket."""
    return can_view_ticket(user, ticket)
