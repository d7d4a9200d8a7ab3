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
   the quote; interleaved answers (quote, answer, quote, answer) keep their quotes. A
   forwarded message is kept whole: a forward is what the sender wants the desk to read.
4. A signature is split off: ``-- `` and similar delimiter lines, "Sent from my iPhone" and
   its kin in many languages, a short ``-Name`` line at the very end.

If nothing is left, the whole text is the reply (nothing must disappear from view).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


# --- patterns ----------------------------------------------------------------------------

_WROTE = (
    r"(?:wrote|writes|schrieb|schreibt|schreef|het\s+volgende\s+geschreven|geschreven"
    r"|a\s+[ée]crit|[ée]crit|escribe|scrive|pisze|skriver"
    r"|escribi[óo]|ha\s+scritto|scrisse|napisa[łl](?:a|\(a\))?|escreveu|skrev|kirjoitti"
    r"|написал(?:а|\(а\))?|написав|пише|写道|寫道|đã\s+viết|yazd[ıi]|έγραψε|napsal[a]?"
    r"|írta|a\s+scris)"
)
_COLON = r"[:：]"
# "… wrote:" at the end (with the common decorations): On …, Am …, Le …, El …, Op …
# "Name <addr> schrieb am Fr., 28. Apr. 2017 um 11:53 Uhr:" / "… skrev Name <addr>:"
_ATTR_MIDDLE_RE = re.compile(rf"(?:^|[\s>)\]\"'])(?:{_WROTE})\s.{{1,200}}{_COLON}\s*$", re.I)
_ATTR_SENT_RE = re.compile(r"^\s*On\s.{3,300}\ssent\s*:\s*$", re.IGNORECASE)
# Gmail: "2014-10-17 11:28 GMT+03:00 Name <addr>:" and "2011/4/7 Name <addr>"
_ATTR_DATE_RE = re.compile(
    r"^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日)"
    r"(?:.{0,200}(?:<[^<>\s]*@[^<>\s]*>|\S+@\S+)\s*:?|\s+\d{1,2}:\d{2}\s+GMT[+-]\d{1,2}:?\d{2}.{0,200})"
    r"\s*$"
)
_STRONG_START_RE = re.compile(
    r"^(?:[-*_]{2,}\s*)?(?:on|am|le|el|op|il|w\s+dniu|dnia|em|den|på|vào|dne)\s.{0,80}\d",
    re.IGNORECASE,
)
_WROTE_TAIL_RE = re.compile(rf"(?:^|[\s>)\]\"'])(?:{_WROTE})\s*{_COLON}?[\s*_-]*$", re.IGNORECASE)
# plain stems of the verbs above, for a fast "could this be one?" test
_WROTE_STEMS = (
    "wrote", "writes", "schrieb", "schreibt", "schreef", "geschreven", "crit", "escrib",
    "scritto", "scrive", "scrisse", "pisze", "napisa", "escreveu", "skre", "kirjoitti",
    "написа", "пише", "写道", "寫道", "viết", "yazd", "έγραψε", "napsal", "írta", "scris",
)  # fmt: skip


_WROTE_LAST_WORDS = {
    "wrote", "writes", "schrieb", "schreibt", "schreef", "geschreven", "écrit", "ecrit",
    "escribió", "escribio", "escribe", "scritto", "scrive", "scrisse", "pisze", "napisał",
    "napisała", "napisał(a)", "napisal", "escreveu", "skrev", "skriver", "kirjoitti",
    "написал", "написала", "написал(а)", "написав", "пише", "viết", "yazdı", "yazdi",
    "έγραψε", "napsal", "napsala", "írta", "scris",
}  # fmt: skip


def _ends_with_wrote(text: str) -> bool:
    """Does the text end with a "wrote" verb (before a colon or dashes)? O(1)."""
    tail = text.rstrip(" \t:：*_-")
    if tail.endswith(("写道", "寫道")):
        return True
    last = tail.rsplit(None, 1)[-1] if tail else ""
    return last.lstrip(">)]\"'").lower() in _WROTE_LAST_WORDS


def _has_wrote(text: str) -> bool:
    low = text.lower()
    return any(stem in low for stem in _WROTE_STEMS)


