"""Article bodies: Markdown rendered with markdown-it-py, then sanitised with nh3.

Raw HTML in the Markdown is not interpreted (shown as text), and the output is cleaned again
with an allow-list, so no script, event handler, style or ``javascript:`` URL can reach a
page whatever an author writes. Diffs between versions are escaped HTML from difflib.
"""

from __future__ import annotations

import difflib
from html import escape

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s",
    "code", "pre", "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
    "img", "kbd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
}


FILE_PREFIX = "/kb/files/"


def _only_own_images(tag: str, attribute: str, value: str) -> str | None:
    """Inline images come from the article's own files (no tracking pixels, no mixed origin)."""
    if tag == "img" and attribute == "src" and not value.startswith(FILE_PREFIX):
        return None
    return value


def render_markdown(text: str) -> str:
    """Safe HTML for an article body (links get rel="noopener noreferrer nofollow"; images
    only from the knowledge base's own files)."""
    html = _md.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_only_own_images,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )


def plain_excerpt(text: str, length: int = 200) -> str:
    """A short plain-text excerpt of a Markdown body (for lists and API items)."""
    html = render_markdown(text)
    plain = " ".join(nh3.clean(html, tags=set()).split())
    return plain if len(plain) <= length else plain[: length - 1].rsplit(" ", 1)[0] + "…"


def diff_html(old: str, new: str, *, old_label: str = "before", new_label: str = "after") -> str:
    """A unified diff of two texts as escaped HTML lines (added/removed lines marked)."""
    lines = difflib.unified_diff(
        (old or "").splitlines(), (new or "").splitlines(), old_label, new_label, lineterm="", n=3
    )
    out = []
    for line in lines:
        if line.startswith(("+++", "---")):
            css = "diff-file"
        elif line.startswith("@@"):
            css = "diff-hunk"
        elif line.startswith("+"):
            css = "diff-add"
        elif line.startswith("-"):
            css = "diff-del"
        else:
            css = "diff-ctx"
        out.append(f'<span class="{css}">{escape(line)}</span>')
    return "\n".join(out)
