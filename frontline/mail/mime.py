"""The MIME tree of a parsed message → its displayable body and its attachments (pure).

The rules follow what mail clients show:
- ``multipart/alternative``: the richest displayable alternative (HTML over plain text);
  the plain-text alternative is kept as well.
- ``multipart/related``: the root part is the body; the other parts are resources
  (inline images referenced by ``cid:``).
- ``multipart/mixed`` and unknown multiparts: every inline text part in order is body
  (Apple Mail's "text, image, text" and list footers); everything else is an attachment.
- ``multipart/signed``: the first part is the body; ``multipart/encrypted``: attachments.
- ``multipart/report`` (bounces, read receipts, complaints): the first part is the body,
  the machine-readable parts and the returned message are attachments.
- ``message/rfc822`` is an attachment (``<subject>.eml``), not body.
Limits: at most :data:`MAX_ATTACHMENTS` attachments and :data:`MAX_DEPTH` levels.
"""

from __future__ import annotations

import binascii
import mimetypes
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import Message
from email.policy import EmailPolicy

from frontline.mail.headers import decode_header, parse_params
from frontline.mail.htmltext import html_to_text
from frontline.mail.text import clean_text, decode_bytes, text_to_html, unflow

MAX_DEPTH = 40
MAX_ATTACHMENTS = 500
MAX_FILENAME = 255

_RAW_POLICY = EmailPolicy(refold_source="none", linesep="\n", max_line_length=0)


@dataclass
class Attachment:
    """A file carried by a message. ``content_id`` has no angle brackets; ``inline`` is
    True when the HTML body shows it through a ``cid:`` reference."""

    filename: str
    content_type: str
    size: int
    content_id: str | None
    inline: bool
    content: bytes = field(repr=False)
    disposition: str = ""  # "attachment", "inline" or "" as the sender declared it
    description: str = ""


@dataclass
class ReportPart:
    """A machine-readable part of a multipart/report or a returned message's headers."""

    content_type: str
    text: str


@dataclass
class Body:
    """Displayable content found under one part: plain text, HTML, or both."""

    plain: str | None = None
    html: str | None = None

    @property
    def empty(self) -> bool:
        return self.plain is None and self.html is None


@dataclass
class MimeResult:
    """What the tree walk found: the body (plain and/or HTML, not yet sanitised), the
    attachments, the report type of a top-level multipart/report and its parts."""

    plain: str | None
    html: str | None
    attachments: list[Attachment]
    defects: list[str]
    report_type: str | None = None
    report_parts: list[ReportPart] = field(default_factory=list)


_TYPE_NAMES = {
    "message/delivery-status": "delivery-status.txt",
    "message/disposition-notification": "disposition-notification.txt",
    "message/feedback-report": "feedback-report.txt",
    "text/html": "document.html",
    "text/plain": "document.txt",
    "text/calendar": "invite.ics",
    "application/pgp-signature": "signature.asc",
    "application/pkcs7-signature": "smime.p7s",
    "application/x-pkcs7-signature": "smime.p7s",
    "application/pkcs7-mime": "smime.p7m",
}
_EXT_FOR_TYPE = {"image/jpg": ".jpg", "image/jpeg": ".jpg", "video/quicktime": ".mov"}
_MAIN_NAMES = {"image": "image", "video": "video", "audio": "audio"}
_CID_FILENAME_RE = re.compile(r"^[\w.-]{1,100}\.[A-Za-z0-9]{2,5}$")
_UNSAFE_NAME_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029/\\]")
_B64_JUNK_RE = re.compile(r"[^A-Za-z0-9+/]")
_LINE_ORIENTED = ("text/", "message/", "application/pgp-")
_BLANK_LINE_RE = re.compile(rb"\r?\n\r?\n")


def safe_filename(name: str) -> str:
    """A display-safe file name: no directories, control characters or NUL; NFC; at most
    255 characters with the extension kept. Never empty."""
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME_RE.sub("", name).strip()
    if name in ("", ".", ".."):
        return "file"
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = stem[: MAX_FILENAME - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_FILENAME]
    return name


def _split_head(chunk: bytes) -> bytes:
    """The body of a raw part: what follows its header block."""
    match = _BLANK_LINE_RE.search(chunk)
    return chunk[match.end() :] if match else b""


