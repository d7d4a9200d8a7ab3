"""The one full-text search interface of Frontline.

Every kind of thing (tickets, articles, people, ...) is indexed as a :class:`Document` in one
index; :func:`search` finds documents of one kind, restricted IN SQL to the primary keys of a
policy-scoped queryset (``within``). The backend is chosen by the database vendor:
PostgreSQL full-text search (``backends/postgres.py``) or SQLite FTS5 (``backends/sqlite.py``).

Contract (other apps code against these names; keep them stable):

- ``index_document(doc)`` inserts or replaces the document ``(doc.kind, doc.object_id)``.
- ``index_documents(docs)`` does the same in bulk and returns how many it wrote.
- ``remove_document(kind, object_id)`` removes it (no error if absent).
- ``search(kind, text, within=..., limit=..., match=...)`` returns hits best first; ``rank`` is
  higher for better hits; ``snippet`` is safe HTML (text escaped, matches in ``<mark>``).

These functions write/read the index only; they do not check who may see what: the caller
passes ``within`` (e.g. ``tickets_visible_to(user)``) and results never leave that queryset.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from frontline.search.backends.base import Backend

Match = Literal["all", "any"]
MAX_QUERY_LENGTH = 500
MAX_LIMIT = 100


@dataclass(frozen=True)
class Document:
    """One searchable thing. ``tags`` is space-separated words; ``language`` a stemming config."""

    kind: str  # "ticket", "article", "person" (free string; one index for all kinds)
    object_id: int
    title: str
    tags: str = ""
    body: str = ""
    language: str = "english"


@dataclass(frozen=True)
class Hit:
    """A search result: the object's primary key, a score (higher is better), safe HTML."""

    object_id: int
    rank: float
    snippet: str


def backend() -> Backend:
    """The backend for the default database's vendor."""
    from django.db import connection

    from frontline.search.backends import for_vendor

    return for_vendor(connection.vendor)


def index_document(doc: Document) -> None:
    """Insert or replace the document ``(doc.kind, doc.object_id)`` in the index."""
    backend().upsert([doc])


def index_documents(docs: Iterable[Document]) -> int:
    """Insert or replace many documents (in batches); return how many were written."""
    return backend().upsert(docs)


def remove_document(kind: str, object_id: int) -> None:
    """Remove a document from the index; nothing happens if it is not there."""
    backend().remove(kind, [object_id])


def search(
    kind: str,
    text: str,
    *,
    within: QuerySet[Any] | None = None,
    limit: int = 20,
    match: Match = "all",
) -> list[Hit]:
    """Documents of ``kind`` matching ``text``, best first, at most ``limit``.

    ``within`` is a queryset of the kind's model already scoped by policy; hits are limited to
    its primary keys inside the SQL query (a subquery), never after a LIMIT.
    ``match="all"`` understands web-search syntax (all words, "a phrase", -word, a OR b);
    ``match="any"`` is for questions and live suggestions: any word may match, and documents
    matching more and rarer words (in the title above all) rank first. A word that no
    document contains is treated as a typo (PostgreSQL: corrected to the nearest word of the
    titles' vocabulary by trigram similarity; SQLite: titles with a similar word), so
    "pasword" still finds "password"; a word the index knows is never corrected.
    For ``kind="ticket"``, a number ("1042" or "#1042") puts that ticket first if in scope.
    """
    from frontline.search.query import run_search

    return run_search(kind, text, within=within, limit=limit, match=match)
