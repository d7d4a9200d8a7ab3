"""Notification writes: preferences, admin switches and templates, and the outbound mail
queue (create once per event/recipient/kind, send from the worker, retry with back-off)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from frontline.accounts.models import User
from frontline.core.errors import PermissionDenied, ValidationError
from frontline.core.mail import build_email, format_address, from_address
from frontline.notifications import policies, thread
from frontline.notifications.context import MissingContext, provided_context
from frontline.notifications.models import (
    NotificationKind,
    NotificationPreference,
    NotificationSwitch,
    NotificationTemplate,
    OutboundMail,
    OutboundStatus,
)
from frontline.notifications.rendering import render_notification, template_errors
from frontline.notifications.selectors import preference_map
from frontline.tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 60  # 1, 2, 4, 8 minutes between attempts
STALE_SENDING = timedelta(minutes=10)  # a worker that claimed a mail and died
LOST_ENQUEUE = timedelta(minutes=2)  # a first attempt whose task never ran


def _require_self_or_admin(actor: User, user: User) -> None:
    if actor.pk != user.pk and not policies.can_manage_notifications(actor):
        raise PermissionDenied("You may change only your own notifications.")


def notification_preferences_update(
    *, actor: User, user: User, changes: Mapping[str, bool]
) -> dict[str, bool]:
    """Switch kinds on or off for ``user`` (themselves, or anyone for an admin).

    Only the kinds in ``changes`` change. A kind that does not exist, or that the user cannot
    receive, is a ValidationError naming it, and nothing is saved. Returns every kind the user
    can receive with its setting.
    """
    _require_self_or_admin(actor, user)
    allowed = policies.kinds_for(user)
    errors: dict[str, list[str]] = {}
    for kind, value in changes.items():
        if kind not in NotificationKind.values:
            errors[kind] = [f"Unknown notification kind; use one of: {', '.join(allowed)}."]
        elif kind not in allowed:
            errors[kind] = ["You do not receive this notification."]
        elif not isinstance(value, bool):
            errors[kind] = ["Must be true or false."]
    if errors:
        raise ValidationError("Unknown or unavailable notification kinds.", errors=errors)
    with transaction.atomic():
        for kind, value in changes.items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"enabled": value}
            )
    return preference_map(user)


def notification_switch_set(*, actor: User, kind: str, enabled: bool) -> NotificationSwitch:
    """The admin's global on/off for one kind (off: nobody receives it)."""
    if not policies.can_manage_notifications(actor):
        raise PermissionDenied("Only admins switch notifications for everyone.")
    if kind not in NotificationKind.values:
        raise ValidationError.field("kind", "Unknown notification kind.")
    with transaction.atomic():
        switch, _ = NotificationSwitch.objects.update_or_create(
            kind=kind, defaults={"enabled": enabled}
        )
    return switch


def notification_template_save(
    *, actor: User, kind: str, subject: str, body: str
) -> NotificationTemplate:
    """Replace the wording of one kind (admins). A syntax error, an unknown placeholder, a
    method call or a ``_private`` attribute is a ValidationError on ``subject``/``body``."""
    if not policies.can_manage_notifications(actor):
        raise PermissionDenied("Only admins edit notification templates.")
    if kind not in NotificationKind.values:
        raise ValidationError.field("kind", "Unknown notification kind.")
    errors = template_errors(subject=subject, body=body)
    if errors:
        raise ValidationError("The template cannot be used.", errors=errors)
    with transaction.atomic():
        template, _ = NotificationTemplate.objects.update_or_create(
            kind=kind, defaults={"subject": subject, "body": body}
        )
    return template


# --- The outbound queue -----------------------------------------------------------------------


def disabled_pairs(user_ids: Iterable[int], kinds: Iterable[str]) -> set[tuple[int | None, str]]:
    """(user id, kind) pairs switched off by the user, and (None, kind) switched off globally."""
    kinds = list(kinds)
    off: set[tuple[int | None, str]] = {
        (None, kind)
        for kind in NotificationSwitch.objects.filter(kind__in=kinds, enabled=False).values_list(
            "kind", flat=True
        )
    }
    off |= set(
        NotificationPreference.objects.filter(
            user_id__in=list(user_ids), kind__in=kinds, enabled=False
        ).values_list("user_id", "kind")
    )
    return off


def switched_on(users: Iterable[User], kind: str) -> list[User]:
    """Those of ``users`` who get ``kind``: switched off neither by them nor for everyone."""
    users = list(users)
    if not users:
        return []
    off = disabled_pairs([user.pk for user in users], [kind])
    return [user for user in users if (None, kind) not in off and (user.pk, kind) not in off]