def locate_enclosed(
    raw_body: bytes, part: Message, found: dict[int, bytes], depth: int = 0
) -> None:
    """Find the original bytes of every message/* part under ``part`` whose raw body is
    ``raw_body`` (the stdlib parser keeps no offsets, and writing a message back out is not
    byte-exact). Fills ``found`` keyed by ``id(part)``; gives up quietly on any mismatch."""
    if depth > MAX_DEPTH or not part.is_multipart() or part.get_content_maintype() != "multipart":
        return
    boundary = part.get_boundary()
    children = part.get_payload()
    if not boundary or not isinstance(children, list):
        return
    delimiter = re.compile(
        rb"(?m)^--" + re.escape(boundary.encode("utf-8", "surrogateescape")) + rb"(--)?[ \t]*\r?$"
    )
    marks = list(delimiter.finditer(raw_body))
    chunks: list[bytes] = []
    for index, mark in enumerate(marks):
        if mark.group(1):
            break
        start = mark.end() + (2 if raw_body[mark.end() : mark.end() + 2] == b"\r\n" else 1)
        end = marks[index + 1].start() if index + 1 < len(marks) else len(raw_body)
        chunk = raw_body[start:end]
        # the line break before a delimiter belongs to the delimiter (RFC 2046)
        if chunk.endswith(b"\r\n"):
            chunk = chunk[:-2]
        elif chunk.endswith(b"\n"):
            chunk = chunk[:-1]
        chunks.append(chunk)
    if len(chunks) != len(children):
        return
    for child, chunk in zip(children, chunks, strict=True):
        if not isinstance(child, Message):
            continue
        body = _split_head(chunk)
        if child.get_content_maintype() == "message":
            found[id(child)] = body
        else:
            locate_enclosed(body, child, found, depth + 1)