_EVIDENCE_RE = re.compile(r"\d|@|<")
_ATTR_DATE_START_RE = re.compile(r"^\s*\d{4}[-/.年]")
_CLOSING_WROTE_RE = re.compile(rf"^\s*>\s*(?:(?:{_WROTE})\s*)?{_COLON}\s*$", re.IGNORECASE)
# "26.06.2014, 14:41, "Name" <addr>:" (Yandex, Mail.ru and others without a verb)
_ATTR_ADDRESS_END_RE = re.compile(r"^.{0,200}\d.{0,200}<[^<>\s]+@[^<>]+>\s*[:：]\s*$")
_MIDLINE_ON_RE = re.compile(
    r"^(?P<pre>.*?\S)\s*(?:-{2,}\s*)?(?P<attr>On\s.{3,300}?\s(?:wrote|sent)\s*:)\s*$"
)

_ORIGINAL = (
    r"original message|reply message|original e-?mail|urspr[üu]ngliche (?:nachricht|e-mail)"
    r"|antwort nachricht|originalnachricht|oprindelig meddelelse|message d'origine"
    r"|message original|mensaje original|messaggio originale|oorspronkelijk bericht"
    r"|origineel bericht|wiadomo[śs][ćc] oryginalna|oryginalna wiadomo[śs][ćc]"
    r"|mensagem original|ursprungligt meddelande|opprinnelig melding|alkuper[äa]inen viesti"
    r"|исходное сообщение|оригинальное сообщение|原始邮件|原始郵件|元のメッセージ"
    r"|p[ůu]vodn[íi] zpr[áa]va|eredeti [üu]zenet|orijinal mesaj"
)
_FORWARDED = (
    r"forwarded message|forwarded e-?mail|begin forwarded message|weitergeleitete nachricht"
    r"|anfang der weitergeleiteten nachricht|message transf[ée]r[ée]"
    r"|d[ée]but du message r[ée]exp[ée]di[ée]|message r[ée]exp[ée]di[ée]|mensaje reenviado"
    r"|inicio del mensaje reenviado|messaggio inoltrato|inizio messaggio inoltrato"
    r"|doorgestuurd bericht|begin doorgestuurd bericht|wiadomo[śs][ćc] przekazana"
    r"|przekazana wiadomo[śs][ćc]|mensagem encaminhada|vidarebefordrat meddelande"
    r"|videresendt (?:meddelelse|melding)|v[äa]litetty viesti|пересланное сообщение"
    r"|转发的邮件|轉寄的郵件|転送されたメッセージ"
)
_DECOR = r"[\s*_=~-]*"
_ORIGINAL_RE = re.compile(rf"^{_DECOR}(?:{_ORIGINAL}){_COLON}?{_DECOR}$", re.IGNORECASE)
_FORWARD_RE = re.compile(rf"^{_DECOR}(?:{_FORWARDED}){_COLON}?{_DECOR}$", re.IGNORECASE)

_HEADER_KEYS = {
    "from": r"from|von|de|da|van|od|fra|fr[åa]n|l[äa]hett[äa]j[äa]|от|від|kimden|felad[óo]"
    r"|από|发件人|寄件者|差出人|送信者|보낸\s*사람|afzender|exp[ée]diteur|remitente|mittente",
    "date": r"sent|date|gesendet|datum|envoy[ée]|enviad[oa]|fecha|inviato|data|verzonden"
    r"|verstuurd|wys[łl]ano|wys[łl]ane|sendt|skickat|l[äa]hetetty|отправлено|дата|tarih"
    r"|g[öo]nderildi|发送时间|日期|傳送時間|寄件日期|送信日時|日付|날짜|odesl[áa]no|elk[üu]ldve",
    "to": r"to|an|[àa]|para|aan|do|til|till|vastaanottaja|кому|kime|c[íi]mzett|προς|收件人"
    r"|收件者|宛先|받는\s*사람|destinataire|destinatario",
    "cc": r"cc|kopie|copie\s+[àa]|copia|kopia|kopio|копия|bilgi|m[áa]solat|抄送|副本",
    "subject": r"subject|betreff|objet|asunto|oggetto|onderwerp|temat|emne|[äa]mne|aihe|тема"
    r"|konu|t[áa]rgy|θέμα|主题|主旨|件名|제목|assunto|p[řr]edm[ěe]t",
    "reply": r"reply-to|antwort an|r[ée]pondre [àa]|responder a|risposta|odpowied[źz] do",
}
_HEADER_RES = {
    key: re.compile(rf"^\s*[*_]{{0,2}}\s*(?:{words})\s*[*_]{{0,2}}\s*{_COLON}", re.IGNORECASE)
    for key, words in _HEADER_KEYS.items()
}
_INLINE_HEADER_RE = re.compile(
    r"(?:sent|date|subject|gesendet|datum|betreff|envoy[ée]|objet|enviado|asunto|verzonden"
    r"|onderwerp|inviato|oggetto)\s*[*_]{0,2}\s*[:：]",
    re.IGNORECASE,
)

