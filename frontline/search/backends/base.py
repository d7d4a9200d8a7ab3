"""What every backend offers, and the text helpers they share (pure Python, no ORM)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from frontline.search.index import Document, Hit, Match

# Snippet markers: control characters never kept in indexed text (see ``clean``), so a
# backend can mark matches, and we escape everything else before turning them into <mark>.
START, STOP = "\x02", "\x03"
ELLIPSIS = "…"
MAX_FIELD = 200_000  # characters kept per field (a tsvector holds at most 1 MB)
BATCH = 500
FUZZY_MIN_WORD = 4  # words shorter than this are not corrected (too many near neighbours)
FUZZY_THRESHOLD = 0.5  # pg_trgm's strict_word_similarity_threshold

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
WORD = re.compile(r"\w+", re.UNICODE)

# English stop words (PostgreSQL's english.stop, which its english configuration drops): the
# SQLite backend drops them from natural-language ("any") queries so they never dominate.
STOPWORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will
    just don should now
    """.split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Scope:
    """``object_id IN (<sql>)``: the caller's policy-scoped queryset as a subquery."""

    sql: str
    params: Sequence[Any]


class Backend(Protocol):
    def upsert(self, docs: Iterable[Document]) -> int: ...

    def remove(self, kind: str, object_ids: Sequence[int]) -> None: ...

    def clear(self, kind: str | None = None) -> int: ...

    def search(
        self, kind: str, text: str, *, scope: Scope | None, limit: int, match: Match
    ) -> list[Hit]: ...


def has_exclusion(text: str) -> bool:
    """Whether a query excludes words (-word): then titles merely similar are no answer."""
    return re.search(r"(^|\s)-\S", text) is not None


def clean(text: str, limit: int = MAX_FIELD) -> str:
    """Text as indexed: without control characters (they are our snippet markers), bounded."""
    return _CONTROL.sub(" ", text or "")[:limit]


def marked_to_html(marked: str) -> str:
    """Escape a snippet whose matches are between START/STOP markers; markers become <mark>."""
    escaped = html.escape(marked.strip(), quote=False)
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def vocabulary(text: str) -> set[str]:
    """The words of a title or tags worth suggesting as corrections (letters only, 3-64)."""
    return {w for w in re.split(r"[^\w]+|[\d_]+", text.lower()) if 3 <= len(w) <= 64}


def trigrams(word: str) -> set[str]:
    """pg_trgm-style trigrams of one word (padded with two spaces before, one after)."""
    padded = f"  {word.lower()} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """Trigram similarity of two words, as pg_trgm's similarity() computes it."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def fuzzy_words(text: str) -> list[str]:
    """The words of a query worth correcting: long enough, not stop words, not numbers."""
    seen: list[str] = []
    for word in words(text):
        useful = len(word) >= FUZZY_MIN_WORD and word not in STOPWORDS and not word.isdigit()
        if useful and word not in seen:
            seen.append(word)
    return seen


def fuzzy_snippet(title: str, body: str, query_words: Sequence[str], size: int = 30) -> str:
    """A snippet for a hit found by trigram similarity: its title and the body's first words,
    with words similar to a query word marked (the full-text highlighter knows no typos)."""
    out: list[str] = []
    for token in re.split(r"(\w+)", f"{title} — {' '.join(body.split()[:size])}"):
        if (
            token
            and WORD.fullmatch(token)
            and any(similarity(token, q) >= FUZZY_THRESHOLD for q in query_words)
        ):
            out.append(f"{START}{token}{STOP}")
        else:
            out.append(token)
    return marked_to_html("".join(out))


def plain_snippet(text: str, size: int = 30) -> str:
    """The first words of a text, escaped (when nothing in it matched)."""
    parts = text.split()
    cut = " ".join(parts[:size])
    return marked_to_html(cut + (f" {ELLIPSIS}" if len(parts) > size else ""))
