"""Writes to the knowledge base. Each service checks the policy, runs in one transaction,
keeps the search index in step and records what happened (versions, article events)."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from frontline.accounts.models import Organization, User
from frontline.core.errors import Conflict, InvalidTransition, NotFound, ValidationError
from frontline.core.errors import PermissionDenied as Forbidden
from frontline.knowledge import policies
from frontline.knowledge.indexing import article_reindex
from frontline.knowledge.models import (
    Article,
    ArticleEvent,
    ArticleFeedback,
    ArticleFile,
    ArticleStatus,
    ArticleTicketLink,
    ArticleVersion,
    ArticleView,
    Audience,
    Deflection,
    KBCategory,
)
from frontline.tickets.models import Category, MessageKind, Ticket
from frontline.tickets.policies import can_work_ticket
from frontline.tickets.services.attachments import clean_filename

EDITABLE = ("title", "body", "category", "tags", "audience", "organizations", "ticket_categories")


def _clean_tags(tags: str | Iterable[str]) -> str:
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    seen: dict[str, None] = {}
    for item in items:
        word = " ".join(str(item).strip().lower().split())
        if word:
            seen.setdefault(word[:50], None)
    joined = ", ".join(seen)
    if len(joined) > 300:
        raise ValidationError.field("tags", "Too many tags (300 characters at most).")
    return joined


def _validate(fields: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if "title" in fields:
        fields["title"] = " ".join(str(fields["title"] or "").split())
        if not fields["title"]:
            errors["title"] = ["A title is required."]
        elif len(fields["title"]) > 200:
            errors["title"] = ["200 characters at most."]
    if "body" in fields:
        fields["body"] = str(fields["body"] or "").replace("\r\n", "\n").strip()
        if not fields["body"]:
            errors["body"] = ["The article needs a body."]
        elif len(fields["body"]) > 100_000:
            errors["body"] = ["100,000 characters at most."]
    if "audience" in fields and fields["audience"] not in Audience.values:
        errors["audience"] = [f"One of: {', '.join(Audience.values)}."]
    if "tags" in fields:
        try:
            fields["tags"] = _clean_tags(fields["tags"] or "")
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError("Please correct the article.", errors=errors)
    return fields


def _check_audience(article: Article, organizations: list[Organization] | None) -> None:
    orgs = organizations if organizations is not None else list(article.organizations.all())
    if article.audience == Audience.ORGANIZATIONS and not orgs:
        raise ValidationError.field(
            "organizations", "Choose the organizations whose requesters may read it."
        )


def _snapshot(article: Article, actor: User | None, note: str = "") -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        tags=article.tags,
        edited_by=actor,
        note=note[:200],
    )


def _event(article: Article, actor: User | None, kind: str, old: str = "", new: str = "") -> None:
    ArticleEvent.objects.create(article=article, actor=actor, kind=kind, old=old, new=new)


def article_create(
    *,
    actor: User,
    title: str,
    body: str,
    category: KBCategory | None = None,
    tags: str | Iterable[str] = "",
    audience: str = Audience.PUBLIC,
    organizations: Iterable[Organization] = (),
    ticket_categories: Iterable[Category] = (),
) -> Article:
    """Write a new draft (version 1) by ``actor``, a desk user. Bad input is a
    ValidationError naming the fields; nothing is written."""
    if not policies.can_author(actor):
        raise Forbidden("Only the desk writes articles.")
    fields = _validate({"title": title, "body": body, "tags": tags, "audience": audience})
    orgs = list(organizations)
    with transaction.atomic():
        article = Article(author=actor, category=category, status=ArticleStatus.DRAFT, **fields)
        _check_audience(article, orgs)
        article.save()
        article.organizations.set(orgs)
        article.ticket_categories.set(list(ticket_categories))
        _snapshot(article, actor, "Created")
        _event(article, actor, "created", new=article.status)
    return article


def article_update(
    *, actor: User, article: Article, version: int | None = None, note: str = "", **changes: Any
) -> Article:
    """Save an edit as a new version. ``version`` (the one the editor started from), when
    given, must still be the latest: otherwise Conflict, nothing saved. A published article
    is re-indexed at once. Unknown fields are a ValidationError."""
    if not policies.can_edit_article(actor, article):
        raise Forbidden("You may not edit this article.")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(
            "Unknown field.", errors={name: ["Not an article field."] for name in unknown}
        )
    fields = _validate(dict(changes))
    orgs = fields.pop("organizations", None)
    ticket_categories = fields.pop("ticket_categories", None)
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if version is not None and version != locked.version:
            raise Conflict(
                f"Someone saved version {locked.version} since you opened version {version}."
            )
        for name, value in fields.items():
            setattr(locked, name, value)
        _check_audience(locked, list(orgs) if orgs is not None else None)
        locked.version += 1
        locked.save()
        if orgs is not None:
            locked.organizations.set(list(orgs))
        if ticket_categories is not None:
            locked.ticket_categories.set(list(ticket_categories))
        _snapshot(locked, actor, note or "Edited")
        _event(locked, actor, "edited", new=str(locked.version))
        article_reindex(locked)
    return locked


def article_transition(*, actor: User, article: Article, status: str) -> Article:
    """Move the article along draft → review → published → archived (and back to draft).

    A move the state machine does not have is InvalidTransition; one the actor may not make
    (e.g. an author publishing) is PermissionDenied. Publishing indexes the article,
    leaving the published state removes it from the index.
    """
    if status not in ArticleStatus.values:
        raise ValidationError.field("status", f"One of: {', '.join(ArticleStatus.values)}.")
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        who = policies.TRANSITIONS.get((locked.status, status))
        if who is None:
            raise InvalidTransition(
                f"An article cannot go from {locked.get_status_display().lower()} "
                f"to {ArticleStatus(status).label.lower()}."
            )
        if status not in policies.allowed_transitions(actor, locked):
            raise Forbidden(
                "Only a knowledge manager may do this."
                if who == "approver"
                else "You may not change this article."
            )
        old = locked.status
        locked.status = status
        if status == ArticleStatus.PUBLISHED:
            locked.published_at = timezone.now()
        locked.save(update_fields=["status", "published_at", "updated_at"])
        _event(locked, actor, "status", old=old, new=status)
        article_reindex(locked)
    return locked


def article_restore(*, actor: User, article: Article, number: int) -> Article:
    """Make an old version's title, body and tags the latest again (as a new version)."""
    found = article.versions.filter(number=number).first()
    if found is None:
        raise NotFound("No such version.")
    return article_update(
        actor=actor,
        article=article,
        title=found.title,
        body=found.body,
        tags=found.tags,
        note=f"Restored version {number}",
    )


