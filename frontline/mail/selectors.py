"""Reads of inbound mail for the desk, already scoped to what the user may work."""

from __future__ import annotations

import re

from django.contrib.auth.models import AnonymousUser

from frontline.accounts.models import User
from frontline.mail.models import InboundMail, State
from frontline.mail.parse import parse_message
from frontline.tickets.models import Ticket
from frontline.tickets.policies import can_work_ticket

PREVIEW_CHARS = 300
HELD_LIMIT = 50
_SPACE_RE = re.compile(r"\s+")


def _preview(inbound: InboundMail) -> str:
    """A short plain-text preview of the message (the reply part when one is found)."""
    try:
        parsed = parse_message(inbound.raw_bytes())
    except Exception:  # a message we cannot read still gets listed, without preview
        return ""
    text = _SPACE_RE.sub(" ", (parsed.reply_text or parsed.body_text or "")).strip()
    if len(text) > PREVIEW_CHARS:
        text = text[: PREVIEW_CHARS - 1].rstrip() + "…"
    return text


def held_mail_for(user: User | AnonymousUser, ticket: Ticket) -> list[InboundMail]:
    """The held messages of ``ticket`` (oldest first, at most HELD_LIMIT), for a user who
    can work the ticket; an empty list for everyone else.

    Each row carries ``from_email``, ``subject``, ``received_at`` and a ``preview``
    attribute (at most PREVIEW_CHARS characters of plain text, parsed from the raw
    message). One query whatever the number of messages (plus a file read for messages
    kept in file storage).
    """
    if not can_work_ticket(user, ticket):
        return []
    rows = list(
        InboundMail.objects.filter(ticket=ticket, state=State.HELD)
        .only("id", "ticket_id", "state", "from_email", "subject", "received_at", "raw", "raw_file")
        .order_by("received_at", "id")[:HELD_LIMIT]
    )
    for row in rows:
        row.preview = _preview(row)  # type: ignore[attr-defined]
    return rows
