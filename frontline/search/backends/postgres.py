"""PostgreSQL full-text backend (production).

Each SearchDocument row has a stored ``vector`` (setweight A title, B tags, C body, in the
document's language configuration) with a GIN index, and a pg_trgm GIN index on ``title``.

- ``match="all"``: websearch_to_tsquery('english', text), ranked by ts_rank_cd (length
  normalised, so a long thread mentioning a word often does not beat a title).
- ``match="any"``: the query's lexemes (stop words dropped by the english configuration),
  OR'ed. Each lexeme is weighted by its rarity (a capped document count: log(1 + CAP/df)),
  and the rank is the weighted sum of per-lexeme ts_rank, so documents with more and rarer
  words, in the title above all, come first. Lexemes found in CAP or more documents do not
  select candidates on their own (they still rank), so a common word never makes PostgreSQL
  rank half the table.
- Typo tolerance: a query word that no document has is corrected to the most similar word
  of the vocabulary of titles and tags (``search_searchterm``, pg_trgm ``%`` with its GIN
  index: a few thousand rows, so milliseconds), and the search runs again corrected.
  (Matching the titles themselves by trigrams took ~1 s at 100k tickets: generated titles
  share their trigrams with thousands of rows.)
- Snippets: ts_headline on the final page only (at most ``limit`` rows).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from frontline.search.backends.base import (
    BATCH,
    START,
    STOP,
    WORD,
    Scope,
    clean,
    fuzzy_words,
    has_exclusion,
    marked_to_html,
    plain_snippet,
    similarity,
    vocabulary,
)

if TYPE_CHECKING:
    from frontline.search.index import Document, Hit, Match

QUERY_CONFIG = "english"
DF_CAP = 1000
CORRECTION_THRESHOLD = 0.4  # a corrected query is checked by the search that follows
HEADLINE_CHARS = 50_000  # ts_headline parses the whole text: bound it
HEADLINE_OPTIONS = (
    f'StartSel="{START}", StopSel="{STOP}", MaxWords=30, MinWords=12, '
    'MaxFragments=2, FragmentDelimiter=" … "'
)
VECTOR = (
    "setweight(to_tsvector(v.language::regconfig, v.title), 'A') || "
    "setweight(to_tsvector(v.language::regconfig, v.tags), 'B') || "
    "setweight(to_tsvector(v.language::regconfig, v.body), 'C')"
)


@functools.cache
def _configs() -> frozenset[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cfgname FROM pg_ts_config")
        return frozenset(row[0] for row in cursor.fetchall())


def _language(name: str) -> str:
    return name if name in _configs() else "simple"


def _through_index(cursor: Any, sql: str, params: list[Any]) -> Any:
    """Run a query whose EXISTS/LIMIT must use the GIN index and return its one row.

    With a LIMIT (or EXISTS), the planner expects a rare word to turn up early in a
    sequential scan; for a word no document has, that reads the whole table (0.7 s at 100k
    tickets) instead of one index lookup. Sequential and plain index scans are switched off
    for this query only, so a bitmap scan of the GIN index remains; the settings are restored
    within the transaction."""
    cursor.execute(
        "SELECT set_config('enable_seqscan', 'off', true), "
        "set_config('enable_indexscan', 'off', true)"
    )
    try:
        cursor.execute(sql, params)
        return cursor.fetchone()
    finally:
        cursor.execute(
            "SELECT set_config('enable_seqscan', 'on', true), "
            "set_config('enable_indexscan', 'on', true)"
        )


def tsquery_literal(lexeme: str) -> str:
    """A lexeme as a quoted tsquery operand (no operator inside it can take effect)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