def article_feedback(
    *, actor: User, article: Article, helpful: bool, comment: str = ""
) -> ArticleFeedback:
    """Record the actor's 'Did this help?' vote; a second vote replaces the first. The
    article's helpful/unhelpful counters follow."""
    if not policies.can_view_article(actor, article):
        raise NotFound("No such article.")
    if article.status != ArticleStatus.PUBLISHED:
        raise ValidationError.field("helpful", "Only published articles take feedback.")
    comment = (comment or "").strip()[:2000]
    with transaction.atomic():
        existing = (
            ArticleFeedback.objects.select_for_update().filter(article=article, user=actor).first()
        )
        counters = {}
        if existing is None:
            try:
                with transaction.atomic():
                    feedback = ArticleFeedback.objects.create(
                        article=article, user=actor, helpful=helpful, comment=comment
                    )
            except IntegrityError:  # a concurrent first vote: change it instead
                return article_feedback(
                    actor=actor, article=article, helpful=helpful, comment=comment
                )
            counters = {
                "helpful_count" if helpful else "unhelpful_count": F(
                    "helpful_count" if helpful else "unhelpful_count"
                )
                + 1
            }
        else:
            if existing.helpful != helpful:
                up, down = (
                    ("helpful_count", "unhelpful_count")
                    if helpful
                    else ("unhelpful_count", "helpful_count")
                )
                counters = {up: F(up) + 1, down: F(down) - 1}
            existing.helpful = helpful
            existing.comment = comment
            existing.save()
            feedback = existing
        if counters:
            Article.objects.filter(pk=article.pk).update(**counters)
    return feedback


def article_record_view(*, actor: User, article: Article) -> bool:
    """Count a view: at most one per person per article per day. True if it counted."""
    today = timezone.now().date()
    with transaction.atomic():
        _, created = ArticleView.objects.get_or_create(article=article, user=actor, day=today)
        if created:
            Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)
    return created


def deflection_record(*, actor: User, article: Article, title: str = "") -> Deflection:
    """'This solved it' on the new-request form: the requester needs no ticket after all.

    Recorded with the requester's organization (their first) and what they had typed."""
    if not policies.can_view_article(actor, article) or article.status != ArticleStatus.PUBLISHED:
        raise NotFound("No such article.")
    return Deflection.objects.create(
        article=article,
        requester=actor,
        organization=actor.organizations.order_by("name").first(),
        title=" ".join((title or "").split())[:250],
    )


