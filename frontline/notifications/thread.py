"""Mail threading for outbound notifications: our Message-IDs, In-Reply-To/References, and
Reply-To. The contract inbound mail relies on (see docs/notifications.md):

- Message-ID ``<ticket-{number}.{outbound_id}.{random}@{FRONTLINE_MAIL_DOMAIN}>``, stored in
  OutboundMail.message_id (unique) with the ticket;
- References = the ticket's inbound thread (``frontline.mail.threading.thread_references``
  when that module exists) followed by our earlier mails to the same person about the same
  ticket, at most MAX_REFERENCES ids (the first one kept); In-Reply-To = the last of them;
- Reply-To = ``frontline.mail.mailboxes.reply_address_for(team)`` when that exists, else the
  team's mailbox, else settings.SUPPORT_EMAIL.
"""

from __future__ import annotations

import importlib
import logging
import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings

from frontline.core.mail import is_message_id
from frontline.notifications.models import OutboundMail, OutboundStatus
from frontline.tickets.models import Ticket

log = logging.getLogger(__name__)

MAX_REFERENCES = 10


def _hook(module: str, name: str) -> Callable[..., Any] | None:
    """``module.name`` when the module exists (another app may provide it), else None."""
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise
    func = getattr(loaded, name, None)
    return func if callable(func) else None


def make_message_id(*, number: int, outbound_id: int) -> str:
    domain = settings.FRONTLINE_MAIL_DOMAIN
    return f"<ticket-{number}.{outbound_id}.{secrets.token_hex(8)}@{domain}>"


def _normalise(value: Any) -> str | None:
    text = str(value or "").strip()
    if text and not text.startswith("<"):
        text = f"<{text}>"
    return text if is_message_id(text) else None


def inbound_references(ticket: Ticket) -> list[str]:
    """The ticket's received Message-IDs (oldest first) from the inbound mail app, if any."""
    hook = _hook("frontline.mail.threading", "thread_references")
    if hook is None:
        return []
    try:
        found = hook(ticket) or []
    except Exception:  # a broken hook must not stop the notification; it just won't thread
        log.exception("thread_references failed for ticket %s", ticket.pk)
        return []
    return [ref for ref in (_normalise(v) for v in found) if ref]


def bounded(chain: list[str]) -> list[str]:
    """Drop duplicates; keep the first id (the thread's root) and the latest ones."""
    unique = list(dict.fromkeys(chain))
    if len(unique) <= MAX_REFERENCES:
        return unique
    return [unique[0], *unique[-(MAX_REFERENCES - 1) :]]


def thread_for(ticket: Ticket, recipient_id: int | None, *, before_id: int) -> list[str]:
    """References for a new mail to ``recipient_id`` about ``ticket`` (In-Reply-To = last)."""
    ours = list(
        OutboundMail.objects.filter(
            ticket=ticket,
            recipient_id=recipient_id,
            id__lt=before_id,
            message_id__isnull=False,
        )
        .exclude(status=OutboundStatus.FAILED)
        .order_by("id")
        .values_list("message_id", flat=True)
    )
    return bounded([*inbound_references(ticket), *(m for m in ours if m)])


def reply_address(ticket: Ticket) -> str:
    """Where replies to mail about ``ticket`` should go."""
    team = ticket.team
    hook = _hook("frontline.mail.mailboxes", "reply_address_for")
    if hook is not None:
        try:
            address = hook(team)
        except Exception:
            log.exception("reply_address_for failed for team %s", getattr(team, "pk", None))
            address = None
        if address:
            return str(address)
    if team is not None and team.email:
        return str(team.email)
    return str(settings.SUPPORT_EMAIL)