_DELIMITER_RE = re.compile(r"^\s*(?:-{2,}|_{2,}|\*{3,}|#{3,}|~{3,}|={3,}|\+{3,}|ᐧ)\s*$")
_SIG_DASHES_RE = re.compile(r"^-- ?$")
_DASH_NAME_RE = re.compile(r"^\s*-\s?[^\W\d_][\w.'’]*(?:\s[\w.'’]+)?\.?\s*$")
_MOBILE_RE = re.compile(
    r"^\W{0,3}(?:"
    r"sent (?:from|via|with|using) (?:my )?[\w®™&'’.-]+(?:[\s,]+[\w®™&'’.-]+){0,4}"
    r"(?:[.!]?\s*(?:please )?(?:excuse|pardon) .{0,80})?"
    r"|sent from (?:\[?mail\]?|yahoo mail|outlook|mailbox|windows mail)\b.{0,120}"
    r"|get (?:\[)?outlook for (?:ios|android).{0,120}"
    r"|(?:from|sent from) my (?:iphone|ipad|android|mobile|phone|blackberry|samsung)\b.{0,40}"
    r"|envoy[ée] (?:de|depuis) (?:mon|ma) .{1,60}"
    r"|(?:von meinem|gesendet von meinem|gesendet mit|gesendet vom) .{1,60}"
    r"|diese nachricht wurde von meinem .{1,100} gesendet\.?"
    r"|enviado (?:desde|de|do) (?:mi|meu|o meu|my) .{1,60}"
    r"|inviato da(?:l mio)? .{1,60}"
    r"|(?:verzonden|verstuurd) (?:vanaf|met|van) .{1,60}"
    r"|wys[łl]an[eo] (?:z|ze) .{1,60}"
    r"|sendt fra (?:min|mi) .{1,60}|skickat fr[åa]n (?:min|mi) .{1,60}"
    r"|l[äa]hetetty .{1,60}"
    r"|отправлено (?:с|из) .{1,60}"
    r"|從我的 .{1,30}傳送|iphoneから送信|发自我的.{1,30}"
    r"|<<sent by .{1,40}>>|\(sent from .{1,40}\)"
    r")\W{0,3}$",
    re.IGNORECASE,
)
_FENCE_RE = re.compile(r"^\s*(?:```|~~~)")
_QUOTE_RE = re.compile(r"^\s*(?:>|[A-Za-z]{1,3}>(?:\s|$))")
_LINK_ONLY_RE = re.compile(r"^\s*[(<]?https?://\S*\s*>?\s*$|^\s*\S*\)\s*>?\s*$")


# --- line classification -----------------------------------------------------------------


def _header_kind(line: str) -> str | None:
    if len(line) > _MAX_LINE_FOR_PATTERNS or (":" not in line and "：" not in line):
        return None
    for key, regex in _HEADER_RES.items():
        if regex.match(line):
            return key
    return None


