"""Which ticket a received message belongs to, and the References our outbound mail carries.

Rules, first match wins (docs/mail.md):
1. In-Reply-To / References naming a message we received on a ticket (InboundMail), or one
   we sent (notifications' OutboundMail), or, failing both, a Message-ID of the form
   ``<ticket-{number}.…@{FRONTLINE_MAIL_DOMAIN}>`` that only Frontline generates;
2. a ``[#1042]`` token in the subject, when that ticket exists;
3. otherwise no ticket: the message opens a new one.
A merged ticket is followed to the ticket it was merged into.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import IntegerField, QuerySet, Value

from frontline.tickets.models import Ticket

MAX_IDS = 50
REFERENCES_KEPT = 10
TOKEN_RE = re.compile(r"\[#(\d{1,18})\]")


@dataclass(frozen=True)
class Match:
    ticket: Ticket
    how: str  # "in-reply-to", "references", "outbound", "message-id-pattern", "subject-token"


def _variants(ids: Iterable[str]) -> list[str]:
    """Each id with and without its angle brackets, as stored ids may be either."""
    found: list[str] = []
    for value in ids:
        bare = value.strip().strip("<>")
        if bare:
            found += [f"<{bare}>", bare]
    return found


def _bare(value: str) -> str:
    return value.strip().strip("<>")


def _tickets() -> QuerySet[Ticket]:
    # the requester comes along: processing checks the sender against them
    return Ticket.objects.select_related("requester")


def _follow_merges(ticket: Ticket) -> Ticket:
    seen = {ticket.pk}
    while ticket.merged_into_id and ticket.merged_into_id not in seen:
        target = _tickets().filter(pk=ticket.merged_into_id).first()
        if target is None:
            break
        seen.add(target.pk)
        ticket = target
    return ticket


def _known_ids(ids: list[str]) -> dict[str, int]:
    """Ticket ids of the messages among ``ids`` that we received on a ticket or sent about
    one, in one round trip; an id both received and sent counts as received."""
    from frontline.mail.models import InboundMail, State
    from frontline.notifications.models import OutboundMail

    received = (
        InboundMail.objects.filter(
            message_id__in=_variants(ids),
            ticket__isnull=False,
            state__in=[State.PROCESSED, State.HELD],
        )
        .annotate(rank=Value(0, output_field=IntegerField()))
        .order_by()
        .values_list("message_id", "ticket_id", "rank")
    )
    sent = (
        OutboundMail.objects.filter(message_id__in=_variants(ids), ticket__isnull=False)
        .annotate(rank=Value(1, output_field=IntegerField()))
        .order_by()
        .values_list("message_id", "ticket_id", "rank")
    )
    # (the union takes InboundMail's default ordering unless told otherwise)
    rows = received.union(sent, all=True).order_by("rank")
    found: dict[str, int] = {}
    for mid, ticket_id, _rank in rows:  # received first (rank 0): it wins
        if mid and ticket_id:
            found.setdefault(_bare(mid), ticket_id)
    return found


def _pattern_number(message_id: str) -> int | None:
    domain = re.escape(settings.FRONTLINE_MAIL_DOMAIN.lower())
    match = re.fullmatch(rf"ticket-(\d{{1,18}})\.[^@]*@{domain}", _bare(message_id).lower())
    return int(match.group(1)) if match else None


def is_our_message_id(message_id: str) -> bool:
    """True for a Message-ID of the form only Frontline's outbound mail generates."""
    return bool(message_id) and _pattern_number(message_id) is not None


def ticket_for_ids(ids: list[str], *, first_is_reply: bool = False) -> Match | None:
    """The ticket that the first of ``ids`` we know (In-Reply-To first, then References
    newest first) belongs to; ``first_is_reply`` says ids[0] came from In-Reply-To."""
    ids = [i for i in dict.fromkeys(_bare(i) for i in ids if i) if i][:MAX_IDS]
    if not ids:
        return None
    known = _known_ids(ids)
    for index, mid in enumerate(ids):
        ticket_id = known.get(mid)
        if ticket_id:
            ticket = _tickets().filter(pk=ticket_id).first()
            if ticket is not None:
                how = "in-reply-to" if index == 0 and first_is_reply else "references"
                return Match(_follow_merges(ticket), how)
    for mid in ids:
        number = _pattern_number(mid)
        if number is not None:
            ticket = _tickets().filter(number=number).first()
            if ticket is not None:
                return Match(_follow_merges(ticket), "message-id-pattern")
    return None


def ticket_for_subject(subject: str) -> Match | None:
    """The ticket named by the last ``[#N]`` token of the subject, when it exists."""
    tokens = TOKEN_RE.findall(subject or "")
    for number in reversed(tokens):
        ticket = _tickets().filter(number=int(number)).first()
        if ticket is not None:
            return Match(_follow_merges(ticket), "subject-token")
    return None


def find_ticket(*, in_reply_to: str | None, references: list[str], subject: str) -> Match | None:
    """The ticket a message belongs to, by the rules in this module's docstring."""
    ids = ([in_reply_to] if in_reply_to else []) + list(reversed(references))
    return ticket_for_ids(ids, first_is_reply=bool(in_reply_to)) or ticket_for_subject(subject)


def thread_references(ticket: Ticket) -> list[str]:
    """Message-IDs of the mail received on ``ticket``, oldest first, for the References of
    mail we send about it: the first one and the latest ones, at most REFERENCES_KEPT."""
    from frontline.mail.models import InboundMail, State

    rows = (
        InboundMail.objects.filter(ticket=ticket, state=State.PROCESSED)
        .exclude(message_id="")
        .order_by("received_at", "id")
    )
    first = list(rows.values_list("message_id", flat=True)[:1])
    latest = list(
        rows.order_by("-received_at", "-id").values_list("message_id", flat=True)[
            : REFERENCES_KEPT - 1
        ]
    )
    latest.reverse()
    return list(dict.fromkeys(first + latest))
