"""Reads of the knowledge base, already scoped to what the user may see.

Every function takes the user first and never returns an article they may not see; a single
article they may not see is ``NotFound`` (404 everywhere).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from frontline.core.errors import NotFound
from frontline.knowledge import policies
from frontline.knowledge.indexing import KIND
from frontline.knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleFile,
    ArticleStatus,
    ArticleTicketLink,
    ArticleVersion,
    KBCategory,
)
from frontline.tickets.models import Category, Ticket


def articles_visible_to(user: Any) -> QuerySet[Article]:
    """Every article the user may see (any state for those who may see drafts)."""
    queryset = Article.objects.all()
    condition = policies.article_filter(user)
    return queryset if condition is None else queryset.filter(condition)


def published_articles_for(user: Any) -> QuerySet[Article]:
    """The published articles the user may read (what the portal and suggestions show)."""
    return articles_visible_to(user).filter(status=ArticleStatus.PUBLISHED)


def article_for(user: Any, pk: int) -> Article:
    """One article the user may see, with its category and author; else NotFound."""
    found = (
        articles_visible_to(user)
        .select_related("category", "category__parent", "author")
        .prefetch_related("organizations", "ticket_categories__team", "files")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("No such article.")
    return found


def article_list(
    user: Any,
    *,
    status: str | None = None,
    category: int | None = None,
    audience: str | None = None,
    mine: bool = False,
) -> QuerySet[Article]:
    """Articles for the desk list (newest change first), filtered, loaded for one page."""
    queryset = articles_visible_to(user).select_related("category", "author")
    if status:
        queryset = queryset.filter(status=status)
    if category:
        queryset = queryset.filter(category_id=category)
    if audience:
        queryset = queryset.filter(audience=audience)
    if mine:
        queryset = queryset.filter(author_id=user.pk)
    return queryset.order_by("-updated_at", "-id")


def portal_articles(user: Any, *, category: KBCategory | None = None) -> QuerySet[Article]:
    """Published articles the user may read, in a category (with its sub-categories)."""
    queryset = published_articles_for(user).select_related("category")
    if category is not None:
        queryset = queryset.filter(Q(category=category) | Q(category__parent=category))
    return queryset.order_by("title", "id")


def popular_articles(user: Any, limit: int = 8) -> list[Article]:
    """The most viewed published articles the user may read."""
    return list(
        published_articles_for(user)
        .select_related("category")
        .order_by("-view_count", "title")[:limit]
    )


def kb_categories_for(user: Any) -> list[tuple[KBCategory, int]]:
    """Top-level categories with how many readable articles each holds (sub-categories too)."""
    visible = published_articles_for(user)
    direct = dict(
        visible.exclude(category__isnull=True)
        .values_list("category_id")
        .annotate(n=Count("id"))
        .values_list("category_id", "n")
    )
    nodes = list(KBCategory.objects.all())
    totals: dict[int, int] = {}
    for node in nodes:
        root = node.parent_id or node.pk
        totals[root] = totals.get(root, 0) + direct.get(node.pk, 0)
    return [(n, totals.get(n.pk, 0)) for n in nodes if n.parent_id is None and totals.get(n.pk)]


def kb_category(pk: int) -> KBCategory:
    found = KBCategory.objects.select_related("parent").filter(pk=pk).first()
    if found is None:
        raise NotFound("No such category.")
    return found


def article_versions(user: Any, article: Article) -> list[ArticleVersion]:
    """The article's versions, newest first (caller has checked the user may see it)."""
    return list(article.versions.select_related("edited_by"))


def article_version(article: Article, number: int) -> ArticleVersion:
    found = article.versions.select_related("edited_by").filter(number=number).first()
    if found is None:
        raise NotFound("No such version.")
    return found


def feedback_of(user: Any, article: Article) -> ArticleFeedback | None:
    return ArticleFeedback.objects.filter(article=article, user_id=user.pk).first()


def article_file_for(user: Any, uuid: str) -> ArticleFile:
    """A file of an article the user may see; else NotFound."""
    found = ArticleFile.objects.select_related("article").filter(uuid=uuid).first()
    if found is None or not policies.can_view_article(user, found.article):
        raise NotFound("No such file.")
    return found


@dataclass(frozen=True)
class Suggestion:
    article: Article
    snippet: str
    rank: float
    linked_category: bool = False


def _search(kind: str, text: str, **kwargs: Any) -> list[Any]:
    from frontline.search.index import search

    return search(kind, text, **kwargs)


def search_articles(
    user: Any, text: str, *, limit: int = 20, match: str = "all"
) -> list[Suggestion]:
    """Published articles the user may read matching ``text`` (search box: every word)."""
    if not text.strip():
        return []
    within = published_articles_for(user)
    hits = _search(KIND, text, within=within, limit=limit, match=match)
    return _with_articles(within, hits)


def _with_articles(within: QuerySet[Article], hits: Iterable[Any]) -> list[Suggestion]:
    hits = list(hits)
    articles = within.select_related("category").in_bulk([h.object_id for h in hits])
    return [
        Suggestion(articles[h.object_id], h.snippet, h.rank)
        for h in hits
        if h.object_id in articles
    ]


def suggest_articles(
    user: Any, text: str, category: Category | None = None, limit: int = 5
) -> list[Suggestion]:
    """Published articles the user may read that may answer ``text`` (any word matches).

    Articles linked to ``category`` (the ticket category) that match rank first; when too few
    match, the category's other articles fill the list.
    """
    within = published_articles_for(user)
    hits = _search(KIND, text, within=within, limit=limit * 3, match="any") if text.strip() else []
    found = _with_articles(within, hits)
    if category is None:
        return found[:limit]
    linked = set(within.filter(ticket_categories=category).values_list("pk", flat=True))
    first = [
        Suggestion(s.article, s.snippet, s.rank, True) for s in found if s.article.pk in linked
    ]
    rest = [s for s in found if s.article.pk not in linked]
    result = (first + rest)[:limit]
    if len(result) < limit:
        have = {s.article.pk for s in result}
        extra = (
            within.filter(pk__in=linked - have)
            .select_related("category")
            .order_by("-view_count", "title")[: limit - len(result)]
        )
        result += [Suggestion(a, "", 0.0, True) for a in extra]
    return result


def ticket_suggestions(user: Any, ticket: Ticket, limit: int = 5) -> list[Suggestion]:
    """Articles for the desk's ticket panel: from the title, description and category."""
    text = f"{ticket.title} {ticket.description[:500]}"
    return suggest_articles(user, text, ticket.category, limit)


def ticket_article_links(user: Any, ticket: Ticket) -> list[ArticleTicketLink]:
    """The articles linked to a ticket that the user may see."""
    visible = articles_visible_to(user).values("pk")
    return list(
        ArticleTicketLink.objects.filter(ticket=ticket, article__in=visible).select_related(
            "article", "linked_by"
        )
    )


def prefetch_for_list(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """What the API list renders: categories, organizations and ticket categories."""
    return queryset.select_related("category", "author").prefetch_related(
        Prefetch("organizations"), Prefetch("ticket_categories")
    )
