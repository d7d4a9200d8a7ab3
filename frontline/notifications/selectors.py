"""Notification reads: a user's preferences (with the global switches), the outbound log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from frontline.notifications import policies
from frontline.notifications.models import (
    NotificationKind,
    NotificationPreference,
    NotificationSwitch,
    OutboundMail,
    OutboundStatus,
)

DESCRIPTIONS: dict[str, str] = {
    NotificationKind.RECEIVED: "When a request of yours is received, with its number.",
    NotificationKind.REPLY: "When someone replies publicly on a request you opened or watch.",
    NotificationKind.STATUS: "When a request you opened or watch changes status "
    "(for example when it waits for your answer).",
    NotificationKind.RESOLVED: "When a request you opened or watch is resolved, with a link "
    "to confirm or reopen it.",
    NotificationKind.SURVEY: "When a request of yours is resolved: a short survey asking how "
    "we did (off: no rating links and no survey mail).",
    NotificationKind.NEW_TICKET: "When a new unassigned ticket arrives in your team and tier.",
    NotificationKind.ASSIGNED: "When a ticket is assigned to you by someone else.",
    NotificationKind.REQUESTER_REPLIED: "When the requester replies on a ticket assigned to "
    "you (or, unassigned, in your team and tier).",
}


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    description: str
    enabled: bool  # the user's own choice
    available: bool  # false when an admin switched the kind off for everyone


def preference_rows(user: Any) -> list[PreferenceRow]:
    """Every kind ``user`` can receive, with their choice and the global switch (2 queries)."""
    kinds = policies.kinds_for(user)
    mine = dict(
        NotificationPreference.objects.filter(user=user, kind__in=kinds).values_list(
            "kind", "enabled"
        )
    )
    off = set(
        NotificationSwitch.objects.filter(kind__in=kinds, enabled=False).values_list(
            "kind", flat=True
        )
    )
    return [
        PreferenceRow(
            kind=kind,
            label=NotificationKind(kind).label,
            description=DESCRIPTIONS[kind],
            enabled=mine.get(kind, True),
            available=kind not in off,
        )
        for kind in kinds
    ]


def preference_map(user: Any) -> dict[str, bool]:
    """kind → the user's own choice, for every kind they can receive."""
    return {row.kind: row.enabled for row in preference_rows(user)}


def failed_outbound_mail() -> QuerySet[OutboundMail]:
    """Mails that gave up, newest first, with ticket and recipient loaded (admins' view)."""
    return OutboundMail.objects.filter(status=OutboundStatus.FAILED).select_related(
        "ticket", "recipient"
    )
