"""HTML → readable plain text (pure, linear time, never raises).

Block elements become line breaks, paragraphs and headings blank lines, list items get
``- `` or ``1. `` markers, table cells are separated by spaces, blockquotes are marked with
``> `` (so reply extraction sees quoted history the way it sees it in plain text mail), and
links keep their target as ``text (url)`` when the target says more than the text.
Nothing in <head>, <script>, <style> or <template> reaches the text.
"""

from __future__ import annotations

import re

import nh3

from frontline.mail.sanitize import prepare_html, restore_marks

_MAX_QUOTE_DEPTH = 12
_MAX_LIST_DEPTH = 12

_BLANK_BEFORE_AFTER = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "pre",
    "hr",
    "dl",
    "blockquote",
    "figure",
}
_LINE_BEFORE_AFTER = {
    "div",
    "tr",
    "dt",
    "dd",
    "address",
    "article",
    "aside",
    "section",
    "header",
    "footer",
    "nav",
    "main",
    "form",
    "fieldset",
    "center",
    "caption",
    "details",
    "summary",
    "figcaption",
    "ul",
    "ol",
    "li",
    "option",
}
_CELLS = {"td", "th"}
_SKIP = {
    "script",
    "style",
    "title",
    "template",
    "xml",
    "object",
    "applet",
    "select",
    "iframe",
    "noembed",
    "noframes",
}
_STRUCTURE = (
    _BLANK_BEFORE_AFTER | _LINE_BEFORE_AFTER | _CELLS | {"a", "br", "blockquote", "pre"}
) - _SKIP
_WS_RE = re.compile(r"[ \t\n\r\f\v\xa0\u200b\ufeff]+")
_LINK_SCHEMES = ("http://", "https://", "ftp://", "mailto:")


# Canonical HTML as html5ever serialises it: lower-case names, double-quoted values with
# '"' escaped, no comments, no raw-text elements. Every alternative below is anchored on
# a distinct character, so matching is linear.
_TOKEN_RE = re.compile(r"<(/?)([a-z][a-z0-9]*)((?:\s+[^\s\"'>/=]+(?:=\"[^\"]*\")?)*)\s*/?>")
_HREF_RE = re.compile(r'\shref="([^"]*)"')


def unescape(text: str) -> str:
    """Decode the only references html5ever writes: &amp; &lt; &gt; &quot; &nbsp;."""
    if "&" not in text:
        return text
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    return text.replace("&nbsp;", "\xa0").replace("&amp;", "&")