class _Walker:
    def __init__(self, hints: Sequence[str], enclosed: dict[int, bytes]) -> None:
        self.hints = hints
        self.enclosed = enclosed
        self.attachments: list[Attachment] = []
        self.defects: list[str] = []
        self.report_type: str | None = None
        self.report_parts: list[ReportPart] = []
        self.names: dict[str, int] = {}

    # -- header helpers ---------------------------------------------------------------
    def _raw(self, part: Message, name: str) -> str | None:
        for key, value in part.raw_items():
            if key.lower() == name:
                return str(value)
        return None

    def _ctype(self, part: Message) -> tuple[str, dict[str, str]]:
        main, params = parse_params(self._raw(part, "content-type"), hints=self.hints)
        if main.count("/") != 1 or " " in main:
            main = part.get_default_type()
        return main, params

    def _disposition(self, part: Message) -> tuple[str, dict[str, str]]:
        return parse_params(self._raw(part, "content-disposition"), hints=self.hints)

    # -- decoding ---------------------------------------------------------------------
    def _payload_bytes(self, part: Message) -> bytes:
        """The decoded content of a part. Content sent as lines (7bit, 8bit; text and
        enclosed messages also in quoted-printable) comes back with LF line ends, whatever
        the mailbox format was; everything else byte for byte (base64 and uuencode decoded
        leniently)."""
        try:
            if id(part) in self.enclosed:
                return self.enclosed[id(part)].replace(b"\r\n", b"\n")
            inner = part.get_payload()
            if isinstance(inner, list):
                # an enclosed message or a delivery-status's header blocks, written back
                blocks = [m.as_bytes(policy=_RAW_POLICY) for m in inner if isinstance(m, Message)]
                data = b"".join(blocks).replace(b"\r\n", b"\n")
                return data.rstrip(b"\n") if data.strip() else b""
            raw = inner if isinstance(inner, str) else ""
            cte = (self._raw(part, "content-transfer-encoding") or "").strip().lower()
            if cte in ("x-uuencode", "uuencode", "x-uue", "uue"):
                return decode_uu(raw)
            decoded = part.get_payload(decode=True)
            if cte == "base64":
                broken = any("Base64" in type(d).__name__ for d in part.defects)
                if broken or not isinstance(decoded, bytes):
                    return decode_base64(raw)
                return decoded
            data = decoded if isinstance(decoded, bytes) else raw.encode("utf-8", "surrogateescape")
            if cte in ("", "7bit", "8bit") or part.get_content_type().startswith(_LINE_ORIENTED):
                return data.replace(b"\r\n", b"\n")
            return data
        except Exception as exc:
            self.defects.append(f"part could not be decoded: {type(exc).__name__}")
            return b""

    def _text(self, part: Message, params: dict[str, str]) -> str:
        data = self._payload_bytes(part)
        text, defect = decode_bytes(data, params.get("charset"), hints=self.hints)
        if defect:
            self.defects.append(defect)
        text = clean_text(text)
        if params.get("format", "").lower() == "flowed":
            text = unflow(text, delsp=params.get("delsp", "").lower() == "yes")
        return text

    # -- attachments ------------------------------------------------------------------
    def _filename(self, part: Message, ctype: str, ctype_params: dict[str, str]) -> str:
        _, disp_params = self._disposition(part)
        name = disp_params.get("filename") or ctype_params.get("name") or ""
        if name.strip():
            return safe_filename(name)
        description = decode_header(self._raw(part, "content-description"), hints=self.hints)
        if ctype == "message/rfc822":
            inner = part.get_payload()
            subject = ""
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                subject = decode_header(self._raw(inner[0], "subject"), hints=self.hints)
            stem = subject or description or "message"
            return self._generated(safe_filename(stem.replace("/", "_") + ".eml"))
        cid = (self._raw(part, "content-id") or "").strip().strip("<>").split("@", 1)[0]
        if _CID_FILENAME_RE.match(cid):
            return self._generated(safe_filename(cid))  # Outlook: image001.png@01D…
        if ctype.startswith("message/") and description and len(description) <= 100:
            return self._generated(safe_filename(description.replace("/", "_") + ".txt"))
        if ctype in _TYPE_NAMES:
            return self._generated(_TYPE_NAMES[ctype])
        base = _MAIN_NAMES.get(ctype.split("/", 1)[0], "file")
        if base == "file":
            return self._generated(base)
        ext = _EXT_FOR_TYPE.get(ctype) or mimetypes.guess_extension(ctype) or ""
        return self._generated(base + ("" if ext == ".bin" else ext))

    def _generated(self, name: str) -> str:
        """Number names we made up when they repeat: document.html, document1.html."""
        count = self.names.get(name, 0)
        self.names[name] = count + 1
        if not count:
            return name
        stem, dot, ext = name.rpartition(".")
        return f"{stem}{count}.{ext}" if dot else f"{name}{count}"

    def _attach(self, part: Message, ctype: str, params: dict[str, str]) -> None:
        if len(self.attachments) >= MAX_ATTACHMENTS:
            if len(self.attachments) == MAX_ATTACHMENTS:
                self.defects.append(f"more than {MAX_ATTACHMENTS} attachments; rest ignored")
                self.attachments.append(self.attachments[-1])  # marker, removed below
            return
        content = self._payload_bytes(part)
        disposition, _ = self._disposition(part)
        raw_cid = self._raw(part, "content-id")
        cid = decode_header(raw_cid).strip().strip("<>").strip() if raw_cid else ""
        self.attachments.append(
            Attachment(
                filename=self._filename(part, ctype, params),
                content_type=ctype,
                size=len(content),
                content_id=cid or None,
                inline=False,
                content=content,
                disposition=disposition if disposition in ("inline", "attachment") else "",
                description=decode_header(self._raw(part, "content-description"), hints=self.hints),
            )
        )

    def _is_attachment(self, part: Message, ctype: str, params: dict[str, str]) -> bool:
        disposition, disp_params = self._disposition(part)
        if disposition == "attachment":
            return True
        if ctype not in ("text/plain", "text/html"):
            return True
        return bool(disp_params.get("filename") or params.get("name"))

    # -- the walk -----------------------------------------------------------------------
    def body(self, part: Message, depth: int = 0) -> Body:
        ctype, params = self._ctype(part)
        if depth > MAX_DEPTH:
            self.defects.append(f"MIME nesting deeper than {MAX_DEPTH}; rest ignored")
            return Body()
        if ctype.startswith("message/"):
            self._attach(part, ctype, params)  # an enclosed message is a file, not body
            return Body()
        if not part.is_multipart():
            if ctype.startswith("multipart/"):
                # no boundary found: show what is there as text
                self.defects.append("multipart without usable boundary")
                return Body(plain=self._text(part, params))
            if self._is_attachment(part, ctype, params):
                self._attach(part, ctype, params)
                return Body()
            text = self._text(part, params)
            return Body(html=text) if ctype == "text/html" else Body(plain=text)
        children = [c for c in part.get_payload() if isinstance(c, Message)]
        subtype = ctype.split("/", 1)[1]
        if not children:
            preamble = (part.preamble or "").strip()
            self.defects.append("multipart without parts")
            return Body(plain=clean_text(preamble)) if preamble else Body()
        if subtype == "alternative":
            return self._alternative(children, depth)
        if subtype == "related":
            return self._related(children, params, depth)
        if subtype == "signed":
            first = self.body(children[0], depth + 1)
            for child in children[1:]:
                self._attach_any(child, depth)
            return first
        if subtype == "encrypted":
            for child in children:
                self._attach_any(child, depth)
            return Body()
        if subtype == "report":
            if depth == 0:
                self.report_type = params.get("report-type", "").lower() or None
            first = self.body(children[0], depth + 1)
            for child in children[1:]:
                self._collect_report_part(child)
                self._attach_any(child, depth)
            return first
        return self._mixed(children, depth)

    def _attach_any(self, part: Message, depth: int) -> None:
        ctype, params = self._ctype(part)
        if part.is_multipart() and ctype.startswith("multipart/") and depth < MAX_DEPTH:
            for child in part.get_payload():
                if isinstance(child, Message):
                    self._attach_any(child, depth + 1)
        else:
            self._attach(part, ctype, params)

    def _collect_report_part(self, part: Message) -> None:
        ctype, _ = self._ctype(part)
        if ctype == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                headers = "\n".join(f"{k}: {v}" for k, v in inner[0].raw_items())
                self.report_parts.append(ReportPart(ctype, headers))
            return
        if ctype.startswith(("message/", "text/")):
            text, _ = decode_bytes(self._payload_bytes(part), "utf-8")
            self.report_parts.append(ReportPart(ctype, text[:200_000]))

    def _alternative(self, children: list[Message], depth: int) -> Body:
        best = Body()
        for child in children:
            ctype, params = self._ctype(child)
            if not child.is_multipart() and (
                ctype not in ("text/plain", "text/html")
                or self._disposition(child)[0] == "attachment"
            ):
                self._attach(child, ctype, params)
                continue
            found = self.body(child, depth + 1)
            if found.html is not None and found.html.strip():
                best.html = found.html
            if (
                found.plain is not None
                and found.plain.strip()
                and (best.plain is None or found.html is None)
            ):
                best.plain = found.plain
        return best

    def _related(self, children: list[Message], params: dict[str, str], depth: int) -> Body:
        start = params.get("start", "").strip().strip("<>")
        root = children[0]
        if start:
            for child in children:
                raw_cid = self._raw(child, "content-id") or ""
                if raw_cid.strip().strip("<>") == start:
                    root = child
                    break
        body = self.body(root, depth + 1)
        for child in children:
            if child is not root:
                self._attach_any(child, depth)
        return body

    def _mixed(self, children: list[Message], depth: int) -> Body:
        bodies = [b for b in (self.body(child, depth + 1) for child in children) if not b.empty]
        if not bodies:
            return Body()
        if len(bodies) == 1:
            return bodies[0]
        plain: str | None = None
        html: str | None = None
        if any(b.plain is not None for b in bodies):
            plain = "\n\n".join(
                (b.plain if b.plain is not None else html_to_text(b.html or "")).strip("\n")
                for b in bodies
            )
        if any(b.html is not None for b in bodies):
            html = "\n".join(
                b.html if b.html is not None else text_to_html(b.plain or "") for b in bodies
            )
        return Body(plain=plain, html=html)