def outbound_mail_create(
    *,
    event: TicketEvent,
    ticket: Ticket,
    recipient: User,
    kind: str,
    context: Mapping[str, Any],
    from_name: str = "",
    auto_submitted: bool = True,
) -> OutboundMail | None:
    """Render and store one notification, and enqueue its send task.

    Idempotent: a second call for the same (event, recipient, kind) returns None and enqueues
    nothing, so a redelivered event never mails twice. Returns None too for a recipient whose
    address cannot be used, and when a context provider required for ``kind`` has nothing to
    add. Preferences are the caller's (the subscriber's) business. The context providers of
    ``kind`` (``frontline.notifications.context``) add to ``context`` inside the savepoint that
    stores the mail, so what they write is rolled back with it.
    """
    if OutboundMail.objects.filter(event=event, recipient=recipient, kind=kind).exists():
        return None
    try:
        to_address = format_address(recipient.email, recipient.display_name)
    except ValueError:
        log.warning("not notifying user %s: unusable address", recipient.pk)
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            extra = provided_context(kind, event=event, ticket=ticket, recipient=recipient)
            subject, body = render_notification(kind, {**context, **extra}, number=ticket.number)
            mail = OutboundMail.objects.create(
                event=event,
                ticket=ticket,
                recipient=recipient,
                kind=kind,
                to_address=to_address,
                from_address=from_address(from_name),
                reply_to=thread.reply_address(ticket),
                subject=subject,
                body=body,
                auto_submitted=auto_submitted,
                next_attempt_at=now,
            )
            chain = thread.thread_for(ticket, recipient.pk, before_id=mail.pk)
            mail.message_id = thread.make_message_id(number=ticket.number, outbound_id=mail.pk)
            mail.references = " ".join(chain)
            mail.in_reply_to = chain[-1] if chain else ""
            mail.save(update_fields=["message_id", "references", "in_reply_to"])
    except IntegrityError:  # the same event handed to two dispatchers at once
        return None
    except MissingContext:  # e.g. a survey mail whose survey is no longer due
        return None
    # Enqueued inside the caller's transaction: with the database task backend the task row
    # commits (or rolls back) together with the mail row, so no send is lost between commit
    # and enqueue. A broker-backed worker that runs before the commit finds no row to claim;
    # the retry sweep sends that mail LOST_ENQUEUE later.
    _enqueue(mail.pk)
    return mail


def _enqueue(outbound_id: int) -> None:
    from frontline.notifications.tasks import deliver_outbound_mail

    try:
        deliver_outbound_mail.enqueue(outbound_id)
    except Exception:  # the retry sweep sends it later
        log.exception("could not enqueue outbound mail %s", outbound_id)


def _headers(mail: OutboundMail) -> dict[str, str]:
    headers = {"X-Frontline-Ticket": str(mail.ticket.number)}
    if mail.in_reply_to:
        headers["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        headers["References"] = mail.references
    if mail.auto_submitted:
        headers["X-Auto-Response-Suppress"] = "All"
    return headers


def outbound_mail_send(*, outbound_id: int) -> str:
    """Send one queued mail (what the task runs); returns its status afterwards.

    The row is claimed first (pending and due → sending), so a duplicate task or a second
    worker sends nothing. On failure the attempt and error are kept and the mail is due again
    after a back-off (1, 2, 4, 8 minutes); after MAX_ATTEMPTS it is ``failed`` and stays
    visible in the admin with its error until someone retries it.
    """
    now = timezone.now()
    claimed = OutboundMail.objects.filter(
        pk=outbound_id, status=OutboundStatus.PENDING, next_attempt_at__lte=now
    ).update(status=OutboundStatus.SENDING, claimed_at=now)
    mail = OutboundMail.objects.select_related("ticket").filter(pk=outbound_id).first()
    if mail is None:
        return "missing"
    if not claimed:
        return str(mail.status)
    try:
        message = build_email(
            subject=mail.subject,
            body=mail.body,
            to=[mail.to_address],
            from_email=mail.from_address,
            reply_to=[mail.reply_to] if mail.reply_to else [],
            message_id=mail.message_id,
            headers=_headers(mail),
            auto_submitted=mail.auto_submitted,
        )
        message.send()
    except Exception as exc:
        attempts = mail.attempts + 1
        failed = attempts >= MAX_ATTEMPTS
        log.warning("outbound mail %s failed (attempt %s): %s", mail.pk, attempts, exc)
        OutboundMail.objects.filter(pk=mail.pk).update(
            status=OutboundStatus.FAILED if failed else OutboundStatus.PENDING,
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now()
            + timedelta(seconds=BACKOFF_SECONDS * 2 ** (attempts - 1)),
            claimed_at=None,
        )
        return OutboundStatus.FAILED if failed else OutboundStatus.PENDING
    OutboundMail.objects.filter(pk=mail.pk).update(
        status=OutboundStatus.SENT,
        attempts=mail.attempts + 1,
        sent_at=timezone.now(),
        last_error="",
        claimed_at=None,
    )
    return OutboundStatus.SENT


def outbound_mail_retry(*, actor: User, ids: Iterable[int]) -> int:
    """Queue failed (or pending) mails again now, with a fresh set of attempts (admins).
    Returns how many were queued; sent mails are never sent again."""
    if not policies.can_manage_notifications(actor):
        raise PermissionDenied("Only admins retry outbound mail.")
    wanted = list(ids)
    with transaction.atomic():
        rows = list(
            OutboundMail.objects.filter(
                pk__in=wanted, status__in=[OutboundStatus.FAILED, OutboundStatus.PENDING]
            ).values_list("pk", flat=True)
        )
        OutboundMail.objects.filter(pk__in=rows).update(
            status=OutboundStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        for pk in rows:
            transaction.on_commit(partial(_enqueue, pk))
    return len(rows)


def outbound_mail_retry_due(*, limit: int = 200) -> int:
    """The sweep (a periodic job): mails whose back-off has passed, first attempts whose task
    was lost, and mails a dead worker left ``sending`` are enqueued again. Returns how many."""
    now = timezone.now()
    OutboundMail.objects.filter(
        status=OutboundStatus.SENDING, claimed_at__lt=now - STALE_SENDING
    ).update(status=OutboundStatus.PENDING, claimed_at=None)
    due = list(
        OutboundMail.objects.filter(status=OutboundStatus.PENDING)
        .filter(
            Q(attempts__gt=0, next_attempt_at__lte=now)
            | Q(attempts=0, next_attempt_at__lte=now - LOST_ENQUEUE)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        _enqueue(pk)
    return len(due)