class PostgresBackend:
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
        latest = {(d.kind, d.object_id): d for d in docs}  # ON CONFLICT hits a key once
        params: list[Any] = []
        for d in latest.values():
            params += [
                d.kind,
                d.object_id,
                clean(d.title, 1000),
                clean(d.tags, 5000),
                clean(d.body),
                _language(d.language),
            ]
        values = ", ".join(["(%s, %s::bigint, %s, %s, %s, %s)"] * len(latest))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_searchdocument "  # noqa: S608 (placeholders only)
                "(kind, object_id, title, tags, body, language, updated_at, vector) "
                f"SELECT v.kind, v.object_id, v.title, v.tags, v.body, v.language, now(), {VECTOR} "
                f"FROM (VALUES {values}) AS v(kind, object_id, title, tags, body, language) "
                "ON CONFLICT (kind, object_id) DO UPDATE SET title = EXCLUDED.title, "
                "tags = EXCLUDED.tags, body = EXCLUDED.body, language = EXCLUDED.language, "
                "updated_at = EXCLUDED.updated_at, vector = EXCLUDED.vector",
                params,
            )
            terms = sorted({w for d in latest.values() for w in vocabulary(f"{d.title} {d.tags}")})
            cursor.execute(
                "INSERT INTO search_searchterm (term) SELECT unnest(%s::text[]) "
                "ON CONFLICT (term) DO NOTHING",
                [terms],
            )
        return len(latest)

    def remove(self, kind: str, object_ids: Sequence[int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM search_searchdocument WHERE kind = %s AND object_id = ANY(%s)",
                [kind, list(object_ids)],
            )

    def clear(self, kind: str | None = None) -> int:
        with connection.cursor() as cursor:
            if kind:
                cursor.execute("DELETE FROM search_searchdocument WHERE kind = %s", [kind])
            else:
                cursor.execute("DELETE FROM search_searchdocument")
            return int(cursor.rowcount)

    # --- Reading ---------------------------------------------------------------------------

    def search(
        self, kind: str, text: str, *, scope: Scope | None, limit: int, match: Match
    ) -> list[Hit]:
        scope_sql, scope_params = (
            (f" AND d.object_id IN ({scope.sql})", list(scope.params)) if scope else ("", [])
        )
        hits, unknown = self._words(kind, text, scope_sql, scope_params, limit, match)
        # Typos: words that no document has are corrected against the vocabulary of titles
        # and tags, and the search runs again with the corrections ("pasword reset" becomes
        # "password reset"). A known word is never corrected, so this cannot widen a precise
        # search; it runs when the words found nothing, or in "any" mode when one is unknown.
        if (not hits and not has_exclusion(text)) or (unknown and len(hits) < limit):
            corrected = self._corrected(kind, text)
            if corrected != text:
                hits, _ = self._words(kind, corrected, scope_sql, scope_params, limit, match)
        return hits

    def _words(
        self,
        kind: str,
        text: str,
        scope_sql: str,
        scope_params: list[Any],
        limit: int,
        match: Match,
    ) -> tuple[list[Hit], list[str]]:
        """The full-text hits, and (any mode) the lexemes no document has."""
        from frontline.search.index import Hit

        unknown: list[str] = []
        if match == "any":
            query, rank_sql, rank_params, unknown = self._any_query(kind, text)
        else:
            query = self._all_query(text)
            rank_sql, rank_params = "ts_rank_cd(d.vector, %s::tsquery, 1)", [query]
        if not query:
            return [], unknown
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.id, d.object_id, {rank_sql} AS score "  # noqa: S608 (placeholders only)
                "FROM search_searchdocument d "
                f"WHERE d.kind = %s AND d.vector @@ %s::tsquery{scope_sql} "
                "ORDER BY score DESC, d.object_id DESC LIMIT %s",
                [*rank_params, kind, query, *scope_params, limit],
            )
            rows = [(r[0], r[1], float(r[2])) for r in cursor.fetchall()]
        snippets = self._snippets(query, [r[0] for r in rows])
        hits = [Hit(object_id, score, snippets.get(pk, "")) for pk, object_id, score in rows]
        return hits, unknown

    def _corrected(self, kind: str, text: str) -> str:
        """``text`` with each unknown word replaced by the most similar vocabulary word
        (trigram similarity at least CORRECTION_THRESHOLD), if any."""
        unknown = self._unknown_words(kind, text)
        if not unknown:
            return text
        replacements: dict[str, str] = {}
        with connection.cursor() as cursor:
            for word in unknown:
                cursor.execute(
                    "SELECT term FROM search_searchterm WHERE term %% %s "
                    "ORDER BY similarity(term, %s) DESC, term LIMIT 1",
                    [word, word],
                )
                row = cursor.fetchone()
                if row and similarity(word, row[0]) >= CORRECTION_THRESHOLD:
                    replacements[word] = row[0]
        if not replacements:
            return text
        return WORD.sub(lambda m: replacements.get(m.group(0).lower(), m.group(0)), text)

    @staticmethod
    def _unknown_words(kind: str, text: str) -> list[str]:
        """The query's words (of those worth correcting) that no document of ``kind`` has."""
        candidates = fuzzy_words(text)[:6]
        if not candidates:
            return []
        exists = ", ".join(
            [
                "EXISTS (SELECT 1 FROM search_searchdocument WHERE kind = %s "
                "AND vector @@ plainto_tsquery(%s, %s))"
            ]
            * len(candidates)
        )
        with transaction.atomic(), connection.cursor() as cursor:
            found = _through_index(
                cursor, f"SELECT {exists}", [p for w in candidates for p in (kind, QUERY_CONFIG, w)]
            )
        return [w for w, there in zip(candidates, found, strict=True) if not there]

    @staticmethod
    def _all_query(text: str) -> str:
        """websearch_to_tsquery's result as text (empty when only stop words were given)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT websearch_to_tsquery(%s, %s)::text", [QUERY_CONFIG, text])
            return str(cursor.fetchone()[0] or "")

    @staticmethod
    def _any_query(kind: str, text: str) -> tuple[str, str, list[Any], list[str]]:
        """(the OR query selecting candidates, the rank expression, its parameters, the
        lexemes no document has: typo candidates)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT lexeme FROM unnest(to_tsvector(%s, %s)) ORDER BY positions[1]",
                [QUERY_CONFIG, text],
            )
            lexemes = [row[0] for row in cursor.fetchall()][:12]
            if not lexemes:
                return "", "0", [], []
            operands = [tsquery_literal(lex) for lex in lexemes]
            counts = ", ".join(
                "(SELECT count(*) FROM (SELECT 1 FROM search_searchdocument "
                "WHERE kind = %s AND vector @@ %s::tsquery LIMIT %s) s)"
                for _ in operands
            )
            with transaction.atomic():
                row = _through_index(
                    cursor, f"SELECT {counts}", [p for op in operands for p in (kind, op, DF_CAP)]
                )
            frequencies = [int(n) for n in row]
        weights = [math.log(1 + DF_CAP / (df + 1)) for df in frequencies]
        selective = [op for op, df in zip(operands, frequencies, strict=True) if 0 < df < DF_CAP]
        found = [op for op, df in zip(operands, frequencies, strict=True) if df > 0]
        unknown = [lex for lex, df in zip(lexemes, frequencies, strict=True) if df == 0]
        candidates = selective or found
        if not candidates:
            return "", "0", [], unknown
        rank = " + ".join(["%s * ts_rank(d.vector, %s::tsquery, 1)"] * len(operands))
        params = [p for op, w in zip(operands, weights, strict=True) for p in (w, op)]
        return " | ".join(candidates), rank, params, unknown

    @staticmethod
    def _snippets(query: str, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT d.id, ts_headline(%s, d.title, q, %s), "
                "ts_headline(%s, left(d.body, %s), q, %s), left(d.body, 1000) "
                "FROM search_searchdocument d, CAST(%s AS tsquery) q WHERE d.id = ANY(%s)",
                [
                    QUERY_CONFIG,
                    HEADLINE_OPTIONS,
                    QUERY_CONFIG,
                    HEADLINE_CHARS,
                    HEADLINE_OPTIONS,
                    query,
                    ids,
                ],
            )
            result = {}
            for pk, title, body, plain in cursor.fetchall():
                if START in body:
                    result[pk] = marked_to_html(body)
                elif START in title:
                    result[pk] = marked_to_html(title)
                else:
                    result[pk] = plain_snippet(plain)
        return result