def decode_base64(text: str) -> bytes:
    """Base64 as mailers really send it: junk characters skipped, padding repaired, a
    dangling last character dropped."""
    cleaned = _B64_JUNK_RE.sub("", text)
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return binascii.a2b_base64(cleaned)
    except (binascii.Error, ValueError):
        return b""


def decode_uu(text: str) -> bytes:
    """uuencoded content, with or without its ``begin``/``end`` lines."""
    out: list[bytes] = []
    for line in text.replace("\r", "").split("\n"):
        if line.startswith("begin ") or not line.strip():
            continue
        if line.strip() in ("end", "`"):
            if line.strip() == "end":
                break
            continue
        try:
            out.append(binascii.a2b_uu(line.encode("latin-1", "replace")))
        except binascii.Error:
            # some encoders omit trailing spaces; take what the length byte promises
            length = (ord(line[0]) - 32) & 63
            try:
                out.append(binascii.a2b_uu(line.encode("latin-1", "replace"))[:length])
            except binascii.Error:
                continue
    return b"".join(out)


def walk(message: Message, *, hints: Sequence[str] = (), raw: bytes = b"") -> MimeResult:
    """Find the body and attachments of a parsed message (see the module docstring).

    ``hints`` are charsets declared elsewhere in the message, tried for undeclared 8-bit
    text. Never raises: a part that cannot be understood is recorded in ``defects``.
    """
    enclosed: dict[int, bytes] = {}
    if raw:
        try:
            locate_enclosed(_split_head(raw), message, enclosed)
        except Exception:
            enclosed.clear()
    walker = _Walker(hints, enclosed)
    try:
        body = walker.body(message)
    except RecursionError:
        walker.defects.append("MIME structure too deep")
        body = Body()
    except Exception as exc:
        walker.defects.append(f"MIME structure not understood: {type(exc).__name__}")
        body = Body()
    attachments = walker.attachments[:MAX_ATTACHMENTS]
    return MimeResult(
        plain=body.plain,
        html=body.html,
        attachments=attachments,
        defects=walker.defects,
        report_type=walker.report_type,
        report_parts=walker.report_parts,
    )
