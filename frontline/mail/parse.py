"""``parse_message(raw) -> ParsedMail``: what Frontline understands of one RFC 5322 message.

Pure (no ORM, no I/O) and total: any input, however broken, gives a ParsedMail; what could
not be understood is listed in ``defects``. Built on the standard library's ``email``
package with ``policy.default``; header values are decoded by
:mod:`frontline.mail.headers`, the MIME tree read by :mod:`frontline.mail.mime`, HTML made
safe by :mod:`frontline.mail.sanitize`, replies split by :mod:`frontline.mail.reply` and
robots recognised by :mod:`frontline.mail.classify`.

Work is bounded for hostile input: at most :data:`MAX_MESSAGE_BYTES` are read and about
:data:`MAX_PARTS` MIME parts are built (see :class:`_MailPolicy` for header parsing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.feedparser import BytesFeedParser
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

from frontline.mail.classify import Classification, MailSignals, classify
from frontline.mail.headers import (
    Address,
    decode_header,
    parse_addresses,
    parse_message_ids,
    raw_to_text,
)
from frontline.mail.htmltext import canonical_html_to_text
from frontline.mail.mime import Attachment, MimeResult, walk
from frontline.mail.reply import ReplyParts, extract_reply
from frontline.mail.sanitize import cid_references, sanitize_html

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_PARTS = 1000
MAX_ADDRESSES = 1000
_FEED_CHUNK = 64 * 1024

__all__ = ["Address", "Attachment", "ParsedMail", "as_json_dict", "parse_message"]


@dataclass
class ParsedMail:
    """One message as Frontline understood it.

    Addresses are :class:`~frontline.mail.headers.Address` (email as written, decoded
    name); Message-IDs are ``<local@domain>``. ``body_text`` is the whole text of the body
    (for an HTML-only mail, the text of its HTML); ``reply_text`` its visible new part,
    without quoted history and signature; ``body_html_sanitized`` is safe to show (or None
    when the mail has no HTML). ``auto_kind`` is one of ``bounce``, ``auto-reply``,
    ``receipt``, ``complaint`` or None. ``defects`` lists what was broken or cut.
    """

    from_email: str = ""
    from_display_name: str = ""
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    subject: str = ""
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    date: datetime | None = None
    is_auto_generated: bool = False
    auto_kind: str | None = None
    auto_reasons: list[str] = field(default_factory=list)
    bounce_original_message_id: str | None = None
    body_text: str = ""
    reply_text: str = ""
    signature_text: str = ""
    body_html_sanitized: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


class _MailPolicy(EmailPolicy):
    """``policy.default`` with header parsing made cheap and total.

    The MIME headers the parser itself consults for every part (Content-Type,
    -Disposition, -Transfer-Encoding) are handed over as plain strings, which the
    ``Message`` methods it calls read just as well: the header registry needs about a
    millisecond for one Content-Type, so a message with thousands of parts would take
    seconds. Other headers are parsed once per distinct value, and a value the header
    registry cannot parse comes back as its plain string. (Frontline decodes the headers
    it uses itself, see :mod:`frontline.mail.headers`.)
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):
            return value
        if name.lower() in _STRUCTURAL_HEADERS:
            return value.replace("\r", "").replace("\n", "")
        try:
            return _fetch_parse(name, value)
        except Exception:
            return value.replace("\r", "").replace("\n", "")


_STRUCTURAL_HEADERS = {"content-type", "content-disposition", "content-transfer-encoding"}
_POLICY = _MailPolicy()


@lru_cache(maxsize=8192)
def _fetch_parse(name: str, value: str) -> Any:
    return EmailPolicy.header_fetch_parse(_POLICY, name, value)


def _parse_structure(raw: bytes, defects: list[str]) -> tuple[EmailMessage, bytes]:
    if len(raw) > MAX_MESSAGE_BYTES:
        raw = raw[:MAX_MESSAGE_BYTES]
        defects.append(f"message longer than {MAX_MESSAGE_BYTES} bytes was cut")
    # blank lines before the headers would make every header part of the body
    raw = raw.lstrip(b"\r\n\t ")
    if raw.startswith(b"From ") and b"\n" in raw[:1000]:
        raw = raw.split(b"\n", 1)[1]  # mbox separator line
    raw = _repair_header_folding(raw, defects)
    count = 0

    def factory(policy: Any = _POLICY) -> EmailMessage:
        nonlocal count
        count += 1
        return EmailMessage(policy=policy)

    parser = BytesFeedParser(_factory=factory, policy=_POLICY)
    for start in range(0, len(raw), _FEED_CHUNK):
        parser.feed(raw[start : start + _FEED_CHUNK])
        if count > MAX_PARTS:
            defects.append(f"more than {MAX_PARTS} MIME parts; the rest was not read")
            break
    message = parser.close()
    if not isinstance(message, EmailMessage):  # pragma: no cover - factory guarantees it
        message = EmailMessage(policy=_POLICY)
    for defect in message.defects[:20]:
        defects.append(type(defect).__name__)
    return message, raw