def _could_attribute(line: str) -> bool:
    """Every attribution form carries a digit, an address, dashes or starts with "On"."""
    return bool(
        _EVIDENCE_RE.search(line)
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
    tail = _WROTE_TAIL_RE.search(text[-60:]) if _ends_with_wrote(text) else None
    if tail:
        body = text[: len(text) - 60 + tail.start()] if len(text) > 60 else text[: tail.start()]
        wrapped = text.startswith(("--", "__")) and text.endswith(("--", "__"))
        if body.strip() and (
            wrapped or _EVIDENCE_RE.search(body) or re.match(r"(?i)\s*on\s", body)
        ):
            return True
    if not text.endswith((":", "：")) and not _ATTR_DATE_START_RE.match(text):
        return False
    if not re.search(r"\d", text):
        return bool(_ATTR_SENT_RE.match(text))
    if ("@" in text or "<" in text) and _ATTR_MIDDLE_RE.search(text[-260:]):
        return True
    return bool(
        _ATTR_SENT_RE.match(text) or _ATTR_DATE_RE.match(text) or _ATTR_ADDRESS_END_RE.match(text)
    )


def _header_block_at(lines: list[str], kinds_of: list[str | None], i: int) -> int:
    """Number of lines of the header block starting at ``i`` (0 if there is none).
    ``kinds_of`` holds :func:`_header_kind` of every line."""
    first = lines[i]
    kind = kinds_of[i]
    if kind not in ("from", "date"):
        return 0
    rest = first.split(":", 1)[-1] if ":" in first else first.split("：", 1)[-1]
    if kind == "from" and ("[mailto:" in first.lower() or _INLINE_HEADER_RE.search(rest)):
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
        if _FENCE_RE.match(line):
            in_fence = not in_fence
        elif in_fence:
            continue
        elif not line.strip():
            kinds[i] = EMPTY
        elif _QUOTE_RE.match(line) and not _CLOSING_WROTE_RE.match(line):
            kinds[i] = QUOTE
    header_kinds = [
        _header_kind(line) if kind == TEXT else None
        for line, kind in zip(lines, kinds, strict=True)
    ]
    i = 0
    while i < len(lines):
        line = lines[i]
        if kinds[i] != TEXT or len(line) > _MAX_LINE_FOR_PATTERNS or _FENCE_RE.match(line):
            i += 1
            continue
        if _FORWARD_RE.match(line):
            kinds[i] = FORWARD
        elif _ORIGINAL_RE.match(line):
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
    if not (last.endswith((":", "：", "-")) or _ends_with_wrote(last)):
        return None
    window = " ".join(lines[max(0, end - 8) : end + 1])
    if not ("@" in window or "<" in window or _has_wrote(window)):
        return None
    evidence = _EVIDENCE_RE.search(window) or "--" in window or "__" in window
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
            or (_STRONG_START_RE.match(text) and not text.endswith((".", "!", "?")))
        ):
            start = k
            k -= 1
            continue
        break
    return start


# --- the three passes --------------------------------------------------------------------


def _strip_blank_end(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and (not lines[end - 1].strip(" \t>") or _DELIMITER_RE.match(lines[end - 1])):
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
        if _DELIMITER_RE.match(lines[k]) or _MOBILE_RE.match(lines[k].strip()):
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
            and (
                _LINK_ONLY_RE.match(lines[k]) or "(http" in lines[k - 1] or "<http" in lines[k - 1]
            )
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


def _signature_start(lines: list[str]) -> int | None:
    in_fence = False
    nonempty = [k for k, line in enumerate(lines) if line.strip()]
    for position, k in enumerate(nonempty):
        line = lines[k]
        if _FENCE_RE.match(line):
            in_fence = not in_fence
        if in_fence or position == 0:
            continue  # a signature never starts the message
        stripped = line.strip()
        remaining = len(nonempty) - position - 1
        if _SIG_DASHES_RE.match(line) or stripped == "--":
            return k
        if _DELIMITER_RE.match(line) and remaining <= 15:
            return k
        if _MOBILE_RE.match(stripped):
            following = lines[nonempty[position + 1]].strip() if remaining else ""
            if remaining <= 15 or _MOBILE_RE.match(following):
                return k
        if remaining <= 2 and _DASH_NAME_RE.match(line):
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
        match = _MIDLINE_ON_RE.match(line) if candidate else None
        if match and re.search(r"\d", match.group("attr")) and not _QUOTE_RE.match(line):
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
