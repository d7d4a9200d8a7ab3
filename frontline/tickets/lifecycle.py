"""The ticket status machine (pure: no ORM).

new → open → pending (on the requester or a third party) → resolved → closed, and reopen.
Merging closes a ticket from any open status; that path goes through ``merge`` not here.
"""

from __future__ import annotations

from frontline.core.errors import InvalidTransition, ValidationError

NEW, OPEN, PENDING, RESOLVED, CLOSED = "new", "open", "pending", "resolved", "closed"

# The statuses of a ticket still being worked: queues, routing, loads and reports count these.
OPEN_STATUSES: tuple[str, ...] = (NEW, OPEN, PENDING)

ALLOWED: dict[str, frozenset[str]] = {
    NEW: frozenset({OPEN, PENDING, RESOLVED}),
    OPEN: frozenset({PENDING, RESOLVED}),
    PENDING: frozenset({OPEN, PENDING, RESOLVED}),  # pending → pending changes the reason
    RESOLVED: frozenset({OPEN, CLOSED}),
    CLOSED: frozenset({OPEN}),
}

REOPEN_FROM = frozenset({RESOLVED, CLOSED})


def check_transition(old: str, new: str, *, pending_reason: str = "", old_reason: str = "") -> None:
    """Raise InvalidTransition (ValidationError for a bad reason) unless old → new is legal."""
    if new not in ALLOWED:
        raise ValidationError.field("status", f"Unknown status “{new}”.")
    if new == PENDING and not pending_reason:
        raise ValidationError.field(
            "pending_reason", "Say who the ticket is waiting on: the requester or a third party."
        )
    if new != PENDING and pending_reason:
        raise ValidationError.field("pending_reason", "Only a pending ticket waits on someone.")
    if old == new and not (new == PENDING and pending_reason != old_reason):
        raise InvalidTransition(f"The ticket is already {old}.")
    if new not in ALLOWED[old]:
        allowed = ", ".join(sorted(ALLOWED[old])) or "nothing"
        raise InvalidTransition(f"A {old} ticket cannot become {new} (it may become: {allowed}).")


def is_reopen(old: str, new: str) -> bool:
    return old in REOPEN_FROM and new == OPEN
