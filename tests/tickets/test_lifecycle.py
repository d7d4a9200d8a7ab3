import pytest

from frontline.core.errors import InvalidTransition, ValidationError
from frontline.tickets.lifecycle import ALLOWED, check_transition

STATUSES = ["new", "open", "pending", "resolved", "closed"]
ILLEGAL = [
    (old, new)
    for old in STATUSES
    for new in STATUSES
    if new not in ALLOWED[old] and not (old == new == "pending")
]


@pytest.mark.parametrize(("old", "new"), ILLEGAL)
def test_every_illegal_transition_is_refused(old: str, new: str) -> None:
    reason = "requester" if new == "pending" else ""
    with pytest.raises(InvalidTransition):
        check_transition(old, new, pending_reason=reason)


@pytest.mark.parametrize(
    ("old", "new"),
    [(old, new) for old, targets in ALLOWED.items() for new in sorted(targets) if old != new],
)
def test_every_legal_transition_passes(old: str, new: str) -> None:
    check_transition(old, new, pending_reason="requester" if new == "pending" else "")


def test_pending_needs_a_reason() -> None:
    with pytest.raises(ValidationError) as info:
        check_transition("open", "pending")
    assert "pending_reason" in info.value.errors


def test_pending_to_pending_changes_the_reason_only_when_it_differs() -> None:
    check_transition("pending", "pending", pending_reason="third_party", old_reason="requester")
    with pytest.raises(InvalidTransition):
        check_transition("pending", "pending", pending_reason="requester", old_reason="requester")


def test_unknown_status_is_a_field_error() -> None:
    with pytest.raises(ValidationError) as info:
        check_transition("open", "archived")
    assert "status" in info.value.errors


def test_open_statuses_are_the_ones_still_worked_and_every_user_shares_them() -> None:
    from frontline.automation import routing
    from frontline.desk import queues
    from frontline.tickets.lifecycle import OPEN_STATUSES, REOPEN_FROM

    assert set(OPEN_STATUSES) == set(ALLOWED) - REOPEN_FROM
    assert all("resolved" in ALLOWED[status] for status in OPEN_STATUSES)
    # one definition: routing and the desk's queues count the same tickets as open
    assert routing.OPEN_STATUSES is OPEN_STATUSES
    assert queues.OPEN_STATUSES is OPEN_STATUSES
