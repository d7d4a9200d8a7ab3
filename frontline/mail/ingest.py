"""Inbound mail into tickets: store first, then process.

``mail_store`` keeps the raw message (idempotent by Message-ID, else by sha256) and commits;
``mail_process`` turns a stored message into a ticket, a reply, a held reply, a system note
(robots) or nothing (ignored), in its own transaction. A failure in processing quarantines
the message with its error (the traceback is for admins); ``mail_retry`` and the scheduled
``mail_retry_pending`` process it again. Nothing here sends mail: a ticket opened by robot
mail is a system write (``actor=None``, origin :data:`ROBOT_ORIGIN`), so its events carry
``{"auto": true, "via": "email"}`` and notifications skip the automatic answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import traceback
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from frontline.accounts.models import User, normalize_email
from frontline.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from frontline.mail import senders
from frontline.mail.headers import parse_message_ids
from frontline.mail.models import InboundMail, Mailbox, Source, State
from frontline.mail.parse import ParsedMail, parse_message
from frontline.mail.threading import (
    TOKEN_RE,
    Match,
    find_ticket,
    is_our_message_id,
    ticket_for_ids,
)
from frontline.tickets import events, policies
from frontline.tickets.models import Channel, Message, Status, Ticket
from frontline.tickets.services._common import locked, save
from frontline.tickets.services.conversation import system_message, ticket_reply
from frontline.tickets.services.create import MAX_BODY, MAX_TITLE, ticket_create

log = logging.getLogger(__name__)

ROBOT_KINDS = {"bounce", "auto-reply", "receipt", "complaint"}
KIND_LABELS = {
    "bounce": "Delivery failure (bounce)",
    "auto-reply": "Automatic reply",
    "receipt": "Read receipt",
    "complaint": "Spam complaint",
}
# what processing writes on the row (never the raw bytes again)
RESULT_FIELDS = [
    "from_email",
    "subject",
    "state",
    "auto_kind",
    "error",
    "traceback",
    "attempts",
    "processed_at",
    "ticket",
    "ticket_message",
    "html",
    "content_ids",
    "decided_by",
]
# who opens a ticket from machine mail (an alert): notifications read "auto" and send the
# robot no automatic answer; the desk's history shows "Email"
ROBOT_ORIGIN = {"by": "mail", "via": "email", "auto": True}
_PREFIX_RE = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|tr)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


# --- storing ------------------------------------------------------------------------------


def _headers(raw: bytes) -> tuple[str, str, str]:
    """Message-ID, From address and Subject, read cheaply from the header section."""
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=-1)
    head = raw[: end if 0 <= end < 1_000_000 else 1_000_000]
    try:
        message = BytesHeaderParser(policy=compat32).parsebytes(head)
        ids = parse_message_ids(str(message.get("Message-ID", "") or ""))
        sender = normalize_email(parseaddr(str(message.get("From", "") or ""))[1])
        subject = str(message.get("Subject", "") or "")
    except Exception:  # a header we cannot read: dedupe by content, fill in at processing
        return "", "", ""
    return (ids[0] if ids else ""), sender, subject


@dataclass(frozen=True)
class Stored:
    inbound: InboundMail
    created: bool  # False: the same message was stored before


def mail_store(*, raw: bytes, source: str, mailbox: Mailbox | None = None) -> Stored:
    """Keep ``raw`` exactly as received, before anything else, and commit it.

    Idempotent: a message with the same Message-ID (or, without one, the same bytes) gives
    back the row stored first (``created`` False). Messages above
    FRONTLINE_MAIL_RAW_INLINE_MAX go to file storage. Database errors propagate (the pipe
    answers EX_TEMPFAIL so the MTA keeps the message).
    """
    sha = hashlib.sha256(raw).hexdigest()
    message_id, sender, subject = _headers(raw)
    key = "id:" + hashlib.sha256(message_id.encode()).hexdigest() if message_id else "raw:" + sha
    big = len(raw) > settings.FRONTLINE_MAIL_RAW_INLINE_MAX
    if big:
        # look first, so that a redelivery writes no file to be deleted again
        existing = _stored(key)
        if existing is not None:
            return Stored(existing, False)
    inbound = InboundMail(
        dedupe_key=key,
        sha256=sha,
        message_id=message_id[:998],
        size=len(raw),
        received_at=timezone.now(),
        source=source,
        mailbox=mailbox,
        from_email=sender[:254],
        subject=subject.replace("\n", " ").replace("\r", "")[:250],
    )
    if big:
        inbound.raw_file.save(f"{sha}.eml", ContentFile(raw), save=False)
    else:
        inbound.raw = raw
    try:
        # The unique dedupe_key decides, in one statement (an INSERT in autocommit is
        # atomic by itself; inside a caller's transaction a savepoint keeps it usable).
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                inbound.save(force_insert=True)
        else:
            inbound.save(force_insert=True)
    except IntegrityError:
        if inbound.raw_file:
            inbound.raw_file.delete(save=False)
        existing = _stored(key)
        if existing is None:
            raise
        return Stored(existing, False)
    return Stored(inbound, True)


def _stored(key: str) -> InboundMail | None:
    return InboundMail.objects.filter(dedupe_key=key).defer("raw", "html").first()


# --- processing ---------------------------------------------------------------------------


def mail_process(*, inbound: InboundMail) -> InboundMail:
    """Turn a stored message into what it means, in one transaction; never raises for a
    bad message: a failure quarantines it (error and traceback kept, attempts counted).

    Only ``received`` and ``quarantined`` messages are processed; others come back as they
    are, so calling this twice is harmless.
    """
    try:
        with transaction.atomic():
            row = InboundMail.objects.select_for_update().defer("raw", "html").get(pk=inbound.pk)
            if row.state not in (State.RECEIVED, State.QUARANTINED):
                return row
            if "raw" in inbound.__dict__:
                row.raw = inbound.raw  # never changes once stored: no need to read it back
            row.attempts += 1
            _process(row)
            row.processed_at = timezone.now()
            row.error = row.error if row.state in (State.IGNORED, State.HELD) else ""
            row.traceback = ""
            row.save(update_fields=RESULT_FIELDS)
            return row
    except Exception as exc:
        log.exception("inbound mail %s could not be processed", inbound.pk)
        InboundMail.objects.filter(pk=inbound.pk).update(
            state=State.QUARANTINED,
            error=f"{type(exc).__name__}: {exc}"[:500],
            traceback=traceback.format_exc()[-20000:],
            attempts=F("attempts") + 1,
        )
        return InboundMail.objects.get(pk=inbound.pk)


def mail_ingest(*, raw: bytes, source: str, mailbox: Mailbox | None = None) -> InboundMail:
    """Store, then process (a message stored before is not processed twice)."""
    stored = mail_store(raw=raw, source=source, mailbox=mailbox)
    if stored.inbound.state == State.RECEIVED:
        return mail_process(inbound=stored.inbound)
    return stored.inbound


def _rate_limited(row: InboundMail) -> bool:
    if row.source == Source.MAILDIR or not row.from_email:
        return False  # an operator's bulk import of an archive is not a loop
    since = timezone.now() - dt.timedelta(seconds=settings.FRONTLINE_MAIL_RATE_WINDOW)
    limit = settings.FRONTLINE_MAIL_RATE_LIMIT
    recent = (
        InboundMail.objects.filter(from_email=row.from_email, received_at__gte=since)
        .exclude(source=Source.MAILDIR)
        .exclude(pk=row.pk)
        .order_by()[:limit]  # counting stops at the limit, however loud a looping robot is
        .count()
    )
    return recent >= limit


def _process(row: InboundMail) -> None:
    parsed = parse_message(row.raw_bytes())
    row.from_email = normalize_email(parsed.from_email)[:254]
    row.subject = parsed.subject[:250]
    row.auto_kind = (parsed.auto_kind or "machine") if parsed.is_auto_generated else ""
    row.html = parsed.body_html_sanitized or ""
    if _rate_limited(row):
        row.state, row.error = State.IGNORED, "rate limited: too many messages from this sender"
        return
    if row.from_email in senders.our_addresses() or is_our_message_id(parsed.message_id or ""):
        # our own mail came back (a forwarding loop, a misconfigured alias): never a ticket
        row.state, row.error = State.IGNORED, "loop: this mail comes from the desk itself"
        return
    if parsed.is_auto_generated:
        _process_robot(row, parsed)
        return
    match = find_ticket(
        in_reply_to=parsed.in_reply_to, references=parsed.references, subject=parsed.subject
    )
    if match is None:
        _new_ticket(row, parsed)
        return
    requester = match.ticket.requester  # loaded with the ticket
    sender = (
        requester if requester.email == row.from_email else senders.existing_user(row.from_email)
    )
    if not senders.may_reply_by_mail(sender, match.ticket):
        _hold(row, match)
        return
    assert sender is not None
    if match.ticket.status == Status.CLOSED:
        _new_ticket(row, parsed, follow_up=match.ticket)
        return
    _reply(row, parsed, sender, match.ticket)


# --- the outcomes -------------------------------------------------------------------------


def _title(parsed: ParsedMail) -> str:
    title = _PREFIX_RE.sub("", TOKEN_RE.sub("", parsed.subject or "")).strip()
    title = _PREFIX_RE.sub("", title).strip()
    return (title or "(no subject)")[:MAX_TITLE]


def _files(parsed: ParsedMail) -> tuple[list[SimpleUploadedFile], list[str], list[str | None]]:
    """Attachments within the size limit; the names of those dropped; their Content-IDs."""
    limit = settings.FRONTLINE_ATTACHMENT_MAX_BYTES
    files: list[SimpleUploadedFile] = []
    dropped: list[str] = []
    cids: list[str | None] = []
    for attachment in parsed.attachments:
        name = attachment.filename or "attachment"
        if attachment.size > limit:
            dropped.append(f"{name} ({attachment.size:,} bytes)")
            continue
        files.append(SimpleUploadedFile(name, attachment.content, attachment.content_type))
        cids.append((attachment.content_id or "").strip("<>").lower() or None)
    return files, dropped, cids


def _after_message(
    row: InboundMail, message: Message, dropped: list[str], cids: list[str | None]
) -> None:
    if any(cids):
        attachments = list(message.attachments.order_by("id").only("id", "uuid"))
        row.content_ids = {
            cid: str(att.uuid) for cid, att in zip(cids, attachments, strict=False) if cid
        }
    else:
        row.content_ids = {}
    if dropped:
        limit = settings.FRONTLINE_ATTACHMENT_MAX_BYTES
        system_message(
            message.ticket,
            f"Attachments over the {limit:,}-byte limit were dropped from the mail of "
            f"{row.from_email}: {', '.join(dropped)}. The original message keeps them.",
        )
    row.ticket, row.ticket_message, row.state = message.ticket, message, State.PROCESSED


def _route_to_mailbox_team(row: InboundMail, ticket: Ticket, *, auto: bool) -> None:
    """A mailbox tied to a team routes its new tickets there (when that team serves the
    ticket's organization). ticket_create lets only the desk choose a team, so this records
    the move itself, as a ``field_changed`` on ``team`` by nobody, ``via: mailbox``."""
    team = row.mailbox.team if row.mailbox_id and row.mailbox else None
    if team is None or ticket.team_id == team.pk:
        return
    served = set(team.organizations.values_list("id", flat=True))
    if served and ticket.organization_id not in served:
        return
    current = locked(ticket, version=None)
    old = current.team_id
    current.team = team
    save(current, ["team"])
    events.record(
        current,
        "field_changed",
        field="team",
        old=old,
        new=team.pk,
        data={"via": "mailbox", "mailbox": row.mailbox_id, **({"auto": True} if auto else {})},
    )


def _new_ticket(
    row: InboundMail, parsed: ParsedMail, *, follow_up: Ticket | None = None, auto: bool = False
) -> None:
    try:
        requester = senders.sender_for(row.from_email, parsed.from_display_name)
    except ValidationError:
        row.state, row.error = State.IGNORED, "no usable sender address"
        return
    if not requester.is_active:
        row.state, row.error = State.IGNORED, "the sender's account is disabled"
        return
    files, dropped, cids = _files(parsed)
    body = parsed.body_text.strip() or ("(attachments only)" if files else "(empty message)")
    if follow_up is not None:
        body = f"(Follow-up to the closed ticket #{follow_up.number}.)\n\n{body}"
    ticket = ticket_create(
        # robot mail: a system write on the robot's behalf, so its events say "auto"
        actor=None if auto else requester,
        requester=requester,
        origin=ROBOT_ORIGIN if auto else None,
        title=_title(parsed),
        description=body[:MAX_BODY],
        channel=Channel.EMAIL,
        files=files,
    )
    _route_to_mailbox_team(row, ticket, auto=auto)
    message = ticket.messages.order_by("id").first()
    assert message is not None
    if not auto:
        senders.watchers_from_addresses(
            ticket=ticket,
            addresses=[(a.email, a.name) for a in parsed.cc],
            exclude=[requester.email],
        )
    _after_message(row, message, dropped, cids)


def _reply(row: InboundMail, parsed: ParsedMail, sender: User, ticket: Ticket) -> None:
    files, dropped, cids = _files(parsed)
    body = (parsed.reply_text or parsed.body_text).strip()
    if not body and not files:
        body = "(empty message)"
    try:
        message = ticket_reply(
            actor=sender, ticket=ticket, body=body[:MAX_BODY], channel=Channel.EMAIL, files=files
        )
    except (NotFound, PermissionDenied):
        # a participant who may not see the ticket (an agent watching another team's ticket)
        _hold(row, Match(ticket, "no-access"))
        return
    except InvalidTransition:
        _new_ticket(row, parsed, follow_up=ticket)
        return
    senders.watchers_from_addresses(
        ticket=ticket,
        addresses=[(a.email, a.name) for a in parsed.cc],
        exclude=[sender.email, ticket.requester.email],
    )
    _after_message(row, message, dropped, cids)


def _hold(row: InboundMail, match: Match) -> None:
    row.state, row.ticket = State.HELD, match.ticket
    row.error = f"held: {row.from_email or 'the sender'} is not on ticket #{match.ticket.number}"
    system_message(
        match.ticket,
        f"A mail from {row.from_email or 'an unknown sender'} (“{row.subject[:120]}”) was held: "
        "the sender is not the requester or a watcher of this ticket. An agent can accept it "
        "(append it as their reply), reject it, or open a new ticket from it.",
    )


def _process_robot(row: InboundMail, parsed: ParsedMail) -> None:
    """Bounces, auto-replies, receipts, complaints: a system line on the ticket they are
    about, never a reply (no reopening, nothing sent back). Other machine mail (alerts)
    may open a ticket, marked ``auto``."""
    ids = [parsed.bounce_original_message_id] if parsed.bounce_original_message_id else []
    ids += ([parsed.in_reply_to] if parsed.in_reply_to else []) + list(reversed(parsed.references))
    match = ticket_for_ids([i for i in ids if i]) or find_ticket(
        in_reply_to=None, references=[], subject=parsed.subject
    )
    kind = parsed.auto_kind or "machine"
    if match is None:
        if kind in ROBOT_KINDS:
            row.state, row.error = State.IGNORED, f"{kind} not about any ticket"
            return
        _new_ticket(row, parsed, auto=True)
        return
    label = KIND_LABELS.get(kind, "Automatic mail")
    excerpt = (parsed.reply_text or parsed.body_text).strip()[:2000]
    message = system_message(
        match.ticket,
        f"{label} from {row.from_email or 'an unknown sender'}: {parsed.subject[:200]}"
        + (f"\n\n{excerpt}" if excerpt else ""),
    )
    row.ticket, row.ticket_message, row.state = match.ticket, message, State.PROCESSED


# --- retry, held decisions ----------------------------------------------------------------


def _require_admin_or_worker(actor: User, inbound: InboundMail) -> None:
    if actor.is_superuser or (actor.is_agent_like and actor.role == "admin"):
        return
    if inbound.ticket is not None and policies.can_work_ticket(actor, inbound.ticket):
        return
    raise NotFound("No such message.")


def mail_retry(*, actor: User | None, inbound: InboundMail) -> InboundMail:
    """Process a quarantined (or ignored) message again, after its cause was fixed.
    ``actor`` None is the scheduler or the CLI; otherwise admins only."""
    if actor is not None and not (actor.is_superuser or actor.role == "admin"):
        raise PermissionDenied("Only admins can retry inbound mail.")
    if inbound.state not in (State.QUARANTINED, State.IGNORED, State.RECEIVED):
        raise InvalidTransition(f"This message is {inbound.get_state_display().lower()}.")
    InboundMail.objects.filter(pk=inbound.pk, state=inbound.state).update(state=State.RECEIVED)
    inbound.refresh_from_db()
    return mail_process(inbound=inbound)


def mail_retry_pending(*, limit: int = 200) -> int:
    """The scheduler's sweep: messages stuck in ``received`` (a crash between storing and
    processing) and quarantined ones with attempts left. Returns how many were processed."""
    stuck_before = timezone.now() - dt.timedelta(seconds=settings.FRONTLINE_MAIL_STUCK_AFTER)
    stuck = InboundMail.objects.filter(state=State.RECEIVED, received_at__lt=stuck_before)
    failed = InboundMail.objects.filter(
        state=State.QUARANTINED, attempts__lt=settings.FRONTLINE_MAIL_MAX_ATTEMPTS
    )
    done = 0
    for inbound in list(stuck.order_by("id")[:limit]) + list(failed.order_by("id")[:limit]):
        mail_process(inbound=inbound)
        done += 1
    return done


def _held(inbound: InboundMail) -> Ticket:
    if inbound.state != State.HELD or inbound.ticket is None:
        raise InvalidTransition("This message is not held.")
    return inbound.ticket


def _lock_held(inbound: InboundMail) -> InboundMail:
    """The row, locked, and still held: two agents deciding at once cannot both act."""
    row = InboundMail.objects.select_for_update().get(pk=inbound.pk)
    _held(row)
    return row


def mail_accept(*, actor: User, inbound: InboundMail) -> InboundMail:
    """Append a held message to its ticket as the sender's public reply; the sender becomes
    a watcher. Desk users who can work the ticket (404 otherwise). Mail from a desk
    address is never appended this way (it would act with desk powers)."""
    _require_admin_or_worker(actor, inbound)
    ticket = _held(inbound)
    parsed = parse_message(inbound.raw_bytes())
    with transaction.atomic():
        try:
            sender = senders.sender_for(inbound.from_email, parsed.from_display_name)
        except ValidationError:
            raise ValidationError.field("sender", "The sender's address is not usable.") from None
        if sender.is_agent_like and sender.pk != ticket.requester_id:
            raise ValidationError.field(
                "sender", "Mail from a desk address is not appended; reply from the desk."
            )
        row = _lock_held(inbound)
        senders.watchers_add(actor=actor, ticket=ticket, users=[sender])
        ticket.refresh_from_db()
        _reply(row, parsed, sender, ticket)
        if row.state == State.HELD:
            raise ValidationError.field("sender", "The sender cannot see this ticket.")
        row.decided_by, row.error, row.processed_at = actor, "", timezone.now()
        row.save(update_fields=RESULT_FIELDS)
    return row


def mail_reject(*, actor: User, inbound: InboundMail) -> InboundMail:
    """Drop a held message: it stays stored (ignored) but never reaches the ticket."""
    _require_admin_or_worker(actor, inbound)
    ticket = _held(inbound)
    with transaction.atomic():
        _lock_held(inbound)
        InboundMail.objects.filter(pk=inbound.pk).update(
            state=State.IGNORED, error=f"held message rejected by {actor}", decided_by=actor
        )
        system_message(ticket, f"The held mail from {inbound.from_email} was rejected by {actor}.")
    inbound.refresh_from_db()
    return inbound


def mail_open_ticket(*, actor: User, inbound: InboundMail) -> InboundMail:
    """Open a new ticket (requested by the sender) from a held message."""
    _require_admin_or_worker(actor, inbound)
    _held(inbound)
    parsed = parse_message(inbound.raw_bytes())
    with transaction.atomic():
        row = _lock_held(inbound)
        _new_ticket(row, parsed)
        row.decided_by, row.processed_at = actor, timezone.now()
        if row.state == State.PROCESSED:
            row.error = ""
        row.save(update_fields=RESULT_FIELDS)
    return row