class _Converter:
    def __init__(self, *, links: bool, quotes: bool) -> None:
        self.links = links
        self.quotes = quotes
        self.lines: list[str] = []
        self.cur: list[str] = []
        self.cur_prefix = ""
        self.pending = 0  # line breaks wanted before the next text (2 = blank line)
        self.space = False
        self.skip: list[str] = []
        self.pre = 0
        self.quote_depth = 0
        self.lists: list[list[int]] = []  # per open list: [is_ordered, counter]
        self.anchors: list[tuple[str, int]] = []  # (href, length of text when it opened)
        self.anchor_text: list[str] = []

    # -- output -------------------------------------------------------------------------
    def _prefix(self) -> str:
        if not self.quotes or not self.quote_depth:
            return ""
        return ">" * min(self.quote_depth, _MAX_QUOTE_DEPTH) + " "

    def _flush(self) -> None:
        if self.cur:
            self.lines.append((self.cur_prefix + "".join(self.cur)).rstrip())
            self.cur = []
        self.space = False

    def _blank(self) -> None:
        prefix = self._prefix().rstrip()
        if self.lines and self.lines[-1] != prefix:
            self.lines.append(prefix)

    def _apply_pending(self) -> None:
        if self.pending:
            self._flush()
            if self.pending >= 2:
                self._blank()
            self.pending = 0

    def _add(self, text: str, *, raw: bool = False) -> None:
        self._apply_pending()
        if not self.cur:
            self.cur_prefix = self._prefix()
        elif self.space and not raw:
            self.cur.append(" ")
        self.space = False
        self.cur.append(text)
        if self.anchors:
            self.anchor_text.append(text)

    def _quote_edge(self) -> None:
        """A blockquote starts or ends: close the line, leave one blank line outside."""
        self._flush()
        self.pending = 0
        if self.lines and self.lines[-1].strip(">"):
            self.lines.append(self._prefix().rstrip())

    def _want(self, breaks: int) -> None:
        if self.cur or self.lines:
            self.pending = max(self.pending, breaks)

    # -- parser callbacks ---------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip.append(tag)
            return
        if self.skip:
            return
        if tag == "br":
            if self.cur and not self.pending:
                self._flush()
            else:
                self._apply_pending()
                self.lines.append(self._prefix().rstrip())
            return
        if tag == "blockquote":
            self._quote_edge()
            self.quote_depth += 1
            return
        if tag in _BLANK_BEFORE_AFTER:
            self._want(2)
        elif tag in _LINE_BEFORE_AFTER:
            self._want(1)
        elif tag in _CELLS:
            self.space = True
        if tag == "pre":
            self.pre += 1
        elif tag in ("ul", "ol"):
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            self._list_marker()
        elif tag == "a":
            href = next((v for k, v in attrs if k == "href" and v), "")
            self.anchors.append((href.strip(), len(self.anchor_text)))

    def _list_marker(self) -> None:
        if not self.lists:
            marker = "- "
        else:
            current = self.lists[-1]
            current[1] += 1
            marker = f"{current[1]}. " if current[0] else "- "
        indent = "  " * max(0, min(len(self.lists), _MAX_LIST_DEPTH) - 1)
        self._add(indent + marker.rstrip())
        self.space = True

    def feed(self, canonical: str) -> None:
        position = 0
        for match in _TOKEN_RE.finditer(canonical):
            if match.start() > position:
                self.handle_data(unescape(canonical[position : match.start()]))
            position = match.end()
            tag = match.group(2)
            if match.group(1):
                self.handle_endtag(tag)
                continue
            attrs: list[tuple[str, str | None]] = []
            if tag == "a":
                href = _HREF_RE.search(match.group(3))
                if href:
                    attrs.append(("href", unescape(href.group(1))))
            self.handle_starttag(tag, attrs)
        if position < len(canonical):
            self.handle_data(unescape(canonical[position:]))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            if self.skip:
                self.skip.pop()
            return
        if self.skip:
            return
        if tag == "blockquote":
            self._flush()
            self.quote_depth = max(0, self.quote_depth - 1)
            self._quote_edge()
            return
        if tag in _BLANK_BEFORE_AFTER:
            self._want(2)
        elif tag in _LINE_BEFORE_AFTER:
            self._want(1)
        elif tag in _CELLS:
            self.space = True
        if tag == "pre" and self.pre:
            self.pre -= 1
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "a" and self.anchors:
            self._close_anchor()

    def _close_anchor(self) -> None:
        href, start = self.anchors.pop()
        text = "".join(self.anchor_text[start:]).strip()
        if not self.anchors:
            self.anchor_text.clear()
        if not self.links or not href.lower().startswith(_LINK_SCHEMES):
            return
        shown = href[7:] if href.lower().startswith("mailto:") else href
        if not text:
            return
        self.space = True
        bare = re.sub(r"^[a-z]+://", "", shown, flags=re.I).rstrip("/").lower()
        if bare == re.sub(r"^[a-z]+://", "", text, flags=re.I).rstrip("/").lower():
            return
        self._add(f"({shown})")

    def handle_data(self, data: str) -> None:
        if self.skip or not data:
            return
        if self.pre:
            data = data.replace("\r\n", "\n").replace("\r", "\n")
            for index, segment in enumerate(data.split("\n")):
                if index:
                    if self.cur:
                        self._flush()
                    else:
                        self._apply_pending()
                        self.lines.append(self._prefix().rstrip())
                if segment:
                    self._add(segment.replace("\t", "    "), raw=True)
            return
        text = _WS_RE.sub(" ", data)
        if text.startswith(" "):
            self.space = True
        words = text.strip()
        if words:
            self._add(words)
            if text.endswith(" "):
                self.space = True

    def result(self) -> str:
        self._flush()
        lines: list[str] = []
        for line in self.lines:
            if not line.strip(" >") and lines and not lines[-1].strip(" >"):
                continue  # at most one blank line in a row
            lines.append(line)
        while lines and not lines[-1].strip(" >"):
            lines.pop()
        start = 0
        while start < len(lines) and not lines[start].strip(" >"):
            start += 1
        return "\n".join(lines[start:])


def html_to_text(html: str, *, links: bool = True, quotes: bool = True) -> str:
    """Readable plain text for an HTML fragment or document.

    ``links``: add `` (url)`` after a link whose text does not already show its target.
    ``quotes``: prefix lines inside <blockquote> with ``>`` marks. The input is bounded
    by :func:`~frontline.mail.sanitize.prepare_html`. Never raises.
    """
    if not html:
        return ""
    prepared, _ = prepare_html(html)
    try:
        # html5ever first: it repairs any markup the way browsers do, and what it writes back
        # is canonical, which a simple linear tokenizer reads exactly.
        canonical = nh3.clean(
            prepared,
            tags=_STRUCTURE,
            clean_content_tags=_SKIP,
            attributes={"a": {"href"}},
            link_rel=None,
            strip_comments=True,
        )
    except Exception:
        return ""
    return canonical_html_to_text(restore_marks(canonical), links=links, quotes=quotes)


def canonical_html_to_text(html: str, *, links: bool = True, quotes: bool = True) -> str:
    """Like :func:`html_to_text`, for HTML that is already canonical, that is the output of
    :func:`~frontline.mail.sanitize.sanitize_html` (skips the second html5ever pass)."""
    converter = _Converter(links=links, quotes=quotes)
    converter.feed(html)
    return converter.result()
