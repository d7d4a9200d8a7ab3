"""API v1: knowledge base. Reading is scoped by role (an article you may not see is a 404);
writing and the workflow are for the desk, approving for knowledge managers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from frontline.accounts.selectors import organizations_visible_to
from frontline.api.schemas import ERRORS, actor, by_id, by_ids, json_response, offset_page
from frontline.core.errors import NotFound, ValidationError
from frontline.knowledge import selectors, services
from frontline.knowledge.models import ArticleStatus, KBCategory
from frontline.knowledge.schemas import (
    ArticleCreateIn,
    ArticleDetail,
    ArticleListQuery,
    ArticlePage,
    ArticleUpdateIn,
    DeflectionIn,
    DeflectionOut,
    FeedbackIn,
    FeedbackOut,
    RestoreIn,
    SuggestionList,
    TransitionIn,
    VersionList,
    article_detail,
    article_item,
    version_out,
)
from frontline.tickets.selectors import categories_visible_to

router = Router(tags=["Knowledge base"])

LIST_PARAMS = frozenset(ArticleListQuery.model_fields)


def _errors(*codes: int) -> dict[int, Any]:
    return {code: ERRORS[code] for code in codes}


def _refs(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    user = actor(request)
    if data.get("category") is not None:
        data["category"] = by_id(KBCategory.objects.all(), data["category"], "category")
    if data.get("organizations") is not None:
        data["organizations"] = by_ids(
            organizations_visible_to(user), data["organizations"], "organizations", "organization"
        )
    if data.get("ticket_categories") is not None:
        data["ticket_categories"] = by_ids(
            categories_visible_to(user), data["ticket_categories"], "ticket_categories", "category"
        )
    return data


@router.get("/articles", response={200: ArticlePage, **_errors(401, 422)})
def list_articles(request: HttpRequest, query: Query[ArticleListQuery]) -> HttpResponse:
    """Articles you may see: requesters get published ones for them; the desk also sees
    agents-only articles and drafts (its own; knowledge managers: all). `q` searches."""
    from frontline.api.schemas import reject_unknown

    reject_unknown(request, LIST_PARAMS)
    user = actor(request)
    if query.q and query.q.strip():
        found = selectors.search_articles(user, query.q, limit=query.limit + query.offset)
        rows = [s.article for s in found][query.offset :]
        if query.status:
            rows = [a for a in rows if a.status == query.status]
        if query.category:
            rows = [a for a in rows if a.category_id == query.category]
        return json_response({"items": [article_item(a) for a in rows], "next_offset": None})
    queryset = selectors.article_list(user, status=query.status, category=query.category)
    items, next_offset = offset_page(queryset, query.limit, query.offset)
    return json_response({"items": [article_item(a) for a in items], "next_offset": next_offset})


@router.get("/articles/suggest", response={200: SuggestionList, **_errors(401, 422)})
def suggest(request: HttpRequest, q: str = "", category: int | None = None) -> dict[str, Any]:
    """Published articles that may answer a question in the user's own words (any word)."""
    if len(q) > 1000:
        raise ValidationError.field("q", "1000 characters at most.")
    ticket_category = None
    if category is not None:
        ticket_category = by_id(categories_visible_to(actor(request)), category, "category")
    found = selectors.suggest_articles(actor(request), q, ticket_category, limit=5)
    return {
        "items": [
            {
                "id": s.article.pk,
                "title": s.article.title,
                "snippet": s.snippet,
                "rank": s.rank,
                "url": f"/kb/articles/{s.article.pk}/",
            }
            for s in found
        ]
    }


@router.get("/articles/{article_id}", response={200: ArticleDetail, **_errors(401, 404)})
def get_article(request: HttpRequest, article_id: int) -> dict[str, Any]:
    """One article you may see, with its Markdown and sanitised HTML."""
    return article_detail(selectors.article_for(actor(request), article_id))


@router.post("/articles", response={201: ArticleDetail, **_errors(401, 403, 422)})
def create_article(request: HttpRequest, payload: ArticleCreateIn) -> Status[dict[str, Any]]:
    """Write a draft (desk users)."""
    data = _refs(request, payload.model_dump())
    article = services.article_create(actor=actor(request), **data)
    return Status(201, article_detail(selectors.article_for(actor(request), article.pk)))


@router.patch(
    "/articles/{article_id}", response={200: ArticleDetail, **_errors(401, 403, 404, 409, 422)}
)
def update_article(
    request: HttpRequest, article_id: int, payload: ArticleUpdateIn
) -> dict[str, Any]:
    """Save the fields sent as a new version. `version` is required: a stale one is a 409."""
    user = actor(request)
    article = selectors.article_for(user, article_id)
    changes = _refs(
        request,
        payload.changes(nullable={"category"}, exclude={"version", "note"}),
    )
    services.article_update(
        actor=user, article=article, version=payload.version, note=payload.note or "", **changes
    )
    return article_detail(selectors.article_for(user, article_id))


@router.post(
    "/articles/{article_id}/transition",
    response={200: ArticleDetail, **_errors(401, 403, 404, 409, 422)},
)
def transition(request: HttpRequest, article_id: int, payload: TransitionIn) -> dict[str, Any]:
    """Submit for review, approve (publish), archive, or send back to draft."""
    user = actor(request)
    article = selectors.article_for(user, article_id)
    services.article_transition(actor=user, article=article, status=payload.status)
    return article_detail(selectors.article_for(user, article_id))


@router.get("/articles/{article_id}/versions", response={200: VersionList, **_errors(401, 404)})
def versions(request: HttpRequest, article_id: int) -> dict[str, Any]:
    """The article's versions, newest first (desk only)."""
    user = actor(request)
    article = selectors.article_for(user, article_id)
    if not user.is_agent_like:
        raise NotFound("No such article.")
    return {"items": [version_out(v) for v in selectors.article_versions(user, article)]}


@router.post(
    "/articles/{article_id}/restore",
    response={200: ArticleDetail, **_errors(401, 403, 404, 409, 422)},
)
def restore(request: HttpRequest, article_id: int, payload: RestoreIn) -> dict[str, Any]:
    """Make an old version the latest again (as a new version)."""
    user = actor(request)
    article = selectors.article_for(user, article_id)
    services.article_restore(actor=user, article=article, number=payload.number)
    return article_detail(selectors.article_for(user, article_id))


@router.put(
    "/articles/{article_id}/feedback", response={200: FeedbackOut, **_errors(401, 404, 422)}
)
def feedback(request: HttpRequest, article_id: int, payload: FeedbackIn) -> dict[str, Any]:
    """Your 'Did this help?' vote on a published article; sending again changes it."""
    user = actor(request)
    article = selectors.article_for(user, article_id)
    if article.status != ArticleStatus.PUBLISHED:
        raise NotFound("No such article.")
    vote = services.article_feedback(
        actor=user, article=article, helpful=payload.helpful, comment=payload.comment
    )
    return {"article": article.pk, "helpful": vote.helpful, "comment": vote.comment}


@router.post(
    "/articles/{article_id}/deflections",
    response={201: DeflectionOut, **_errors(401, 404, 422)},
)
def deflect(request: HttpRequest, article_id: int, payload: DeflectionIn) -> Status[dict[str, Any]]:
    """'This solved it': the article answered a request the user was about to send."""
    user = actor(request)
    article = selectors.article_for(user, article_id)
    row = services.deflection_record(actor=user, article=article, title=payload.title)
    return Status(201, {"id": row.pk, "article": article.pk, "created_at": row.created_at})
