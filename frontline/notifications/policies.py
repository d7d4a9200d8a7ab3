"""Who may receive and configure which notifications, and who manages them."""

from __future__ import annotations

from typing import Any

from frontline.accounts.policies import can_administer, is_desk_user
from frontline.notifications.models import NotificationKind

# Everyone can be a requester or a watcher; only the desk works tickets.
REQUESTER_KINDS = (
    NotificationKind.RECEIVED,
    NotificationKind.REPLY,
    NotificationKind.STATUS,
    NotificationKind.RESOLVED,
    NotificationKind.SURVEY,
)
AGENT_KINDS = (
    NotificationKind.NEW_TICKET,
    NotificationKind.ASSIGNED,
    NotificationKind.REQUESTER_REPLIED,
)


def kinds_for(user: Any) -> tuple[str, ...]:
    """The notification kinds ``user`` can receive, hence switch on and off."""
    if is_desk_user(user):
        return (*REQUESTER_KINDS, *AGENT_KINDS)
    return REQUESTER_KINDS


def can_manage_notifications(user: Any) -> bool:
    """Global switches, templates and the outbound mail log are for admins."""
    return can_administer(user)
