"""API v1: search (tickets, people, articles), scoped like the desk's search page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from frontline.api.schemas import ERRORS, actor, reject_unknown
from frontline.search.schemas import SEARCH_PARAMS, SearchPage, SearchQuery, hit_out
from frontline.search.selectors import SearchRequest, search_everything

router = Router(tags=["Search"])


@router.get("/search", response={200: SearchPage, 401: ERRORS[401], 422: ERRORS[422]})
def search(request: HttpRequest, query: Query[SearchQuery]) -> dict[str, Any]:
    """Full-text search. ``q`` takes web-search syntax (words, "a phrase", -word, a OR b;
    a ticket number puts that ticket first); ``match=any`` ranks by any word instead.
    Desk users search tickets they may see, people and articles; requesters only articles.
    Without ``kind``, items come grouped by kind (tickets, people, articles)."""
    reject_unknown(request, SEARCH_PARAMS)
    results = search_everything(
        actor(request),
        SearchRequest(
            q=query.q,
            kind=query.kind,
            status=query.status,
            team=query.team,
            limit=query.limit,
            match=query.match,
        ),
    )
    return {"items": [hit_out(r) for hits in results.values() for r in hits]}
