"""API schemas of search."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Schema

from frontline.search.selectors import Result


class SearchQuery(Schema):
    q: str = ""
    kind: str = ""  # ticket, person or article (checked by the selector: a 422 names it)
    match: Literal["all", "any"] = "all"
    limit: int = 20
    status: list[str] = []
    team: list[int] = []


SEARCH_PARAMS = frozenset(SearchQuery.model_fields)


class SearchHitOut(Schema):
    kind: str
    id: int
    title: str
    snippet: str  # safe HTML: text escaped, matches in <mark>
    rank: float
    url: str | None = None
    number: int | None = None  # tickets
    status: str | None = None  # tickets
    email: str | None = None  # people


class SearchPage(Schema):
    items: list[SearchHitOut]


def hit_out(result: Result) -> dict[str, Any]:
    obj = result.obj
    out: dict[str, Any] = {
        "kind": result.kind,
        "id": obj.pk,
        "snippet": result.snippet,
        "rank": result.rank,
    }
    if result.kind == "ticket":
        out |= {
            "title": obj.title,
            "number": obj.number,
            "status": obj.status,
            "url": f"/desk/tickets/{obj.number}/",
        }
    elif result.kind == "person":
        out |= {"title": obj.display_name, "email": obj.email}
    else:
        out |= {"title": str(getattr(obj, "title", obj)), "url": f"/kb/articles/{obj.pk}/"}
    return out
