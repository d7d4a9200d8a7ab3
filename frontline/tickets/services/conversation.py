"""Adding to a ticket's conversation: public replies and internal notes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from frontline.accounts.models import User
from frontline.core.errors import InvalidTransition, PermissionDenied, ValidationError
from frontline.tickets import events, policies
from frontline.tickets.models import Channel, Message, MessageKind, PendingReason, Status, Ticket
from frontline.tickets.services._common import (
    check_origin,
    locked,
    origin_data,
    require_view,
    require_work,
    save,
)
from frontline.tickets.services.attachments import bind_attachments
from frontline.tickets.services.create import MAX_BODY


def _clean_body(body: str, has_files: bool) -> str:
    text = (body or "").strip()
    if not text and not has_files:
        raise ValidationError.field("body", "Write a message or attach a file.")
    if len(text) > MAX_BODY:
        raise ValidationError.field("body", f"At most {MAX_BODY:,} characters.")
    return text


def ticket_reply(
    *,
    actor: User | None,
    ticket: Ticket,
    body: str,
    channel: str = Channel.WEB,
    attachment_ids: Iterable[UUID | str] = (),
    files: Iterable[File] = (),
    version: int | None = None,
    origin: Mapping[str, Any] | None = None,
) -> Message:
    """Add a public reply, seen by the requester and watchers.

    A desk reply opens a new ticket and stamps the first response. A requester's reply wakes
    a ticket pending on them and reopens a resolved one; a closed ticket takes no replies
    (the requester opens a new request). ``version``, when given, must be current (else
    Conflict). Records ``replied`` (and ``status_changed`` when the status moves).
    ``actor=None`` with an ``origin`` is a system write (a rule's canned reply): it counts as a
    desk reply, has no author and takes no attachments.
    """
    check_origin(actor, origin)
    if actor is not None:
        require_view(actor, ticket)
        if not policies.can_reply(actor, ticket):
            raise PermissionDenied("You may not reply to this ticket.")
    ids, uploads = list(attachment_ids), list(files)
    if actor is None and (ids or uploads):
        raise ValidationError.field("attachments", "A system reply takes no attachments.")
    text = _clean_body(body, bool(ids or uploads))
    with transaction.atomic():
        ticket = locked(ticket, version=version)
        if ticket.status == Status.CLOSED:
            raise InvalidTransition(
                f"Ticket #{ticket.number} is closed; it takes no more replies."
                " Reopen it, or open a new ticket."
            )
        is_desk = actor is None or (
            policies.is_desk_user(actor) and actor.pk != ticket.requester_id
        )
        message = Message.objects.create(
            ticket=ticket, author=actor, kind=MessageKind.PUBLIC, channel=channel, body=text
        )
        attached = (
            bind_attachments(actor=actor, message=message, ids=ids, files=uploads)
            if actor is not None
            else []
        )
        changed = []
        old_status = ticket.status
        if is_desk:
            if ticket.first_response_at is None:
                ticket.first_response_at = timezone.now()
                changed.append("first_response_at")
            if ticket.status == Status.NEW:
                ticket.status = Status.OPEN
        elif ticket.status == Status.RESOLVED or (
            ticket.status == Status.PENDING and ticket.pending_reason == PendingReason.REQUESTER
        ):
            ticket.status, ticket.pending_reason, ticket.resolved_at = Status.OPEN, "", None
            changed += ["pending_reason", "resolved_at"]
        if ticket.status != old_status:
            changed.append("status")
        save(ticket, changed)
        events.record(
            ticket,
            "replied",
            actor=actor,
            data=origin_data(
                {
                    "message": message.pk,
                    "by": "agent" if is_desk else "requester",
                    "attachments": len(attached),
                },
                # "by" stays "agent" for a system reply; "origin" says which rule it was.
                {"origin": dict(origin)} if origin else None,
            ),
        )
        if ticket.status != old_status:
            events.record(
                ticket,
                "status_changed",
                actor=actor,
                field="status",
                old=old_status,
                new=ticket.status,
                data=origin_data({"reopened": old_status == Status.RESOLVED}, origin),
            )
    return message


def ticket_note(
    *,
    actor: User,
    ticket: Ticket,
    body: str,
    attachment_ids: Iterable[UUID | str] = (),
    files: Iterable[File] = (),
    version: int | None = None,
) -> Message:
    """Add an internal note: desk only, never shown to requesters anywhere. Records ``noted``."""
    require_work(actor, ticket)
    ids, uploads = list(attachment_ids), list(files)
    text = _clean_body(body, bool(ids or uploads))
    with transaction.atomic():
        ticket = locked(ticket, version=version)
        message = Message.objects.create(
            ticket=ticket, author=actor, kind=MessageKind.INTERNAL, body=text
        )
        attached = bind_attachments(actor=actor, message=message, ids=ids, files=uploads)
        save(ticket, [])
        events.record(
            ticket, "noted", actor=actor, data={"message": message.pk, "attachments": len(attached)}
        )
    return message


def system_message(ticket: Ticket, body: str) -> Message:
    """A line in the desk's timeline written by Frontline itself (not shown to requesters)."""
    return Message.objects.create(ticket=ticket, author=None, kind=MessageKind.SYSTEM, body=body)
