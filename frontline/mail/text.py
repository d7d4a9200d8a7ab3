"""Charset handling and plain-text helpers for mail (pure: no ORM, no I/O).

Real mail lies about its charset all the time: ``us-ascii`` bodies with 8-bit bytes,
``iso-2022-jp`` labels on Shift_JIS data, unknown labels, none at all. Everything here
decodes *something* and never raises.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from html import escape

# Labels mapped to the codec that real senders mean by them. Where a label names a
# subset, the superset decodes everything the subset does and also what senders put in
# by mistake (the same choice browsers make in the WHATWG Encoding Standard).
_CHARSET_ALIASES: dict[str, str] = {
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "x-user-defined": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "korean": "cp949",
    "x-mac-roman": "mac-roman",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}

# What to try next when data does not decode with the codec its label names.
_FAMILY_FALLBACKS: dict[str, tuple[str, ...]] = {
    "iso2022_jp_ext": ("iso2022jp-lenient", "cp932", "euc_jis_2004"),
    "iso2022_jp": ("iso2022jp-lenient", "cp932", "euc_jis_2004"),
    "euc_jp": ("cp932",),
    "cp932": ("euc_jis_2004",),
    "gb18030": ("big5hkscs",),
    "big5hkscs": ("gb18030",),
    "cp949": ("euc_kr",),
}

_LATIN_FAMILY = {"cp1252", "latin_1", "iso8859-1", "ascii"}

# Labels that carry no information.
_MEANINGLESS = {"", "unknown", "unknown-8bit", "x-unknown", "default", "none", "charset"}


def normalize_charset(label: str | None) -> str | None:
    """The Python codec for a charset label from a mail header, or None when the label is
    missing, meaningless or unknown. Subset labels map to their supersets
    (``iso-8859-1`` → ``cp1252``, ``gb2312`` → ``gb18030``, ``shift_jis`` → ``cp932``)."""
    if not label:
        return None
    name = label.strip().strip("\"'").strip().lower()
    name = name.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*de
    if name in _MEANINGLESS or len(name) > 40:
        return None
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        alt = name.replace("_", "-")
        if alt.startswith("windows-") and alt[8:].isdigit():
            alt = "cp" + alt[8:]
        elif alt.startswith("x-"):
            alt = alt[2:]
        try:
            return codecs.lookup(_CHARSET_ALIASES.get(alt, alt)).name
        except (LookupError, ValueError):
            return None


_ISO2022JP_ESCAPE_RE = re.compile(rb"(\x1b\$[@B]|\x1b\$\(D|\x1b\([BJI])")


def _decode_iso2022jp_lenient(data: bytes) -> str:
    """ISO-2022-JP as Microsoft writes it (CP50221): with NEC special characters (①, ㈱)
    that Python's strict codecs refuse. Double-byte runs are decoded through EUC."""
    out: list[str] = []
    mode = "ascii"
    for segment in _ISO2022JP_ESCAPE_RE.split(data):
        if segment.startswith(b"\x1b"):
            mode = "kana" if segment.endswith(b"I") else "ascii"
            mode = "jis" if segment[1:2] == b"$" else mode
            continue
        if mode == "jis":
            for index, line in enumerate(segment.split(b"\n")):
                if index:
                    out.append("\n")
                euc = bytes(b | 0x80 for b in line if b not in (13,))
                out.append(euc.decode("euc_jis_2004", "replace"))
        elif mode == "kana":
            out.append(bytes(b | 0x80 for b in segment).decode("cp932", "replace"))
        else:
            out.append(segment.decode("ascii", "replace"))
    return "".join(out)


def _try(data: bytes, codec: str) -> str | None:
    if codec == "iso2022jp-lenient":
        # ISO-2022-JP is 7-bit; 8-bit data under that label is Shift_JIS or EUC-JP
        return _decode_iso2022jp_lenient(data) if data.isascii() else None
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _cjk_share(text: str) -> tuple[float, bool]:
    """Share of CJK characters among the non-ASCII ones, and whether kana occur."""
    wide = [c for c in text if ord(c) > 127]
    if not wide:
        return 0.0, False
    cjk = kana = 0
    for c in wide:
        code = ord(c)
        if 0x3040 <= code <= 0x30FF:
            kana += 1
            cjk += 1
        elif (
            0x3000 <= code <= 0x303F
            or 0x4E00 <= code <= 0x9FFF
            or 0xAC00 <= code <= 0xD7AF
            or 0xFF00 <= code <= 0xFFEF
        ):
            cjk += 1
    return cjk / len(wide), kana > 0


def _sniff_east_asian(data: bytes) -> tuple[str, str] | None:
    """Undeclared 8-bit text that is not UTF-8 and reads as nonsense in cp1252 (few
    letters among its non-ASCII characters) but cleanly as Chinese, Japanese or Korean."""
    sample = data[:65536]
    western = sample.decode("cp1252", "replace")
    wide = [c for c in western if ord(c) > 127]
    if len(wide) < 4 or sum(c.isalpha() for c in wide) / len(wide) >= 0.6:
        return None
    readable: list[str] = []
    for codec in ("gb18030", "big5hkscs", "cp932", "cp949"):
        text = _try(sample, codec)
        if text is None:
            continue
        share, kana = _cjk_share(text)
        if share > 0.9:
            if codec == "cp932" and kana:
                readable.insert(0, codec)  # Japanese text always has kana
            else:
                readable.append(codec)
    if not readable:
        return None
    best = readable[0]
    text = _try(data, best)
    return (text, best) if text is not None else None


_STRAY_RE = re.compile("[\udc80-\udcff]+")
_WIDE_RE = re.compile("[^\x00-\x7f\udc80-\udcff]")