_HEADER_LINE_RE = re.compile(rb"^[!-9;-~]{1,200}:")


def _repair_header_folding(raw: bytes, defects: list[str]) -> bytes:
    """Header lines whose folding whitespace was lost (a value continued on a line that
    starts in column 0) would end the header section early and turn the rest of the
    headers into body. A line between header lines that is no header is a continuation."""
    end = raw.find(b"\n\n", 0, 1_000_000)
    end_crlf = raw.find(b"\r\n\r\n", 0, 1_000_000)
    if end_crlf >= 0 and (end < 0 or end_crlf < end):
        end = end_crlf
    if end < 0:
        return raw
    lines = raw[:end].split(b"\n")
    first_header = next((i for i, line in enumerate(lines[:5]) if _HEADER_LINE_RE.match(line)), 0)
    if first_header:
        # a banner line above the headers ("---- Original email message ----")
        defects.append("text before the first header was dropped")
        lines = lines[first_header:]
        raw = b"\n".join(lines) + raw[end:]
        end = len(b"\n".join(lines))
    last_header = -1
    for index, line in enumerate(lines):
        if _HEADER_LINE_RE.match(line):
            last_header = index
    repaired = False
    for index in range(1, last_header):
        line = lines[index]
        if line.strip() and not line[:1].isspace() and not _HEADER_LINE_RE.match(line):
            lines[index] = b" " + line
            repaired = True
    if not repaired:
        return raw
    defects.append("header lines without folding whitespace were joined")
    return b"\n".join(lines) + raw[end:]


def _raw_headers(message: Message) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        headers.setdefault(str(name).strip().lower(), []).append(str(value))
    return headers


_CHARSET_RE = re.compile(r"charset\s*=\s*\"?'?([A-Za-z0-9_.:+-]{1,40})", re.IGNORECASE)


def _charset_hints(message: Message) -> list[str]:
    hints: list[str] = []
    for index, part in enumerate(message.walk()):
        if index > MAX_PARTS:
            break
        for name, value in part.raw_items():
            if name.lower() == "content-type":
                match = _CHARSET_RE.search(str(value))
                if match and match.group(1).lower() not in hints:
                    hints.append(match.group(1).lower())
    return hints


def _pick_sender(headers: dict[str, list[str]], hints: list[str]) -> Address | None:
    """The From address; a mail without a usable one falls back to Sender, Reply-To and
    Return-Path. Addresses with an "@" are preferred over bare words ("MAILER-DAEMON")."""
    for name in ("from", "sender", "reply-to", "return-path"):
        candidates: list[Address] = []
        for value in headers.get(name, []):
            candidates.extend(parse_addresses(value, hints=hints))
        with_at = [a for a in candidates if "@" in a.email]
        if with_at or candidates:
            return (with_at or candidates)[0]
    return None


def _address_list(values: list[str], hints: list[str]) -> list[Address]:
    """All mailboxes of repeated address headers, bounded (MAX_ADDRESSES)."""
    found: list[Address] = []
    for value in values[:20]:
        found.extend(parse_addresses(value, hints=hints))
        if len(found) >= MAX_ADDRESSES:
            return found[:MAX_ADDRESSES]
    return found