def article_link_ticket(*, actor: User, article: Article, ticket: Ticket) -> ArticleTicketLink:
    """Note that the article was used on the ticket (idempotent). Already resolved tickets
    count as resolved by it."""
    if not policies.can_link_article(actor) or not can_work_ticket(actor, ticket):
        raise NotFound("No such ticket.")
    if not policies.can_view_article(actor, article) or article.status != ArticleStatus.PUBLISHED:
        raise NotFound("No such article.")
    link, _ = ArticleTicketLink.objects.get_or_create(
        article=article,
        ticket=ticket,
        defaults={"linked_by": actor, "resolved": ticket.status in {"resolved", "closed"}},
    )
    return link


def links_mark_resolved(*, ticket_id: int) -> int:
    """A linked ticket was resolved: its article links count as resolutions (idempotent)."""
    return ArticleTicketLink.objects.filter(ticket_id=ticket_id, resolved=False).update(
        resolved=True
    )


def article_draft_from_ticket(*, actor: User, ticket: Ticket) -> Article:
    """A draft prefilled from a ticket: its title, its description as the problem and the
    last public agent reply as the resolution, answering the ticket's category."""
    if not policies.can_author(actor) or not can_work_ticket(actor, ticket):
        raise NotFound("No such ticket.")
    reply = (
        ticket.messages.filter(kind=MessageKind.PUBLIC, author__role__in=_desk_roles())
        .order_by("-created_at", "-id")
        .first()
    )
    body = "## Problem\n\n" + (ticket.description.strip() or ticket.title)
    body += "\n\n## Solution\n\n" + (
        reply.body.strip() if reply else "_Describe the steps that solve it._"
    )
    return article_create(
        actor=actor,
        title=ticket.title,
        body=body,
        tags=[t.name for t in ticket.tags.all()],
        audience=Audience.AGENTS,
        ticket_categories=[ticket.category] if ticket.category else [],
    )


def _desk_roles() -> list[str]:
    from frontline.accounts.models import STAFF_ROLES

    return [str(r) for r in STAFF_ROLES]


def article_file_upload(
    *, actor: User, article: Article, content: bytes | File, filename: str, content_type: str = ""
) -> ArticleFile:
    """Store an image or attachment for the article under a generated name. Files over
    FRONTLINE_KB_FILE_MAX_BYTES (default 10 MiB) are a ValidationError on ``file``."""
    if not policies.can_edit_article(actor, article):
        raise Forbidden("You may not edit this article.")
    limit = getattr(settings, "FRONTLINE_KB_FILE_MAX_BYTES", 10 * 2**20)
    django_file: File[Any]
    if isinstance(content, bytes):
        size, django_file = len(content), ContentFile(content)
    else:
        size, django_file = content.size or 0, content
    if size > limit:
        raise ValidationError.field(
            "file", f"The file is {size:,} bytes; the limit is {limit:,} bytes."
        )
    if size == 0:
        raise ValidationError.field("file", "The file is empty.")
    digest = hashlib.sha256()
    for chunk in django_file.chunks():
        digest.update(chunk)
    django_file.seek(0)
    name = clean_filename(filename)
    guessed = mimetypes.guess_type(name)[0]
    kind = (content_type or guessed or "application/octet-stream").split(";")[0].strip().lower()
    if "/" not in kind or len(kind) > 100:
        kind = guessed or "application/octet-stream"
    stored = ArticleFile(
        article=article,
        uploaded_by=actor,
        filename=name,
        content_type=kind,
        size=size,
        sha256=digest.hexdigest(),
    )
    stored.file.save(name, django_file, save=False)
    try:
        stored.save()
    except Exception:
        stored.file.delete(save=False)
        raise
    return stored


def kb_category_create(
    *, actor: User, name: str, parent: KBCategory | None = None, description: str = ""
) -> KBCategory:
    """A new knowledge base category (knowledge managers only); names are unique per parent."""
    if not policies.is_knowledge_manager(actor):
        raise Forbidden("Only a knowledge manager organises categories.")
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise ValidationError.field("name", "A name of 1 to 100 characters is required.")
    if KBCategory.objects.filter(parent=parent, name=name).exists():
        raise ValidationError.field("name", "There is already a category with this name here.")
    return KBCategory.objects.create(name=name, parent=parent, description=description[:300])
