"""Is a message written by a robot, and which kind? (pure, never raises)

Kinds: ``bounce`` (delivery failures and delays, RFC 3464 or the common plain-text kinds),
``auto-reply`` (out-of-office and other automatic answers), ``receipt`` (read receipts,
RFC 8098) and ``complaint`` (abuse/feedback reports, RFC 5965). Any of them, and also mail
that says it is bulk, list or machine-generated (``Auto-Submitted: auto-generated``,
``Precedence: bulk``), is ``is_auto_generated``: it must never get an automatic answer.
Machine-generated mail that is none of the four kinds has ``auto_kind`` None.

The order of the checks matters: bounces often also say ``Auto-Submitted: auto-replied``,
and out-of-office replies often come with an empty Return-Path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from frontline.mail.headers import parse_message_ids

BOUNCE = "bounce"
AUTO_REPLY = "auto-reply"
RECEIPT = "receipt"
COMPLAINT = "complaint"


@dataclass(frozen=True)
class MailSignals:
    """What classification looks at. ``headers`` maps lower-cased header names to their
    decoded values (all occurrences). ``report_parts`` are (content type, text) pairs of a
    multipart/report's machine-readable parts and returned headers; ``enclosed_headers``
    are header blocks of attached messages (message/rfc822)."""

    headers: Mapping[str, Sequence[str]]
    subject: str = ""
    from_email: str = ""
    from_name: str = ""
    content_type: str = "text/plain"
    report_type: str | None = None
    report_parts: Sequence[tuple[str, str]] = ()
    enclosed_headers: Sequence[str] = ()
    body_text: str = ""
    message_id: str | None = None


@dataclass(frozen=True)
class Classification:
    is_auto_generated: bool = False
    auto_kind: str | None = None
    reasons: tuple[str, ...] = field(default_factory=tuple)
    bounce_original_message_id: str | None = None


_DAEMON_LOCAL_PARTS = {
    "mailer-daemon",
    "postmaster",
    "mail-daemon",
    "maildelivery",
    "mailerdaemon",
    "mail.delivery.system",
}

# Subjects that only mail servers write (Postfix, Exim, Sendmail, qmail, Gmail, Exchange
# in several languages, Domino): enough on their own.
_BOUNCE_SUBJECT_RE = re.compile(
    r"^\s*(?:"
    r"undelivered mail returned to sender"
    r"|undeliver(?:ed|able)(?:\s+(?:mail|message))?\s*:"
    r"|undelivered message\s*$"
    r"|delivery status notification\s*\((?:failure|delay)"
    r"|mail delivery failed\s*:\s*returning message"
    r"|failure notice\s*$"
    r"|returned mail\s*:"
    r"|mail system error\s*-\s*returned mail"
    r"|delivery notification\s*:\s*delivery has (?:failed|been delayed)"
    r"|delivery failure\s*:"
    r"|delayed mail\s*\(still being retried\)"
    r"|warning\s*:\s*could not send message for past"
    r"|(?:unzustellbar|nicht zustellbar)\s*:"
    r"|benachrichtig?ung\s+zum\s+\S*bermittlungsstatus"
    r"|non remis\s*:|non distribuable\s*:"
    r"|no se puede entregar\s*:|no entregado\s*:"
    r"|non recapitabile\s*:"
    r"|onbestelbaar\s*:"
    r"|niedostarczalne\s*:"
    r"|(?:kan ikke leveres|olevererbart|ikke levert|kan inte levereras)\s*:"
    r")",
    re.IGNORECASE,
)
# Subjects a person could also write ("Mail delivery failed" to the IT desk): a bounce
# only with another sign of an MTA.
_WEAK_BOUNCE_SUBJECT_RE = re.compile(
    r"^\s*(?:mail delivery (?:failed|failure)|delivery (?:failed|failure|has failed)"
    r"|message (?:not delivered|could not be delivered)|undeliver(?:ed|able)"
    r"|returned mail|delivery status notification|non[- ]?delivery (?:report|notification))\b",
    re.IGNORECASE,
)
_DSN_TEXT_RE = re.compile(
    r"this is the mail system at host|could not be delivered to one or more recipients"
    r"|delivery to the following recipients? failed|created automatically by mail delivery"
    r"|this is the qmail-send program|your message (?:wasn't|was not|could not be) delivered"
    r"|following (?:message|addresses) (?:to .{0,200} )?(?:was|were|had) (?:undeliverable|"
    r"permanent fatal errors)|^diagnostic-code:|^final-recipient:",
    re.IGNORECASE | re.MULTILINE,
)
_DAEMON_NAME_RE = re.compile(
    r"^(?:mail delivery (?:system|subsystem)|mailer[- ]daemon|postmaster|mail administrator)$",
    re.IGNORECASE,
)

# Subjects of automatic replies. A phrase must open the subject and be followed by ":"
# or the end (so "Out of office next week" is a human's subject line).
_AUTO_REPLY_SUBJECT_RE = re.compile(
    r"^\s*(?:"
    r"out of (?:the )?office(?:\s+(?:auto[- ]?reply|reply|notice|notification))?"
    r"|automatic reply|auto(?:matic)?[- ]?response|auto[- ]?reply|autoreply"
    r"|away from (?:the )?office|vacation reply"
    r"|abwesenheitsnotiz|automatische antwort|abwesenheitsmeldung"
    r"|r[ée]ponse automatique|absence du bureau|message d'absence"
    r"|respuesta autom[áa]tica|fuera de (?:la )?oficina"
    r"|risposta automatica|fuori (?:sede|ufficio)"
    r"|automatisch antwoord"
    r"|odpowied[źz] automatyczna|automatyczna odpowied[źz]"
    r"|resposta autom[áa]tica"
    r"|autosvar|automatiskt? svar|automaattinen vastaus"
    r"|автоматический ответ|автоответ"
    r"|自動応答|自動返信|自动回复|自動回覆"
    r")\s*(?::|$|\(|\[)",
    re.IGNORECASE,
)

_READ_RECEIPT_SUBJECT_RE = re.compile(
    r"^\s*(?:read|gelesen|lu|le[íi]do|letto|gelezen|przeczytan[ay]|l[äa]st|lest|luettu"
    r"|return receipt|read receipt|lesebest[äa]tigung|accus[ée] de lecture)\s*:",
    re.IGNORECASE,
)

_BODY_MESSAGE_ID_RE = re.compile(
    r"(?im)^[> \t]*message-id[ \t]*:[ \t]*(<[^<>\s]{1,998}>|\S{1,998})"
)


def _first(headers: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0].strip() if values else None


def _local_part(email: str) -> str:
    return email.rsplit("@", 1)[0].strip().strip('"').lower()


def classify(signals: MailSignals) -> Classification:
    """Classify one message. See the module docstring for the kinds and their order."""
    h = signals.headers
    reasons: list[str] = []
    kind: str | None = None
    auto = False

    content_type = signals.content_type.lower()
    report_type = (signals.report_type or "").lower()
    auto_submitted = (_first(h, "auto-submitted") or "").lower()
    precedence = " ".join((_first(h, "precedence") or "", _first(h, "x-precedence") or "")).lower()
    return_path = h.get("return-path") or []
    null_sender = any(value.strip() in ("<>", "", "< >") for value in return_path)
    subject = signals.subject
    local = _local_part(signals.from_email)
    part_types = {ctype.lower() for ctype, _ in signals.report_parts}

    # -- bounces ------------------------------------------------------------------------
    if report_type == "delivery-status" or content_type == "message/delivery-status":
        kind = BOUNCE
        reasons.append("delivery status report")
    elif report_type == "feedback-report" or content_type == "message/feedback-report":
        kind = COMPLAINT
        reasons.append("feedback report (ARF)")
    elif report_type == "disposition-notification" or content_type == (
        "message/disposition-notification"
    ):
        kind = RECEIPT
        reasons.append("disposition notification (MDN)")
    elif "message/delivery-status" in part_types:
        kind = BOUNCE
        reasons.append("delivery status part")
    elif "message/feedback-report" in part_types:
        kind = COMPLAINT
        reasons.append("feedback report part")
    if kind is None and h.get("x-failed-recipients"):
        kind = BOUNCE
        reasons.append("X-Failed-Recipients")
    if kind is None and local in _DAEMON_LOCAL_PARTS:
        kind = BOUNCE
        reasons.append(f"sent by {local}")
    if kind is None and _BOUNCE_SUBJECT_RE.search(subject):
        kind = BOUNCE
        reasons.append("bounce subject")
    if (
        kind is None
        and _WEAK_BOUNCE_SUBJECT_RE.search(subject)
        and (
            null_sender
            or auto_submitted
            or _DAEMON_NAME_RE.match(signals.from_name.strip())
            or _DSN_TEXT_RE.search(signals.body_text[:20_000])
        )
    ):
        kind = BOUNCE
        reasons.append("bounce subject and MTA text")

    # -- automatic replies --------------------------------------------------------------
    auto_reply_reasons: list[str] = []
    if auto_submitted.startswith("auto-replied"):
        auto_reply_reasons.append("Auto-Submitted: auto-replied")
    if "auto_reply" in precedence or "auto-reply" in precedence:
        auto_reply_reasons.append("Precedence: auto_reply")
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-autoresponse"):
        value = (_first(h, name) or "").lower()
        if name in h and value not in ("no", "false", "0"):
            auto_reply_reasons.append(name)
    if (_first(h, "x-autogenerated") or "").lower().startswith("reply"):
        auto_reply_reasons.append("X-Autogenerated: Reply")
    if _AUTO_REPLY_SUBJECT_RE.search(subject):
        auto_reply_reasons.append("auto-reply subject")
    suppress = (_first(h, "x-auto-response-suppress") or "").lower()
    exchange_oof = bool(re.search(r"\b(all|oof)\b", suppress))
    if exchange_oof and (h.get("x-ms-exchange-inbox-rules-loop") or auto_reply_reasons):
        auto_reply_reasons.append("Exchange automatic reply")
    if kind is None and auto_reply_reasons:
        kind = AUTO_REPLY
    reasons.extend(auto_reply_reasons)

    # -- read receipts written as plain mail ---------------------------------------------
    receipt_subject = _READ_RECEIPT_SUBJECT_RE.search(subject)
    if kind is None and receipt_subject and (null_sender or auto_submitted):
        kind = RECEIPT
        reasons.append("read receipt subject")

    # -- machine-generated, kind unknown --------------------------------------------------
    if auto_submitted and auto_submitted != "no":
        auto = True
        reasons.append(f"Auto-Submitted: {auto_submitted.split(';')[0]}")
    for word in ("bulk", "junk", "list"):
        if re.search(rf"\b{word}\b", precedence):
            auto = True
            reasons.append(f"Precedence: {word}")
    if exchange_oof:
        auto = True
        reasons.append("X-Auto-Response-Suppress")
    if null_sender:
        auto = True
        reasons.append("empty Return-Path")
        if kind is None:
            kind = BOUNCE  # nothing else explains a null sender: a notice from an MTA
    if kind is not None:
        auto = True

    original: str | None = None
    if kind == BOUNCE:
        original = _bounce_original(signals)
    return Classification(
        is_auto_generated=auto,
        auto_kind=kind,
        reasons=tuple(dict.fromkeys(reasons)),
        bounce_original_message_id=original,
    )


def _ids_in_header_block(block: str) -> list[str]:
    ids: list[str] = []
    for match in _BODY_MESSAGE_ID_RE.finditer(block[:200_000]):
        ids.extend(parse_message_ids(match.group(1)))
    return ids


def _bounce_original(signals: MailSignals) -> str | None:
    """The Message-ID of the message that bounced: from the returned message or its
    headers, else a Message-ID line quoted in the text, else In-Reply-To/References."""
    own = signals.message_id
    candidates: list[str] = []
    for ctype, text in signals.report_parts:
        if ctype.lower() in ("message/rfc822", "text/rfc822-headers", "message/global-headers"):
            candidates.extend(_ids_in_header_block(text))
    for block in signals.enclosed_headers:
        candidates.extend(_ids_in_header_block(block))
    candidates.extend(_ids_in_header_block(signals.body_text))
    for name in ("in-reply-to", "references"):
        for value in signals.headers.get(name, ()):
            candidates.extend(parse_message_ids(value))
    for candidate in candidates:
        if candidate != own:
            return candidate
    return None