def _date(headers: dict[str, list[str]]) -> datetime | None:
    values = headers.get("date")
    if not values:
        return None
    try:
        parsed = parsedate_to_datetime(raw_to_text(values[0]).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _enclosed_headers(result: MimeResult) -> list[str]:
    blocks: list[str] = []
    for attachment in result.attachments:
        if attachment.content_type in ("message/rfc822", "text/rfc822-headers"):
            head = attachment.content[:65536].replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
            blocks.append(head.decode("utf-8", "replace"))
    return blocks


def parse_message(raw: bytes) -> ParsedMail:
    """Parse one raw RFC 5322 message. Never raises; see :class:`ParsedMail`."""
    defects: list[str] = []
    try:
        message, raw = _parse_structure(raw, defects)
    except RecursionError:
        # nesting beyond what the stdlib parser's recursion allows: keep the headers and
        # show the body as raw text rather than nothing
        defects.append("MIME nesting too deep to read; the body is shown as raw text")
        try:
            headers_only = BytesParser(policy=_POLICY).parsebytes(raw, headersonly=True)
        except Exception as exc:
            return ParsedMail(defects=[f"message could not be parsed: {type(exc).__name__}"])
        if not isinstance(headers_only, EmailMessage):
            return ParsedMail(defects=defects)
        message = headers_only
    except Exception as exc:
        return ParsedMail(defects=[f"message could not be parsed: {type(exc).__name__}"])
    try:
        return _understand(message, raw, defects)
    except Exception as exc:
        defects.append(f"message not fully understood: {type(exc).__name__}")
        return ParsedMail(defects=defects)


def _understand(message: EmailMessage, raw: bytes, defects: list[str]) -> ParsedMail:
    headers = _raw_headers(message)
    hints = _charset_hints(message)

    def first(name: str) -> str | None:
        values = headers.get(name)
        return values[0] if values else None

    sender = _pick_sender(headers, hints)
    subject = decode_header(first("subject"), hints=hints)

    result = walk(message, hints=hints, raw=raw)
    defects.extend(result.defects)

    html_sanitized: str | None = None
    html_text = ""
    if result.html is not None:
        html_sanitized = sanitize_html(result.html, defects=defects)
        html_text = canonical_html_to_text(html_sanitized)
    plain = result.plain if result.plain is not None and result.plain.strip() else None
    body_text = (plain if plain is not None else html_text).strip("\n")

    referenced = cid_references(html_sanitized or "")
    for attachment in result.attachments:
        cid = (attachment.content_id or "").lower()
        attachment.inline = bool(cid) and cid in referenced

    reply: ReplyParts = (
        extract_reply(plain) if plain is not None else extract_reply(html_text, html=True)
    )

    message_ids = parse_message_ids(first("message-id"))
    decoded_headers = {
        name: [decode_header(value, hints=hints) for value in values[:20]]
        for name, values in headers.items()
        if name
        in {
            "auto-submitted",
            "precedence",
            "x-precedence",
            "return-path",
            "x-failed-recipients",
            "x-autoreply",
            "x-autorespond",
            "x-autoresponder",
            "x-autoresponse",
            "x-autogenerated",
            "x-auto-response-suppress",
            "x-ms-exchange-inbox-rules-loop",
            "in-reply-to",
            "references",
        }
    }
    verdict: Classification = classify(
        MailSignals(
            headers=decoded_headers,
            subject=subject,
            from_email=sender.email if sender else "",
            from_name=sender.name if sender else "",
            content_type=message.get_content_type(),
            report_type=result.report_type,
            report_parts=[(p.content_type, p.text) for p in result.report_parts],
            enclosed_headers=_enclosed_headers(result),
            body_text=body_text,
            message_id=message_ids[0] if message_ids else None,
        )
    )
    return ParsedMail(
        from_email=sender.email if sender else "",
        from_display_name=sender.name if sender else "",
        to=_address_list(headers.get("to", []), hints),
        cc=_address_list(headers.get("cc", []), hints),
        reply_to=parse_addresses(first("reply-to"), hints=hints),
        subject=subject,
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=next(iter(parse_message_ids(first("in-reply-to"))), None),
        references=parse_message_ids(" ".join(headers.get("references", []))),
        date=_date(headers),
        is_auto_generated=verdict.is_auto_generated,
        auto_kind=verdict.auto_kind,
        auto_reasons=list(verdict.reasons),
        bounce_original_message_id=verdict.bounce_original_message_id,
        body_text=body_text,
        reply_text=reply.reply,
        signature_text=reply.signature,
        body_html_sanitized=html_sanitized,
        attachments=result.attachments,
        defects=list(dict.fromkeys(defects)),
    )


def as_json_dict(parsed: ParsedMail) -> dict[str, Any]:
    """The JSON shape of ``frontline mail parse --json``: exactly the keys from_email,
    from_display_name, to, cc, reply_to, subject, message_id, in_reply_to, references,
    is_auto_generated, auto_kind, body_text, reply_text, body_html_sanitized, attachments.
    ``to``, ``cc`` and ``references`` are lists of strings; ``reply_to`` is the first
    Reply-To address or None; attachments are {filename, content_type, size, content_id,
    inline}."""
    return {
        "from_email": parsed.from_email,
        "from_display_name": parsed.from_display_name,
        "to": [a.email for a in parsed.to],
        "cc": [a.email for a in parsed.cc],
        "reply_to": parsed.reply_to[0].email if parsed.reply_to else None,
        "subject": parsed.subject,
        "message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": list(parsed.references),
        "is_auto_generated": parsed.is_auto_generated,
        "auto_kind": parsed.auto_kind,
        "body_text": parsed.body_text,
        "reply_text": parsed.reply_text,
        "body_html_sanitized": parsed.body_html_sanitized,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "content_id": a.content_id,
                "inline": a.inline,
            }
            for a in parsed.attachments
        ],
    }
