"""Hooks the outbound side asks about mailboxes (see frontline/notifications/thread.py)."""

from __future__ import annotations

from frontline.accounts.models import Team
from frontline.mail.models import Mailbox


def reply_address_for(team: Team | None) -> str | None:
    """The address of an active mailbox tied to ``team`` (the first by name), so replies to
    mail about the team's tickets come back through the team's own mailbox; None if none."""
    if team is None:
        return None
    address = (
        Mailbox.objects.filter(team=team, is_active=True)
        .exclude(address="")
        .order_by("name")
        .values_list("address", flat=True)
        .first()
    )
    return address or None
