"""Who may see and do what in the knowledge base. The one place every entry point asks.

Visibility (an article the user may not see answers 404 everywhere: portal, desk, API, files):
- requester: published articles whose audience is everyone, or their own organizations;
- agent (any desk role): every published article, agents-only included, plus the drafts,
  reviews and archived articles they wrote;
- knowledge manager, manager, admin: every article in every state.
Writing: desk users write drafts and edit their own unpublished articles; knowledge managers,
managers and admins edit anything and approve (review → published), archive and restore.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q

from frontline.accounts.models import Role, User
from frontline.accounts.policies import is_desk_user
from frontline.knowledge.models import Article, ArticleStatus, Audience

APPROVER_ROLES = frozenset({Role.KNOWLEDGE_MANAGER, Role.MANAGER, Role.ADMIN})


def is_knowledge_manager(user: Any) -> bool:
    """Approves, publishes, archives and edits any article."""
    return bool(
        is_desk_user(user) and (user.role in APPROVER_ROLES or getattr(user, "is_superuser", False))
    )


def can_author(user: Any) -> bool:
    """Writes drafts and submits them for review."""
    return is_desk_user(user)


def article_filter(user: Any) -> Q | None:
    """A Q selecting the articles the user may see; None means every article."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if is_knowledge_manager(user):
        return None
    published = Q(status=ArticleStatus.PUBLISHED)
    if is_desk_user(user):
        return published | Q(author_id=user.pk)
    member_of = Article.organizations.through.objects.filter(
        article_id=OuterRef("pk"), organization__members=user
    )
    for_them = Q(audience=Audience.PUBLIC) | Q(
        Q(audience=Audience.ORGANIZATIONS), Exists(member_of)
    )
    return published & for_them


def can_view_article(user: Any, article: Article) -> bool:
    """The same rule as article_filter, for one article already in memory."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_knowledge_manager(user):
        return True
    if is_desk_user(user):
        return article.status == ArticleStatus.PUBLISHED or article.author_id == user.pk
    if article.status != ArticleStatus.PUBLISHED:
        return False
    if article.audience == Audience.PUBLIC:
        return True
    if article.audience == Audience.ORGANIZATIONS:
        return article.organizations.filter(members=user).exists()
    return False


def can_edit_article(user: Any, article: Article) -> bool:
    """Approvers edit anything; an author edits their own article until it is published."""
    if is_knowledge_manager(user):
        return True
    return (
        can_author(user)
        and article.author_id == user.pk
        and article.status in {ArticleStatus.DRAFT, ArticleStatus.REVIEW}
    )


# (from, to) → who may: "author" (may edit the article) or "approver".
TRANSITIONS: dict[tuple[str, str], str] = {
    (ArticleStatus.DRAFT, ArticleStatus.REVIEW): "author",
    (ArticleStatus.REVIEW, ArticleStatus.DRAFT): "author",  # withdrawn, or sent back
    (ArticleStatus.REVIEW, ArticleStatus.PUBLISHED): "approver",
    (ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED): "approver",
    (ArticleStatus.PUBLISHED, ArticleStatus.DRAFT): "approver",  # unpublish to rework
    (ArticleStatus.ARCHIVED, ArticleStatus.DRAFT): "approver",
}


def allowed_transitions(user: Any, article: Article) -> list[str]:
    """The states this user may move the article to now."""
    out = []
    for (source, target), who in TRANSITIONS.items():
        if source != article.status:
            continue
        approver = who == "approver" and is_knowledge_manager(user)
        if approver or (who == "author" and can_edit_article(user, article)):
            out.append(target)
    return out


def can_link_article(user: Any) -> bool:
    """Linking articles to tickets and drafting from tickets is desk work."""
    return is_desk_user(user)


def is_requester(user: Any) -> bool:
    return isinstance(user, User) and not user.is_agent_like