def _stray_as_cp1252(match: re.Match[str]) -> str:
    data = bytes(ord(c) - 0xDC00 for c in match.group())
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in data)


def _mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """UTF-8 text with a few bytes that are not UTF-8 (a signature pasted from a cp1252
    program, one character typed in another charset): the UTF-8 as UTF-8 and the stray
    bytes as cp1252, with how many there were. None unless the valid multi-byte sequences
    clearly outnumber the stray bytes (at least two to one): text in a legacy charset
    rarely forms even one valid sequence by chance."""
    text = data.decode("utf-8", "surrogateescape")
    stray = sum(m.end() - m.start() for m in _STRAY_RE.finditer(text))
    if not stray:
        return None
    for wide, _ in enumerate(_WIDE_RE.finditer(text), start=1):
        if wide >= 2 * stray:
            return _STRAY_RE.sub(_stray_as_cp1252, text), stray
    return None


def decode_bytes(
    data: bytes, declared: str | None = None, *, hints: Iterable[str] = ()
) -> tuple[str, str | None]:
    """Decode bytes from mail, never raising.

    Order: the declared charset (normalised, see :func:`normalize_charset`), its family's
    usual mislabelings, UTF-8, other charsets declared elsewhere in the same message
    (``hints``), then cp1252 and finally latin-1, which cannot fail. Undeclared text
    that is gibberish in cp1252 but clean Chinese/Japanese/Korean is read as such.
    Text declared (or taken) as UTF-8 that is UTF-8 but for a few stray bytes keeps its
    UTF-8 and reads only the stray bytes as cp1252 (rather than all of it as cp1252).
    Returns the text and a defect message when the declared charset was missing, unknown
    or wrong (else None).
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        declared = "utf-8"
    codec = normalize_charset(declared)
    defect: str | None = None
    if declared and codec is None:
        defect = f"unknown charset {declared.strip()[:40]!r}"
    tried: list[str] = []
    candidates: list[str] = []
    if codec in (None, "cp1252") and b"\x1b$" in data and data.isascii():
        codec = "iso2022_jp_ext"  # 7-bit Japanese mail that does not say so
    if codec:
        candidates.append(codec)
        candidates.extend(_FAMILY_FALLBACKS.get(codec, ()))
    candidates.append("utf-8")
    for hint in hints:
        hinted = normalize_charset(hint)
        if hinted and hinted not in _LATIN_FAMILY:
            candidates.append(hinted)
            candidates.extend(_FAMILY_FALLBACKS.get(hinted, ()))
    candidates.append("cp1252")
    not_utf8 = codec in (None, "utf-8") and _try(data, "utf-8") is None
    if not_utf8:
        mixed = _mostly_utf8(data)
        if mixed is not None:
            return mixed[0], defect or f"{mixed[1]} bytes were not UTF-8; read as cp1252"
    if codec is None and not_utf8:
        sniffed = _sniff_east_asian(data)
        if sniffed is not None:
            return sniffed[0], defect or f"charset not declared; read as {sniffed[1]}"
    for candidate in candidates:
        if candidate in tried:
            continue
        tried.append(candidate)
        text = _try(data, candidate)
        if text is not None:
            if declared and codec and candidate != codec and defect is None:
                defect = f"text is not valid {declared.strip()[:40]!r}; decoded as {candidate}"
            return text, defect
    return data.decode("latin-1"), defect or "undecodable text; decoded as latin-1"


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_SPACES_RE = re.compile(r"[ \t\r\n\f\v]+")


def clean_text(text: str) -> str:
    """Body text with normalised line endings and without control characters (tabs and
    newlines are kept; NUL and other C0 controls are dropped)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_RE.sub("", text)


def single_line(text: str, *, limit: int = 2000) -> str:
    """A header value as one safe line: no CR/LF or other control or line-separator
    characters (so it can never inject a header), whitespace collapsed, NFC-normalised."""
    text = _LINE_CONTROL_RE.sub(" ", text)
    text = _SPACES_RE.sub(" ", text).strip()
    return unicodedata.normalize("NFC", text)[:limit]


def clean_line(text: str, *, limit: int = 1000) -> str:
    """Like :func:`single_line` but keeps runs of spaces (file names can have them)."""
    return unicodedata.normalize("NFC", _LINE_CONTROL_RE.sub(" ", text)).strip()[:limit]


_FLOWED_QUOTE_RE = re.compile(r"^(>+) ?")


def unflow(text: str, *, delsp: bool = False) -> str:
    """Undo RFC 3676 ``format=flowed``: join soft-broken lines (those ending in a space),
    keeping quote depth and the ``-- `` signature separator."""
    out: list[str] = []
    buf = ""
    buf_depth: int | None = None
    for raw_line in text.split("\n"):
        match = _FLOWED_QUOTE_RE.match(raw_line)
        depth = len(match.group(1)) if match else 0
        line = raw_line[match.end() :] if match else raw_line
        if not match and line.startswith(" "):
            line = line[1:]  # space-stuffing
        if buf_depth is not None and depth != buf_depth:
            out.append((">" * buf_depth + " " if buf_depth else "") + buf)
            buf, buf_depth = "", None
        soft = line.endswith(" ") and line != "-- "
        if soft:
            piece = line[:-1] if delsp else line
            buf += piece
            buf_depth = depth
            continue
        buf += line
        out.append((">" * depth + " " if depth else "") + buf)
        buf, buf_depth = "", None
    if buf_depth is not None:
        out.append((">" * buf_depth + " " if buf_depth else "") + buf)
    return "\n".join(out)


def text_to_html(text: str) -> str:
    """Plain text as a minimal, escaped HTML fragment (line breaks kept)."""
    return escape(text).replace("\n", "<br>\n")
