"""SQLite FTS5 backend (the embedded default).

``search_fts`` (title, tags, body; porter + unicode61 tokenizer) holds the words; its rowid is
the SearchDocument id. Ranking is bm25 with column weights title 10, tags 4, body 1 (bm25 is
lower-is-better; we return its negation). Snippets come from FTS5's snippet().

Typo tolerance: ``search_trgm`` is an FTS5 table with the trigram tokenizer over titles.
When the words find nothing (in "any" mode also: for the words no document has), each long
query word's trigrams are OR'ed against it, and candidate titles are kept when one of their
words has a pg_trgm-like similarity of at least 0.5 with a query word ("pasword" finds
"password").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from frontline.search.backends.base import (
    BATCH,
    FUZZY_THRESHOLD,
    START,
    STOP,
    Scope,
    clean,
    fuzzy_snippet,
    fuzzy_words,
    has_exclusion,
    marked_to_html,
    plain_snippet,
    similarity,
    trigrams,
    words,
)
from frontline.search.models import SearchDocument

if TYPE_CHECKING:
    from frontline.search.index import Document, Hit, Match

WEIGHTS = "10.0, 4.0, 1.0"
FUZZY_CANDIDATES = 200


def _phrase(phrase: Sequence[str]) -> str:
    return '"' + " ".join(phrase) + '"'  # words are \w+ only: no quote can occur inside


def fts_all(text: str) -> str | None:
    """The FTS5 expression for a web-search query, or None if nothing can match."""
    from frontline.search.query import parse_websearch

    parsed = parse_websearch(text)
    if not parsed.groups:
        return None
    expression = " AND ".join(
        "(" + " OR ".join(_phrase(p) for p in group) + ")" for group in parsed.groups
    )
    if parsed.excluded:
        expression = f"({expression}) NOT ({' OR '.join(_phrase(p) for p in parsed.excluded)})"
    return expression


def fts_any(text: str) -> str | None:
    from frontline.search.query import any_words

    found = any_words(text)
    return " OR ".join(_phrase([w]) for w in found) if found else None


class SqliteBackend:
    def upsert(self, docs: Iterable[Document]) -> int:
        count = 0
        batch: list[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= BATCH:
                count += self._write(batch)
                batch = []
        if batch:
            count += self._write(batch)
        return count

    def _write(self, docs: list[Document]) -> int:
        latest = {(d.kind, d.object_id): d for d in docs}  # the last one of a key wins
        now = timezone.now()
        rows = [
            SearchDocument(
                kind=d.kind,
                object_id=d.object_id,
                title=clean(d.title, 1000),
                tags=clean(d.tags, 5000),
                body=clean(d.body),
                language=d.language,
                updated_at=now,
            )
            for d in latest.values()
        ]
        with transaction.atomic():
            SearchDocument.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["kind", "object_id"],
                update_fields=["title", "tags", "body", "language", "updated_at"],
            )
            ids: dict[tuple[str, int], int] = {}
            for kind in {d.kind for d in rows}:
                wanted = [r.object_id for r in rows if r.kind == kind]
                for pk, object_id in SearchDocument.objects.filter(
                    kind=kind, object_id__in=wanted
                ).values_list("pk", "object_id"):
                    ids[(kind, object_id)] = pk
            rowids = list(ids.values())
            with connection.cursor() as cursor:
                self._delete_rows(cursor, rowids)
                cursor.executemany(
                    "INSERT INTO search_fts (rowid, title, tags, body) VALUES (%s, %s, %s, %s)",
                    [(ids[(r.kind, r.object_id)], r.title, r.tags, r.body) for r in rows],
                )
                cursor.executemany(
                    "INSERT INTO search_trgm (rowid, title) VALUES (%s, %s)",
                    [(ids[(r.kind, r.object_id)], r.title) for r in rows],
                )
        return len(rows)

    @staticmethod
    def _delete_rows(cursor: Any, rowids: list[int]) -> None:
        for start in range(0, len(rowids), BATCH):
            chunk = rowids[start : start + BATCH]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", chunk)  # noqa: S608 (placeholders only)
            cursor.execute(f"DELETE FROM search_trgm WHERE rowid IN ({marks})", chunk)  # noqa: S608 (placeholders only)

    def remove(self, kind: str, object_ids: Sequence[int]) -> None:
        with transaction.atomic():
            queryset = SearchDocument.objects.filter(kind=kind, object_id__in=list(object_ids))
            rowids = list(queryset.values_list("pk", flat=True))
            if rowids:
                with connection.cursor() as cursor:
                    self._delete_rows(cursor, rowids)
                queryset.delete()

    def clear(self, kind: str | None = None) -> int:
        with transaction.atomic():
            queryset = SearchDocument.objects.all()
            if kind:
                queryset = queryset.filter(kind=kind)
            rowids = list(queryset.values_list("pk", flat=True))
            with connection.cursor() as cursor:
                self._delete_rows(cursor, rowids)
            queryset.delete()
        return len(rowids)

    # --- Reading ---------------------------------------------------------------------------

    def search(
        self, kind: str, text: str, *, scope: Scope | None, limit: int, match: Match
    ) -> list[Hit]:
        from frontline.search.index import Hit

        expression = fts_any(text) if match == "any" else fts_all(text)
        scope_sql, scope_params = (
            (f" AND d.object_id IN ({scope.sql})", list(scope.params)) if scope else ("", [])
        )
        rows: list[tuple[int, int, float]] = []
        if expression:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT d.id, d.object_id, -bm25(search_fts, {WEIGHTS}) AS score "  # noqa: S608 (placeholders only)
                    "FROM search_fts JOIN search_searchdocument d ON d.id = search_fts.rowid "
                    f"WHERE search_fts MATCH %s AND d.kind = %s{scope_sql} "
                    "ORDER BY score DESC, d.object_id DESC LIMIT %s",
                    [expression, kind, *scope_params, limit],
                )
                rows = [(r[0], r[1], float(r[2])) for r in cursor.fetchall()]
            snippets = self._snippets(expression, [r[0] for r in rows])
        hits = [Hit(object_id, score, snippets.get(pk, "")) for pk, object_id, score in rows]
        # Typos: only words that no document has are corrected (a known word never widens
        # the search), when the words found nothing, or in "any" mode.
        fuzzy_text = ""
        if (not hits and not has_exclusion(text)) or (match == "any" and len(hits) < limit):
            fuzzy_text = " ".join(self._unknown_words(text))
        if fuzzy_text:
            seen = {h.object_id for h in hits}
            floor = min((h.rank for h in hits), default=1.0)
            for hit in self._fuzzy(kind, fuzzy_text, scope_sql, scope_params, limit):
                if hit.object_id not in seen and len(hits) < limit:
                    # below every word match, in similarity order
                    hits.append(Hit(hit.object_id, floor * hit.rank * 0.01, hit.snippet))
        return hits

    @staticmethod
    def _unknown_words(text: str) -> list[str]:
        """The query's words (of those worth correcting) that no document contains."""
        candidates = fuzzy_words(text)[:12]
        if not candidates:
            return []
        exists = ", ".join(
            ["EXISTS (SELECT 1 FROM search_fts WHERE search_fts MATCH %s)"] * len(candidates)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {exists}", [_phrase([w]) for w in candidates])
            found = cursor.fetchone()
        return [w for w, there in zip(candidates, found, strict=True) if not there]

    def _snippets(self, expression: str, rowids: list[int]) -> dict[int, str]:
        if not rowids:
            return {}
        marks = ", ".join(["%s"] * len(rowids))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, snippet(search_fts, 2, %s, %s, %s, 24), "  # noqa: S608 (placeholders only)
                "snippet(search_fts, 0, %s, %s, %s, 24), body FROM search_fts "
                f"WHERE search_fts MATCH %s AND rowid IN ({marks})",
                [START, STOP, "…", START, STOP, "…", expression, *rowids],
            )
            result = {}
            for rowid, body_marked, title_marked, body in cursor.fetchall():
                if START in body_marked:  # the body says more than the title shown beside it
                    result[rowid] = marked_to_html(body_marked)
                elif START in title_marked:
                    result[rowid] = marked_to_html(title_marked)
                else:
                    result[rowid] = plain_snippet(body)
        return result

    def _fuzzy(
        self, kind: str, text: str, scope_sql: str, scope_params: list[Any], limit: int
    ) -> list[Hit]:
        from frontline.search.index import Hit

        query_words = fuzzy_words(text)
        grams = sorted({g for w in query_words for g in trigrams(w) if g.strip() == g})
        if not grams:
            return []
        expression = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT d.object_id, d.title, d.body FROM search_trgm "  # noqa: S608 (placeholders only)
                "JOIN search_searchdocument d ON d.id = search_trgm.rowid "
                f"WHERE search_trgm MATCH %s AND d.kind = %s{scope_sql} "
                "ORDER BY bm25(search_trgm) LIMIT %s",
                [expression, kind, *scope_params, FUZZY_CANDIDATES],
            )
            candidates = cursor.fetchall()
        scored = []
        for object_id, title, body in candidates:
            title_words = words(title)
            score = sum(
                max((similarity(q, t) for t in title_words), default=0.0) for q in query_words
            )
            best = max((similarity(q, t) for q in query_words for t in title_words), default=0.0)
            if best >= FUZZY_THRESHOLD:
                scored.append((score, object_id, title, body))
        scored.sort(key=lambda row: (-row[0], -row[1]))
        return [
            Hit(object_id, score, fuzzy_snippet(title, body, query_words))
            for score, object_id, title, body in scored[:limit]
        ]
