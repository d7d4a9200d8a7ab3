"""Header decoding: RFC 2047 encoded words, RFC 2231 parameters, 8-bit headers, address
lists and Message-IDs (pure, never raises, linear time).

The standard library's header classes are exact about the RFCs; real mail is not. These
functions take the raw header text (as the ``email`` package keeps it, 8-bit bytes
surrogate-escaped) and decode what the sender meant, falling back through the charsets
the message itself declares, UTF-8 and cp1252.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from frontline.mail.text import clean_line, decode_bytes, single_line

MAX_HEADER_CHARS = 65_536  # longer header values are cut before any work is done
MAX_MESSAGE_IDS = 200

_FOLD_RE = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
_QP_BYTE_RE = re.compile(rb"=([0-9A-Fa-f]{2})")
_B64_JUNK_RE = re.compile(r"[^A-Za-z0-9+/]")


def raw_to_text(raw: str, *, hints: Sequence[str] = ()) -> str:
    """A raw header value (8-bit bytes surrogate-escaped, as the ``email`` package keeps
    them) as text: UTF-8 if it is valid UTF-8, else the message's other charsets, else
    cp1252. Folding is undone; encoded words are *not* decoded here."""
    raw = raw[:MAX_HEADER_CHARS]
    raw = _FOLD_RE.sub("", raw)
    if raw.isascii():
        return raw
    data = raw.encode("utf-8", "surrogateescape")
    text, _ = decode_bytes(data, None, hints=hints)
    return text


def _decode_q(payload: str) -> bytes:
    data = payload.replace("_", " ").encode("utf-8", "surrogateescape")
    return _QP_BYTE_RE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _decode_b(payload: str) -> bytes:
    cleaned = _B64_JUNK_RE.sub("", payload)
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        return binascii.a2b_base64(cleaned)
    except (binascii.Error, ValueError):
        return payload.encode("utf-8", "surrogateescape")


def decode_words(text: str, *, hints: Sequence[str] = ()) -> str:
    """Decode RFC 2047 encoded words in ``text``, leniently.

    Adjacent encoded words are joined (the whitespace between them dropped, as the RFC
    says) and words in the same charset are decoded together, so a multi-byte character
    split across two words survives. Q text may contain ``?`` (many encoders forget to
    escape it): a word ends at the first ``?=``. A word with a broken charset falls back
    like :func:`~frontline.mail.text.decode_bytes`; malformed words stay as they are.
    """
    if "=?" not in text:
        return text
    pieces: list[tuple[str | None, str | bytes]] = []  # (charset, bytes) or (None, text)
    position = 0
    while True:
        start = text.find("=?", position)
        if start < 0:
            break
        mark = text.find("?", start + 2, start + 80)
        if (
            mark < 0
            or mark + 2 >= len(text)
            or text[mark + 2] != "?"
            or text[mark + 1] not in "QqBb"
            or mark == start + 2
            or any(c.isspace() for c in text[start + 2 : mark])
        ):
            pieces.append((None, text[position : start + 2]))
            position = start + 2
            continue
        end = text.find("?=", mark + 3)
        if end < 0:
            break
        between = text[position:start]
        if between and not (between.isspace() and pieces and pieces[-1][0] is not None):
            pieces.append((None, between))
        charset = text[start + 2 : mark]
        payload = text[mark + 3 : end]
        data = _decode_q(payload) if text[mark + 1] in "Qq" else _decode_b(payload)
        if pieces and pieces[-1][0] is not None and pieces[-1][0].lower() == charset.lower():
            previous = pieces[-1][1]
            assert isinstance(previous, bytes)
            pieces[-1] = (pieces[-1][0], previous + data)
        else:
            pieces.append((charset, data))
        position = end + 2
    pieces.append((None, text[position:]))
    out: list[str] = []
    for word_charset, value in pieces:
        if word_charset is None:
            assert isinstance(value, str)
            out.append(value)
        else:
            assert isinstance(value, bytes)
            out.append(decode_bytes(value, word_charset, hints=hints)[0])
    return "".join(out)


def decode_header(raw: str | None, *, hints: Sequence[str] = ()) -> str:
    """A raw unstructured header (Subject, Content-Description, ...) as one clean line of
    text: 8-bit bytes and encoded words decoded, no control characters, no line breaks."""
    if not raw:
        return ""
    return single_line(decode_words(raw_to_text(raw, hints=hints), hints=hints))


# --- addresses ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """One mailbox from an address header. ``email`` is as written (not validated);
    ``name`` is the decoded display name, or "" if there is none."""

    email: str
    name: str = ""


def _split_mailboxes(value: str) -> list[str]:
    """Split an address list at top-level commas/semicolons; group names are dropped."""
    parts: list[str] = []
    buf: list[str] = []
    in_quote = in_angle = escape = False
    comment = 0
    seen_at = in_word = False
    previous = ""
    for ch in value:
        if not in_quote and not comment:
            # inside an encoded word a ":" or "," is text, not syntax
            if not in_word and previous == "=" and ch == "?":
                in_word = True
            elif in_word and previous == "?" and ch == "=":
                in_word = False
        previous = ch
        if in_word:
            buf.append(ch)
            continue
        if escape:
            buf.append(ch)
            escape = False
            continue
        if in_quote:
            buf.append(ch)
            if ch == "\\":
                escape = True
            elif ch == '"':
                in_quote = False
            continue
        if comment:
            buf.append(ch)
            if ch == "\\":
                escape = True
            elif ch == "(":
                comment += 1
            elif ch == ")":
                comment -= 1
            continue
        if ch == '"':
            in_quote = True
        elif ch == "(":
            comment = 1
        elif ch == "<":
            in_angle = True
        elif ch == ">":
            in_angle = False
        elif ch in ",;" and not in_angle:
            parts.append("".join(buf))
            buf, seen_at = [], False
            continue
        elif ch == ":" and not in_angle and not seen_at and "<" not in buf:
            buf, seen_at = [], False  # "Group name:" or a stray "mailto:"
            continue
        elif ch == "@":
            seen_at = True
        buf.append(ch)
    parts.append("".join(buf))
    return [part for part in parts if part.strip()]


def _tokens(mailbox: str) -> list[tuple[str, str]]:
    """Tokens of one mailbox: ("q", quoted), ("c", comment), ("a", angle), ("w", word),
    (" ", whitespace)."""
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(mailbox)
    while i < n:
        ch = mailbox[i]
        if ch.isspace():
            j = i
            while j < n and mailbox[j].isspace():
                j += 1
            tokens.append((" ", " "))
            i = j
        elif ch == '"':
            j, buf = i + 1, []
            while j < n and mailbox[j] != '"':
                if mailbox[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(mailbox[j])
                j += 1
            tokens.append(("q", "".join(buf)))
            i = j + 1
        elif ch == "(":
            depth, j, buf = 1, i + 1, []
            while j < n and depth:
                c = mailbox[j]
                if c == "\\" and j + 1 < n:
                    j += 1
                    c = mailbox[j]
                elif c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                    if not depth:
                        break
                buf.append(c)
                j += 1
            tokens.append(("c", "".join(buf)))
            i = j + 1
        elif ch == "<":
            j = mailbox.find(">", i + 1)
            j = n if j < 0 else j
            tokens.append(("a", mailbox[i + 1 : j]))
            i = j + 1
        else:
            j = i
            while j < n and not mailbox[j].isspace() and mailbox[j] not in '"(<':
                j += 1
            word = mailbox[i:j]
            if tokens and tokens[-1][0] == "q" and word.startswith("@"):
                # "quoted local part"@domain: one address, keep the quotes
                tokens[-1] = ("w", f'"{tokens[-1][1]}"{word}')
            else:
                tokens.append(("w", word))
            i = j
    return tokens


def _clean_email(value: str, hints: Sequence[str]) -> str:
    value = decode_words(value.strip(), hints=hints)
    value = single_line(value, limit=998)
    if value.lower().startswith("mailto:"):
        value = value[7:]
    return value.strip().strip("<>").strip()


def _mailbox(mailbox: str, hints: Sequence[str]) -> Address | None:
    tokens = _tokens(mailbox)
    angles = [value for kind, value in tokens if kind == "a"]
    comments = " ".join(value for kind, value in tokens if kind == "c").strip()
    if angles:
        first_angle = next(i for i, (kind, _) in enumerate(tokens) if kind == "a")
        phrase = "".join(value for kind, value in tokens[:first_angle] if kind in "qw ")
        email = _clean_email(angles[-1], hints)
        name = phrase.strip() or comments
    else:
        words: list[list[str]] = [[]]
        for kind, value in tokens:
            if kind == " ":
                words.append([])
            elif kind == "q":
                words[-1].append(f'"{value}"' if "@" not in value else value)
            elif kind == "w":
                words[-1].append(value)
        # no angle brackets: all of it is the address, as the standard library reads it
        # ("Test test@example.com" is one broken address, not a name and an address)
        email = _clean_email(" ".join("".join(word) for word in words if word), hints)
        name = comments
    name = single_line(decode_words(name, hints=hints), limit=500).strip().strip('"').strip()
    if not email:
        return None
    return Address(email=email, name=name)


def parse_addresses(raw: str | None, *, hints: Sequence[str] = ()) -> list[Address]:
    """Every mailbox in a raw address header (From, To, Cc, Reply-To, ...), in order.

    Tolerant of what real mail contains: encoded words inside quotes or in the address,
    8-bit names, comments as names (``x@y (Name)``), missing angle brackets, groups, stray
    brackets. Mailboxes without an address are skipped. Names and addresses never contain
    line breaks or control characters.
    """
    if not raw:
        return []
    text = raw_to_text(raw, hints=hints)
    found: list[Address] = []
    for mailbox in _split_mailboxes(text):
        address = _mailbox(mailbox, hints)
        if address is not None:
            found.append(address)
    return found


# --- Message-IDs -------------------------------------------------------------------------

_MSGID_RE = re.compile(r"<([^<>\s]{1,998})>")
_ID_SPLIT_RE = re.compile(r"[\s<>,;\"()]+")


def parse_message_ids(raw: str | None) -> list[str]:
    """The Message-IDs in a Message-ID, In-Reply-To or References header, each as
    ``<local@domain>``; ids written without angle brackets are accepted too."""
    if not raw:
        return []
    text = single_line(raw_to_text(raw), limit=MAX_HEADER_CHARS)
    ids = [f"<{m.group(1)}>" for m in _MSGID_RE.finditer(text)]
    if not ids:
        ids = [
            f"<{token}>" for token in _ID_SPLIT_RE.split(text) if "@" in token and len(token) < 999
        ]
    seen: set[str] = set()
    unique: list[str] = []
    for value in ids:
        if value not in seen:
            seen.add(value)
            unique.append(value)
    return unique[-MAX_MESSAGE_IDS:]


def normalize_message_id(raw: str | None) -> str | None:
    """One Message-ID as ``<local@domain>``, or None when there is none."""
    ids = parse_message_ids(raw)
    return ids[0] if ids else None


# --- parameters (Content-Type, Content-Disposition) ---------------------------------------


def _split_params(value: str) -> list[str]:
    parts: list[str] = []
    buf: list[str] = []
    in_quote = escape = False
    for ch in value:
        if escape:
            buf.append(ch)
            escape = False
        elif in_quote:
            buf.append(ch)
            if ch == "\\":
                escape = True
            elif ch == '"':
                in_quote = False
        elif ch == '"':
            in_quote = True
            buf.append(ch)
        elif ch == ";":
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value.strip('"')


def parse_params(raw: str | None, *, hints: Sequence[str] = ()) -> tuple[str, dict[str, str]]:
    """Split a Content-Type or Content-Disposition value into its lower-cased main value and
    its decoded parameters (names lower-cased).

    Handles RFC 2231 (``name*=utf-8''%C3%A4``, ``name*0*=…; name*1=…``), RFC 2047 words in
    quoted values (common though not allowed), 8-bit values, and broken charsets.
    """
    if not raw:
        return "", {}
    text = raw_to_text(raw, hints=hints)
    parts = _split_params(text)
    main = parts[0].strip().strip('"').lower()
    simple: dict[str, str] = {}
    extended: dict[str, str] = {}
    sections: dict[str, dict[int, tuple[bool, str]]] = {}
    for part in parts[1:]:
        name, sep, value = part.partition("=")
        if not sep:
            continue
        name = name.strip().lower()
        if not name:
            continue
        if "*" in name:
            base, _, rest = name.partition("*")
            if rest == "":
                extended[base] = value.strip()
                continue
            is_ext = rest.endswith("*")
            number = rest.rstrip("*")
            if number.isdigit() and len(sections.get(base, {})) < 100:
                sections.setdefault(base, {})[int(number)] = (is_ext, _unquote(value))
                continue
        simple.setdefault(name, _unquote(value))
    params: dict[str, str] = {}
    for name, value in simple.items():
        params[name] = clean_line(decode_words(value, hints=hints))
    for name, value in extended.items():
        params[name] = _decode_2231([(True, _unquote(value))], hints)
    for name, numbered in sections.items():
        params[name] = _decode_2231([numbered[k] for k in sorted(numbered)], hints)
    return main, params


def _decode_2231(segments: Iterable[tuple[bool, str]], hints: Sequence[str]) -> str:
    charset: str | None = None
    data = b""
    for index, (is_ext, value) in enumerate(segments):
        if is_ext:
            if index == 0 and value.count("'") >= 2:
                charset, _, value = value.split("'", 2)
            data += unquote_to_bytes(value.encode("utf-8", "surrogateescape"))
        else:
            data += value.encode("utf-8", "surrogateescape")
    text, _ = decode_bytes(data, charset or None, hints=hints)
    return clean_line(decode_words(text, hints=hints))
