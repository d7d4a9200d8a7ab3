"""Reply extraction: the visible new text of a reply, apart from quoted history and the
signature (pure, linear time, never raises).

How it reads a message, line by line:

1. Lines are classified: empty, quoted (``>``, also Supercite initials like ``JD>``),
   *attributions* ("On … wrote:", "Am … schrieb …:", "Le … a écrit :",
   "El … escribió:", "Op … schreef …:", "Il … ha scritto:", "W dniu … napisał:", Gmail's
   "2014-10-17 11:28 GMT+03:00 Name <…>:", in many more languages, even when wrapped over
   several lines), *original-message markers* ("-----Original Message-----", "-----
   Ursprüngliche Nachricht-----", …), *header blocks* (Outlook's "From: … Sent: … To: …
   Subject: …" in many languages), *forward markers* and text. Code fences are text.
2. From the bottom up, quoted history, attributions and the footers under them are hidden.
3. From the top down, the first attribution/marker/header block decides: history that is
   not quoted (Outlook style) is cut with everything under it; an attribution followed by a
   quote and then more of the sender's text (bottom-posting) loses only the attribution and
   the quote; interleaved answers (quote, answer, quote, answer) keep their quotes, and so
   does one quote with the sender's text above its attribution and an answer of three or
   more lines under it (an inline answer; a closing line or a signature is no answer). A
   forwarded message is kept whole: a forward is what the sender wants the desk to read.
4. A signature is split off: ``-- `` and similar delimiter lines, "Sent from my iPhone" and
   its kin in many languages, a short ``-Name`` line at the very end.

If nothing is left, the whole text is the reply (nothing must disappear from view).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from frontline.mail.reply_patterns import (
    ATTR_ADDRESS_END_RE,
    ATTR_DATE_RE,
    ATTR_DATE_START_RE,
    ATTR_MIDDLE_RE,
    ATTR_SENT_RE,
    CLOSING_WROTE_RE,
    DASH_NAME_RE,
    DELIMITER_RE,
    EVIDENCE_RE,
    FENCE_RE,
    FORWARD_RE,
    HEADER_RES,
    INLINE_HEADER_RE,
    LINK_ONLY_RE,
    MIDLINE_ON_RE,
    MOBILE_RE,
    ORIGINAL_RE,
    QUOTE_RE,
    SIG_DASHES_RE,
    STRONG_START_RE,
    WROTE_TAIL_RE,
    ends_with_wrote,
    has_wrote,
)

MAX_ANALYSED_CHARS = 250_000  # text beyond this is not analysed (see _extract)
_MAX_LINE_FOR_PATTERNS = 500  # longer lines are never attributions, headers or markers

EMPTY, QUOTE, SPLIT, CONT, FORWARD, TEXT = "e", "q", "s", "S", "f", "t"


@dataclass(frozen=True)
class ReplyParts:
    """``reply``: the new text without signature; ``signature``: what was split off the end
    of it ("" if none); ``quoted``: the history and footers that were hidden;
    ``forwarded``: the message forwards another one (kept in ``reply``)."""

    reply: str
    signature: str = ""
    quoted: str = ""
    forwarded: bool = False

    @property
    def reply_with_signature(self) -> str:
        """The unquoted text: reply and signature together."""
        if not self.signature:
            return self.reply
        return f"{self.reply}\n\n{self.signature}" if self.reply else self.signature


# --- line classification -----------------------------------------------------------------


def _header_kind(line: str) -> str | None:
    if len(line) > _MAX_LINE_FOR_PATTERNS or (":" not in line and "：" not in line):
        return None
    for key, regex in HEADER_RES.items():
        if regex.match(line):
            return key
    return None


def _could_attribute(line: str) -> bool:
    """Every attribution form carries a digit, an address, dashes or starts with "On"."""
    return bool(
        EVIDENCE_RE.search(line)
        or "--" in line
        or "__" in line
        or line.lstrip()[:3].lower() == "on "
    )


def _is_attribution(text: str) -> bool:
    """Is this (possibly joined) line an attribution? Cheap tests first: the forms all end
    with a "wrote" verb, a colon or an address, and carry a date, an address or "On"."""
    text = text.strip()
    if not text or len(text) > 600:
        return False
    tail = WROTE_TAIL_RE.search(text[-60:]) if ends_with_wrote(text) else None
    if tail:
        body = text[: len(text) - 60 + tail.start()] if len(text) > 60 else text[: tail.start()]
        wrapped = text.startswith(("--", "__")) and text.endswith(("--", "__"))
        if body.strip() and (wrapped or EVIDENCE_RE.search(body) or re.match(r"(?i)\s*on\s", body)):
            return True
    if not text.endswith((":", "：")) and not ATTR_DATE_START_RE.match(text):
        return False
    if not re.search(r"\d", text):
        return bool(ATTR_SENT_RE.match(text))
    if ("@" in text or "<" in text) and ATTR_MIDDLE_RE.search(text[-260:]):
        return True
    return bool(
        ATTR_SENT_RE.match(text) or ATTR_DATE_RE.match(text) or ATTR_ADDRESS_END_RE.match(text)
    )


def _header_block_at(lines: list[str], kinds_of: list[str | None], i: int) -> int:
    """Number of lines of the header block starting at ``i`` (0 if there is none).
    ``kinds_of`` holds :func:`_header_kind` of every line."""
    first = lines[i]
    kind = kinds_of[i]
    if kind not in ("from", "date"):
        return 0
    rest = first.split(":", 1)[-1] if ":" in first else first.split("：", 1)[-1]
    if kind == "from" and ("[mailto:" in first.lower() or INLINE_HEADER_RE.search(rest)):
        return 1
    kinds = {kind}
    evidence = "@" in first or "<" in first
    end = i + 1
    loose = 0
    j = i + 1
    while j < len(lines) and j < i + 12:
        line = lines[j]
        if len(line) > _MAX_LINE_FOR_PATTERNS:
            break
        found = kinds_of[j]
        if found:
            kinds.add(found)
            evidence = evidence or found == "subject" or "@" in line
            end, loose = j + 1, 0
        elif line.strip() and loose < 2:
            loose += 1  # a wrapped header value
        else:
            break
        j += 1
    if len(kinds) >= 2 and evidence:
        return end - i
    return 0


def _classify(lines: list[str]) -> list[str]:
    kinds = [TEXT] * len(lines)
    in_fence = False
    for i, line in enumerate(lines):
        if FENCE_RE.match(line):
            in_fence = not in_fence
        elif in_fence:
            continue
        elif not line.strip():
            kinds[i] = EMPTY
        elif QUOTE_RE.match(line) and not CLOSING_WROTE_RE.match(line):
            kinds[i] = QUOTE
    header_kinds = [
        _header_kind(line) if kind == TEXT else None
        for line, kind in zip(lines, kinds, strict=True)
    ]
    i = 0
    while i < len(lines):
        line = lines[i]
        if kinds[i] != TEXT or len(line) > _MAX_LINE_FOR_PATTERNS or FENCE_RE.match(line):
            i += 1
            continue
        if FORWARD_RE.match(line):
            kinds[i] = FORWARD
        elif ORIGINAL_RE.match(line):
            kinds[i] = SPLIT
        elif _could_attribute(line) and _is_attribution(line):
            start = _extend_back(lines, kinds, i)
            kinds[start] = SPLIT
            for k in range(start + 1, i + 1):
                kinds[k] = CONT if kinds[k] != EMPTY else EMPTY
        else:
            block = _header_block_at(lines, header_kinds, i)
            if block:
                kinds[i] = SPLIT
                for k in range(i + 1, i + block):
                    kinds[k] = CONT
                i += block
                continue
            wrapped = _wrapped_attribution(lines, kinds, i)
            if wrapped is not None:
                kinds[wrapped] = SPLIT
                for k in range(wrapped + 1, i + 1):
                    kinds[k] = CONT if kinds[k] != EMPTY else EMPTY
        i += 1
    return kinds


def _wrapped_attribution(lines: list[str], kinds: list[str], end: int) -> int | None:
    """If line ``end`` closes an attribution wrapped over several lines, its first line."""
    last = lines[end].strip()
    if not (last.endswith((":", "：", "-")) or ends_with_wrote(last)):
        return None
    window = " ".join(lines[max(0, end - 8) : end + 1])
    if not ("@" in window or "<" in window or has_wrote(window)):
        return None
    evidence = EVIDENCE_RE.search(window) or "--" in window or "__" in window
    if not evidence and not re.search(r"(?im)^\s*on\s", window):
        return None
    parts = [last]
    start = end
    k = end - 1
    found: int | None = None
    while k >= 0 and k >= end - 8 and len(parts) < 6:
        if kinds[k] == EMPTY:
            k -= 1
            continue
        if kinds[k] not in (TEXT, QUOTE) or len(lines[k]) > _MAX_LINE_FOR_PATTERNS:
            break
        if kinds[k] == QUOTE and lines[k].strip() not in ("<", ">"):
            break
        parts.insert(0, lines[k].strip())
        start = k
        joined = " ".join(parts)
        if len(joined) > 600:
            break
        if _is_attribution(joined):
            found = start
            break
        k -= 1
    if found is None:
        return None
    return _extend_back(lines, kinds, found)


def _extend_back(lines: list[str], kinds: list[str], start: int) -> int:
    """Lines above a recognised attribution that still belong to it: "On <date> <name>"
    broken before the address, a line ending in "<", a lone "<" (Polymail)."""
    k = start - 1
    while k >= 0 and k >= start - 4:
        if kinds[k] == EMPTY:
            k -= 1
            continue
        if kinds[k] not in (TEXT, QUOTE) or len(lines[k]) > _MAX_LINE_FOR_PATTERNS:
            break
        text = lines[k].strip()
        if (
            text in ("<", ">")
            or text.endswith(("<", "("))
            or (STRONG_START_RE.match(text) and not text.endswith((".", "!", "?")))
        ):
            start = k
            k -= 1
            continue
        break
    return start


# --- the three passes --------------------------------------------------------------------


def _strip_blank_end(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and (not lines[end - 1].strip(" \t>") or DELIMITER_RE.match(lines[end - 1])):
        end -= 1
    return lines[:end]


def _signature_block_start(lines: list[str], kinds: list[str], end: int) -> int | None:
    """Start of a delimiter-led signature/footer that ends at ``end`` (else None)."""
    nonempty = 0
    for k in range(end - 1, max(-1, end - 30), -1):
        if kinds[k] in (QUOTE, SPLIT, CONT):
            return None
        if kinds[k] == EMPTY:
            continue
        if DELIMITER_RE.match(lines[k]) or MOBILE_RE.match(lines[k].strip()):
            return k
        nonempty += 1
        if nonempty > 12:
            return None
    return None


def _hide_tail(lines: list[str], kinds: list[str], *, html: bool) -> int:
    """Index where the trailing history starts: the quote at the end with the attribution
    that introduces it, and footers under it. In plain text, a short quote (under three
    lines) at the end of a message without any attribution or marker is the sender's own
    text; in HTML a blockquote is always a quote."""
    has_marker = html or any(kind in (SPLIT, FORWARD) for kind in kinds)
    end = len(lines)
    while True:
        while end and kinds[end - 1] == EMPTY:
            end -= 1
        if not end:
            return end
        if kinds[end - 1] == QUOTE:
            start = end
            while start and kinds[start - 1] in (QUOTE, EMPTY):
                start -= 1
            while start < end and kinds[start] == EMPTY:
                start += 1
            quoted_lines = sum(1 for k in range(start, end) if kinds[k] == QUOTE)
            if not has_marker and quoted_lines < 3 and not _quotes_attribution(lines[start:end]):
                return end
            end = start
            above = end
            while above and kinds[above - 1] == EMPTY:
                above -= 1
            if above and kinds[above - 1] in (SPLIT, CONT):
                while above and kinds[above - 1] == CONT:
                    above -= 1
                return above - 1 if above else 0
            return end
        if kinds[end - 1] in (SPLIT, CONT):
            while end and kinds[end - 1] == CONT:
                end -= 1
            end -= 1  # the attribution itself, with nothing under it
            continue
        footer = _signature_block_start(lines, kinds, end)
        if footer is None:
            return end
        above = footer
        while above and kinds[above - 1] == EMPTY:
            above -= 1
        if not (above and kinds[above - 1] in (QUOTE, CONT, SPLIT)):
            return end
        end = footer


def _quotes_attribution(lines: list[str]) -> bool:
    return any(_is_attribution(line.lstrip(" >")) for line in lines[:10])


def _rejoin_link_breaks(lines: list[str], kinds: list[str]) -> None:
    """A long link wrapped out of a quote is still part of the quote."""
    for k in range(1, len(lines) - 1):
        if (
            kinds[k] == TEXT
            and kinds[k - 1] == QUOTE
            and kinds[k + 1] == QUOTE
            and (LINK_ONLY_RE.match(lines[k]) or "(http" in lines[k - 1] or "<http" in lines[k - 1])
        ):
            kinds[k] = QUOTE


def _top_down(lines: list[str], kinds: list[str]) -> tuple[list[str], list[str], bool]:
    """(kept lines, hidden lines, forwarded) for the lines above the hidden tail."""
    hidden: list[str] = []
    while True:
        first = next((k for k, kind in enumerate(kinds) if kind in (SPLIT, FORWARD)), None)
        if first is None:
            return lines, hidden, False
        if kinds[first] == FORWARD:
            return lines, hidden, True
        before = lines[:first]
        after_split = first + 1
        while after_split < len(kinds) and kinds[after_split] == CONT:
            after_split += 1
        k = after_split
        while k < len(kinds) and kinds[k] == EMPTY:
            k += 1
        if k < len(kinds) and kinds[k] == QUOTE:
            block_end = k
            while block_end < len(kinds) and kinds[block_end] in (QUOTE, EMPTY):
                block_end += 1
            rest_kinds = kinds[block_end:]
            if QUOTE in rest_kinds:
                return lines, hidden, False  # interleaved answers: keep the context
            if any(kinds[j] == TEXT for j in range(first)) and _answers_below(
                lines[block_end:], rest_kinds
            ):
                # the sender writes above the attribution and answers under the quote
                # (more than a closing line or a signature): an inline answer to that one
                # quote, not a reply under the history; the quote is its context, only
                # the attribution goes
                hidden.extend(lines[first:after_split])
                lines = before + lines[after_split:]
                kinds = kinds[:first] + kinds[after_split:]
                continue
            hidden.extend(lines[first:block_end])
            lines = before + lines[block_end:]
            kinds = kinds[:first] + rest_kinds
            continue
        if not any(kinds[j] in (TEXT, QUOTE) for j in range(first)):
            # nothing above the attribution: it is not where history starts, read on
            hidden.extend(lines[:after_split])
            lines, kinds = lines[after_split:], kinds[after_split:]
            continue
        hidden.extend(lines[first:])
        return before, hidden, False


def _answers_below(lines: list[str], kinds: list[str]) -> bool:
    """Whether the text under a quote is an answer: at least three lines of text before
    any signature (a closing such as "Regards, Roman" or a footer is not)."""
    signature = _signature_start(lines)
    end = len(lines) if signature is None else signature
    return sum(1 for k in range(end) if kinds[k] == TEXT) >= 3


def _signature_start(lines: list[str]) -> int | None:
    in_fence = False
    nonempty = [k for k, line in enumerate(lines) if line.strip()]
    for position, k in enumerate(nonempty):
        line = lines[k]
        if FENCE_RE.match(line):
            in_fence = not in_fence
        if in_fence or position == 0:
            continue  # a signature never starts the message
        stripped = line.strip()
        remaining = len(nonempty) - position - 1
        if SIG_DASHES_RE.match(line) or stripped == "--":
            return k
        if DELIMITER_RE.match(line) and remaining <= 15:
            return k
        if MOBILE_RE.match(stripped):
            following = lines[nonempty[position + 1]].strip() if remaining else ""
            if remaining <= 15 or MOBILE_RE.match(following):
                return k
        if remaining <= 2 and DASH_NAME_RE.match(line):
            previous = lines[nonempty[position - 1]].strip()
            if not re.match(r"^[-*•\d]", previous) and not previous.endswith(":"):
                return k
    return None


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """(body lines, signature lines); the body is never left empty. A signature can sit on
    top of a footer ("-Name" above a mailing list footer), so this repeats."""
    signature: list[str] = []
    for _ in range(3):
        start = _signature_start(lines)
        if start is None:
            break
        signature = lines[start:] + ([""] if signature else []) + signature
        lines = _strip_blank_end(lines[:start])
    return lines, signature


def extract_reply(text: str, *, html: bool = False) -> ReplyParts:
    """Split a plain-text message body into its new reply, signature and quoted history.

    Works on text from plain-text parts and on text made from HTML by
    :func:`~frontline.mail.htmltext.html_to_text` (blockquotes become ``>`` lines; pass
    ``html=True`` so that every blockquote counts as a quote). Never raises; linear time
    (text beyond :data:`MAX_ANALYSED_CHARS` counts as history).
    """
    if not text or not text.strip():
        return ReplyParts(reply="")
    try:
        return _extract(text, html=html)
    except Exception:
        return ReplyParts(reply=text.strip())


def _extract(text: str, *, html: bool) -> ReplyParts:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    overflow = ""
    if len(text) > MAX_ANALYSED_CHARS:
        cut = text.rfind("\n", 0, MAX_ANALYSED_CHARS)
        cut = cut if cut > 0 else MAX_ANALYSED_CHARS
        text, overflow = text[:cut], text[cut:]
    lines = text.split("\n")
    # "reply On <date>, <name> wrote:" sharing one line
    expanded: list[str] = []
    for line in lines:
        candidate = (
            len(line) <= _MAX_LINE_FOR_PATTERNS
            and (" On " in line or "-On " in line)
            and line.rstrip().endswith(":")
            and ("wrote" in line or "sent" in line)
        )
        match = MIDLINE_ON_RE.match(line) if candidate else None
        if match and re.search(r"\d", match.group("attr")) and not QUOTE_RE.match(line):
            expanded.extend([match.group("pre").rstrip(" -"), match.group("attr")])
        else:
            expanded.append(line)
    lines = expanded
    kinds = _classify(lines)
    _rejoin_link_breaks(lines, kinds)
    tail = _hide_tail(lines, kinds, html=html)
    kept, hidden, forwarded = _top_down(lines[:tail], kinds[:tail])
    hidden = hidden + lines[tail:]
    kept = _strip_blank_end(kept)
    body, signature = _split_signature(kept) if not forwarded else (kept, [])
    body = _strip_blank_end(body)
    if overflow and not hidden:
        # nothing was history up to the cut: the rest is more of the same text
        body.append(overflow.strip("\n"))
        overflow = ""
    reply = "\n".join(body).strip("\n")
    quoted = ("\n".join(hidden) + overflow).strip("\n")
    if not reply.strip():
        # nothing new found (a bare quote, or answers written into the quote): show all
        return ReplyParts(reply=text.strip() + overflow.rstrip(), forwarded=forwarded)
    return ReplyParts(
        reply=reply.rstrip(),
        signature="\n".join(signature).strip("\n"),
        quoted=quoted,
        forwarded=forwarded,
    )


def split_signature(text: str) -> tuple[str, str | None]:
    """Split a reply (already without quoted history) into body and signature; the
    signature is None when there is none. A text that would be all signature has none."""
    lines = text.replace("\r\n", "\n").split("\n")
    body, signature = _split_signature(lines)
    if not signature:
        return text, None
    return "\n".join(_strip_blank_end(body)).strip("\n"), "\n".join(signature).strip("\n")
