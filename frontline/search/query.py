"""Running a search: check the input, compile the scope, ask the backend, put an exact ticket
number first. Also the web-search syntax parser the SQLite backend compiles to FTS5 (PostgreSQL
parses the same syntax itself with websearch_to_tsquery)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet

from frontline.search.backends.base import STOPWORDS, Scope, words

if TYPE_CHECKING:
    from frontline.search.index import Hit, Match

NUMBER = re.compile(r"#?(\d{1,15})")
EXACT_RANK = 1000.0  # an exact ticket number beats any text rank (ranks stay well below 100)
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def run_search(
    kind: str, text: str, *, within: QuerySet[Any] | None, limit: int, match: Match
) -> list[Hit]:
    from frontline.search.index import MAX_LIMIT, MAX_QUERY_LENGTH, Hit, backend

    text = (text or "").strip()[:MAX_QUERY_LENGTH]
    limit = max(1, min(int(limit), MAX_LIMIT))
    if not text:
        return []
    try:
        scope = scope_of(within)
    except EmptyResultSet:  # e.g. .none(): nothing is in scope
        return []
    hits = backend().search(kind, text, scope=scope, limit=limit, match=match)
    number = NUMBER.fullmatch(text)
    if kind == "ticket" and number:
        exact = _ticket_by_number(int(number.group(1)), within)
        if exact is not None:
            rest = [hit for hit in hits if hit.object_id != exact.object_id]
            snippet = next((h.snippet for h in hits if h.object_id == exact.object_id), "")
            hits = [Hit(exact.object_id, EXACT_RANK, snippet or exact.snippet), *rest][:limit]
    return hits


def scope_of(within: QuerySet[Any] | None) -> Scope | None:
    """The queryset's primary keys as a SQL subquery (None when it restricts nothing)."""
    if within is None:
        return None
    query = within.query
    if not query.where and query.low_mark == 0 and query.high_mark is None:
        return None  # e.g. Model.objects.all(): a subquery would only cost time
    sql, params = within.order_by().values("pk").query.sql_with_params()
    return Scope(sql=sql, params=params)


def _ticket_by_number(number: int, within: QuerySet[Any] | None) -> Hit | None:
    from frontline.search.backends.base import marked_to_html
    from frontline.search.index import Hit
    from frontline.tickets.models import Ticket

    queryset = Ticket.objects.all() if within is None else within
    row = queryset.filter(number=number).values_list("pk", "title").first()
    if row is None:
        return None
    return Hit(row[0], EXACT_RANK, marked_to_html(f"#{number} {row[1]}"))


# --- Web-search syntax ------------------------------------------------------------------------


@dataclass
class Parsed:
    """``groups`` must all match (each group: any of its phrases); ``excluded`` must not."""

    groups: list[list[list[str]]] = field(default_factory=list)
    excluded: list[list[str]] = field(default_factory=list)


def parse_websearch(text: str) -> Parsed:
    """Parse like PostgreSQL's websearch_to_tsquery: words (all must match), "a phrase",
    -word or -"a phrase" (must not match), and OR between two terms. Unquoted stop words are
    dropped, as PostgreSQL's english configuration does."""
    parsed = Parsed()
    pending_or = False
    for negated_quote, quoted, bare in _TOKEN.findall(text):
        negated = bool(negated_quote)
        if bare:
            if bare.upper() == "OR" or bare == "|":
                pending_or = bool(parsed.groups)
                continue
            if bare.startswith("-") and len(bare) > 1:
                negated, bare = True, bare[1:]
            phrase = words(bare)
            if len(phrase) == 1 and phrase[0] in STOPWORDS:
                continue
        else:
            phrase = words(quoted)
        if not phrase:
            continue
        if negated:
            parsed.excluded.append(phrase)
        elif pending_or:
            parsed.groups[-1].append(phrase)
        else:
            parsed.groups.append([phrase])
        pending_or = False
    return parsed


def any_words(text: str) -> list[str]:
    """The distinct words of a natural-language query, without stop words (all of them if
    the query has nothing else)."""
    found = list(dict.fromkeys(words(text)))
    kept = [w for w in found if w not in STOPWORDS]
    return kept or found
