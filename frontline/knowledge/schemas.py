"""API v1 schemas of the knowledge base, and the builders that render articles as dicts."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from frontline.api.schemas import Id, Input, NamedRef
from frontline.knowledge.models import Article, ArticleVersion
from frontline.knowledge.rendering import plain_excerpt, render_markdown

StatusName = Literal["draft", "review", "published", "archived"]
AudienceName = Literal["public", "organizations", "agents"]


class ArticleItem(Schema):
    id: int
    title: str
    status: StatusName
    audience: AudienceName
    category: NamedRef | None
    tags: list[str]
    excerpt: str
    updated_at: datetime
    published_at: datetime | None
    views: int
    helpful: int
    unhelpful: int
    url: str


class ArticlePage(Schema):
    items: list[ArticleItem]
    next_offset: int | None


class ArticleDetail(ArticleItem):
    body: str = Field(description="Markdown as written.")
    html: str = Field(description="The body rendered and sanitised.")
    version: int
    organizations: list[NamedRef]
    ticket_categories: list[NamedRef]
    author: NamedRef | None


class SuggestionOut(Schema):
    id: int
    title: str
    snippet: str = Field(description="Safe HTML; matches in <mark>.")
    rank: float
    url: str


class SuggestionList(Schema):
    items: list[SuggestionOut]


class VersionOut(Schema):
    number: int
    title: str
    tags: str
    note: str
    edited_by: NamedRef | None
    created_at: datetime


class VersionList(Schema):
    items: list[VersionOut]


class ArticleListQuery(Schema):
    status: StatusName | None = None
    category: Id | None = None
    q: str | None = Field(None, max_length=200, description="Full-text search (every word).")
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0, le=1_000_000)


class ArticleCreateIn(Input):
    title: str = Field(max_length=200)
    body: str = Field(max_length=100_000)
    category: Id | None = None
    tags: list[str] = Field(default_factory=list, max_length=30)
    audience: AudienceName = "public"
    organizations: list[Id] = Field(default_factory=list, max_length=100)
    ticket_categories: list[Id] = Field(default_factory=list, max_length=100)


class ArticleUpdateIn(Input):
    version: int = Field(ge=1, description="The version you edited; a stale one is a 409.")
    title: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=100_000)
    category: Id | None = None
    tags: list[str] | None = Field(None, max_length=30)
    audience: AudienceName | None = None
    organizations: list[Id] | None = Field(None, max_length=100)
    ticket_categories: list[Id] | None = Field(None, max_length=100)
    note: str | None = Field(None, max_length=200)


class TransitionIn(Input):
    status: StatusName


class FeedbackIn(Input):
    helpful: bool
    comment: str = Field("", max_length=2000)


class FeedbackOut(Schema):
    article: int
    helpful: bool
    comment: str


class DeflectionIn(Input):
    title: str = Field("", max_length=250)


class DeflectionOut(Schema):
    id: int
    article: int
    created_at: datetime


class RestoreIn(Input):
    number: int = Field(ge=1)


def _named(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "name": str(obj)}


def article_item(article: Article) -> dict[str, Any]:
    return {
        "id": article.pk,
        "title": article.title,
        "status": article.status,
        "audience": article.audience,
        "category": _named(article.category),
        "tags": article.tag_list,
        "excerpt": plain_excerpt(article.body),
        "updated_at": article.updated_at,
        "published_at": article.published_at,
        "views": article.view_count,
        "helpful": article.helpful_count,
        "unhelpful": article.unhelpful_count,
        "url": f"/kb/articles/{article.pk}/",
    }


def article_detail(article: Article) -> dict[str, Any]:
    author = article.author
    return {
        **article_item(article),
        "body": article.body,
        "html": render_markdown(article.body),
        "version": article.version,
        "organizations": [{"id": o.pk, "name": o.name} for o in article.organizations.all()],
        "ticket_categories": [
            {"id": c.pk, "name": c.name} for c in article.ticket_categories.all()
        ],
        "author": None if author is None else {"id": author.pk, "name": author.display_name},
    }


def version_out(version: ArticleVersion) -> dict[str, Any]:
    editor = version.edited_by
    return {
        "number": version.number,
        "title": version.title,
        "tags": version.tags,
        "note": version.note,
        "edited_by": None if editor is None else {"id": editor.pk, "name": editor.display_name},
        "created_at": version.created_at,
    }
