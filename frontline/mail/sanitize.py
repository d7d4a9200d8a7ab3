"""HTML from mail, made safe to show inside the desk (nh3 / ammonia).

What survives: formatting, tables, lists, links (http, https, mailto, tel; opened in a new
tab with ``rel="noopener noreferrer nofollow"``), inline ``cid:`` images and a small set of
harmless CSS properties. What does not: scripts, style sheets, event handlers, forms,
frames, objects, SVG, ``javascript:``/``vbscript:``/``data:`` and relative URLs, CSS that
loads or executes anything (``url()``, ``expression()``, ``@import``, escapes), ids,
classes and names (no DOM clobbering). Remote images never load by themselves: their
address moves from ``src`` to ``data-remote-src``, for the UI to restore when an agent asks.

The input is bounded first (:func:`prepare_html`): html5ever has super-linear corners
(very deep nesting, long runs of bare ``&``), and mail is attacker-controlled.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from html import escape, unescape
from urllib.parse import unquote

import nh3

MAX_SANITIZE_CHARS = 2_000_000
MAX_NESTING = 200

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "address",
    "article",
    "aside",
    "b",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "main",
    "mark",
    "nav",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "section",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
}
# Removed together with everything inside them.
_DROP_WITH_CONTENT = {
    "script",
    "style",
    "title",
    "template",
    "xml",
    "iframe",
    "object",
    "applet",
    "frameset",
    "noframes",
    "noembed",
    "select",
    "textarea",
}
_GENERIC_ATTRS = {"style", "title", "dir", "lang", "align"}
_ATTRIBUTES: dict[str, set[str]] = {
    "*": _GENERIC_ATTRS,
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "border", "hspace", "vspace"},
    "table": {"border", "cellpadding", "cellspacing", "width", "height", "bgcolor", "valign"},
    "td": {"colspan", "rowspan", "width", "height", "bgcolor", "valign", "nowrap"},
    "th": {"colspan", "rowspan", "width", "height", "bgcolor", "valign", "nowrap", "scope"},
    "tr": {"bgcolor", "valign", "height"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type", "reversed"},
    "ul": {"type"},
    "li": {"value"},
    "time": {"datetime"},
}
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
_LINK_REL = "noopener noreferrer nofollow"

_CSS_PROPERTIES = {
    "background",
    "background-color",
    "border",
    "border-bottom",
    "border-bottom-color",
    "border-bottom-style",
    "border-bottom-width",
    "border-collapse",
    "border-color",
    "border-left",
    "border-left-color",
    "border-left-style",
    "border-left-width",
    "border-right",
    "border-right-color",
    "border-right-style",
    "border-right-width",
    "border-spacing",
    "border-style",
    "border-top",
    "border-top-color",
    "border-top-style",
    "border-top-width",
    "border-width",
    "border-radius",
    "clear",
    "color",
    "direction",
    "float",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "height",
    "letter-spacing",
    "line-height",
    "list-style-type",
    "margin",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "margin-top",
    "max-width",
    "min-width",
    "padding",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "padding-top",
    "table-layout",
    "text-align",
    "text-decoration",
    "text-indent",
    "text-transform",
    "unicode-bidi",
    "vertical-align",
    "white-space",
    "width",
    "word-break",
    "word-spacing",
    "word-wrap",
}
# A value is refused when, once comments are gone, it could load, run or hide anything.
_CSS_BAD_VALUE_RE = re.compile(
    r"url\s*\(|expression|javascript|vbscript|data\s*:|@import|behavior|binding|[\\<>{}@]",
    re.IGNORECASE,
)
_SIZE_RE = re.compile(r"^\s*\d{1,5}(?:\.\d{1,3})?\s*(?:%|px)?\s*$")
_SAFE_WORD_RE = re.compile(r"^[#\w\s,.\-'\"()%]{0,200}$")

# --- bounding the input ------------------------------------------------------------------
# Possessive quantifiers: a "<" that never closes costs one scan to the next "<" or ">".
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,40}+)([^<>]*+)>")
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
    "keygen",
}
# Elements whose end tag is optional: html5ever closes them implicitly, so they do not
# nest in practice and are not counted.
_IMPLIED_END = {
    "p",
    "li",
    "dt",
    "dd",
    "option",
    "optgroup",
    "tr",
    "td",
    "th",
    "tbody",
    "thead",
    "tfoot",
    "colgroup",
    "rb",
    "rt",
    "rp",
    "html",
    "head",
    "body",
}
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,8};?|#[xX][0-9A-Fa-f]{1,8};?|[A-Za-z][A-Za-z0-9]{0,31};?)")
_BARE_AMP_RE = re.compile(r"&(?![#A-Za-z])")
# html5ever slows down super-linearly on long runs of text that serialise as "&amp;" or
# "&nbsp;"; those two characters travel through it as private-use placeholders instead.
AMP_MARK = "\ue000"
NBSP_MARK = "\ue001"


@lru_cache(maxsize=4096)
def _decode_entity_text(entity: str) -> str:
    decoded = unescape(entity)
    if decoded.startswith("&"):
        return AMP_MARK + decoded[1:]
    decoded = decoded.replace("\xa0", NBSP_MARK).replace("&", AMP_MARK)
    return decoded.replace("<", "&lt;").replace(">", "&gt;")


def _decode_entity(match: re.Match[str]) -> str:
    return _decode_entity_text(match.group(0))


def _text_segment(text: str) -> str:
    if "&" in text or "\xa0" in text or AMP_MARK in text or NBSP_MARK in text:
        text = text.replace(AMP_MARK, "\ufffd").replace(NBSP_MARK, "\ufffd")
        text = text.replace("&amp;", AMP_MARK).replace("&nbsp;", NBSP_MARK)
        text = _BARE_AMP_RE.sub(AMP_MARK, text)
        text = _ENTITY_RE.sub(_decode_entity, text)
        text = text.replace("\xa0", NBSP_MARK)
    return text


def restore_marks(html: str) -> str:
    """Undo the placeholders that :func:`prepare_html` put into text."""
    return html.replace(AMP_MARK, "&amp;").replace(NBSP_MARK, "&nbsp;")


def prepare_html(html: str) -> tuple[str, list[str]]:
    """Bound an untrusted HTML string before it reaches an HTML5 parser.

    Cuts it at :data:`MAX_SANITIZE_CHARS`, drops start/end tag pairs nested deeper than
    :data:`MAX_NESTING` (their text stays) and decodes character references in text,
    carrying ``&`` and no-break spaces as placeholders (see :func:`restore_marks`).
    Returns the HTML and a list of defects (what was cut). Linear time.
    """
    defects: list[str] = []
    if len(html) > MAX_SANITIZE_CHARS:
        html = html[:MAX_SANITIZE_CHARS]
        defects.append(f"HTML body longer than {MAX_SANITIZE_CHARS} characters was cut")
    depth = 0
    dropped: dict[str, int] = {}
    flattened = False
    out: list[str] = []
    position = 0
    for match in _TAG_RE.finditer(html):
        if match.start() > position:
            out.append(_text_segment(html[position : match.start()]))
        position = match.end()
        closing, name, rest = match.group(1), match.group(2).lower(), match.group(3)
        if name in _VOID or name in _IMPLIED_END:
            out.append(match.group(0))
        elif closing:
            if dropped.get(name):
                dropped[name] -= 1
            else:
                depth = max(0, depth - 1)
                out.append(match.group(0))
        elif rest.rstrip().endswith("/"):
            out.append(match.group(0))
        elif depth >= MAX_NESTING:
            dropped[name] = dropped.get(name, 0) + 1
            flattened = True
        else:
            depth += 1
            out.append(match.group(0))
    if position < len(html):
        out.append(_text_segment(html[position:]))
    if flattened:
        defects.append(f"HTML nested deeper than {MAX_NESTING} elements was flattened")
    return "".join(out), defects


def _clean_style(value: str) -> str | None:
    if "/*" in value or len(value) > 4000:
        return None  # comments hide what a declaration says; long values hide more
    kept: list[str] = []
    for declaration in value.split(";"):
        name, sep, val = declaration.partition(":")
        if not sep:
            continue
        name = name.strip().lower()
        val = val.strip()
        if name not in _CSS_PROPERTIES or not val or _CSS_BAD_VALUE_RE.search(val):
            continue
        kept.append(f"{name}: {val}")
    return "; ".join(kept) or None


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "style":
        return _clean_style(value)
    if attr in ("width", "height", "border", "cellpadding", "cellspacing", "hspace", "vspace"):
        return value if _SIZE_RE.match(value) else None
    if attr in ("color", "bgcolor", "face", "size"):
        return value if _SAFE_WORD_RE.match(value) and "(" not in value else None
    if attr in ("href", "src"):
        stripped = value.strip()
        lowered = stripped.lower()
        if tag == "img" and not lowered.startswith(("cid:", "http://", "https://")):
            return None
        return stripped
    return value


_IMG_RE = re.compile(r"<img((?:\s+[^\s\"'>/=]+(?:=\"[^\"]*\")?)*)(\s*/?)>")
_REMOTE_SRC_RE = re.compile(r"(\s)src=\"(https?://[^\"]*)\"", re.IGNORECASE)


def _block_remote_images(html: str) -> str:
    def _img(match: re.Match[str]) -> str:
        attrs = _REMOTE_SRC_RE.sub(r'\1data-remote-src="\2"', match.group(1))
        return f"<img{attrs}{match.group(2)}>"

    return _IMG_RE.sub(_img, html)


def sanitize_html(html: str, *, defects: list[str] | None = None) -> str:
    """Safe HTML for display: see the module docstring for the policy.

    Never raises. Remote ``<img src="http(s)://…">`` come back as
    ``<img data-remote-src="…">``; ``cid:`` sources are kept for :func:`rewrite_cid_urls`.
    Problems met on the way (cut input, flattened nesting) are appended to ``defects``.
    """
    if not html:
        return ""
    prepared, found = prepare_html(html)
    if defects is not None:
        defects.extend(found)
    try:
        cleaned = nh3.clean(
            prepared,
            tags=_ALLOWED_TAGS,
            clean_content_tags=_DROP_WITH_CONTENT,
            attributes=_ATTRIBUTES,
            attribute_filter=_attribute_filter,
            url_schemes=_URL_SCHEMES,
            url_relative="deny",
            link_rel=_LINK_REL,
            set_tag_attribute_values={"a": {"target": "_blank"}},
            strip_comments=True,
        )
    except Exception:
        if defects is not None:
            defects.append("HTML body could not be sanitised")
        return ""
    return _block_remote_images(restore_marks(cleaned))


_CID_SRC_RE = re.compile(r"(\s(?:src|href)=\")cid:([^\"]*)\"", re.IGNORECASE)


def rewrite_cid_urls(html: str, resolve: Callable[[str], str | None]) -> str:
    """Replace ``cid:`` URLs in sanitised HTML by what ``resolve(content_id)`` returns
    (for instance an attachment's download URL); a ``None`` answer leaves it unchanged.
    ``content_id`` is given without angle brackets."""

    def _sub(match: re.Match[str]) -> str:
        target = resolve(unescape(match.group(2)).strip().strip("<>"))
        if target is None:
            return match.group(0)
        return f'{match.group(1)}{escape(target, quote=True)}"'

    return _CID_SRC_RE.sub(_sub, html)


def cid_references(html: str) -> set[str]:
    """The Content-IDs (lower-cased, without angle brackets) that an HTML body refers to
    through ``cid:`` URLs."""
    found: set[str] = set()
    for match in re.finditer(r"cid:([^\"'\s>)]{1,500})", html, re.IGNORECASE):
        value = unquote(unescape(match.group(1))).strip().strip("<>").lower()
        if value:
            found.add(value)
    return found
