"""The knowledge base: articles in a category tree, their versions, files, feedback and the
counters reports read (views, votes, deflections, tickets they helped resolve)."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models

from frontline.accounts.models import Organization
from frontline.core.models import TimeStampedModel
from frontline.tickets.models import Category, Ticket


class KBCategory(TimeStampedModel):
    """A node of the knowledge base's own tree (separate from ticket categories)."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "knowledge base category"
        verbose_name_plural = "knowledge base categories"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unique_kb_category_name"),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(parent__isnull=True),
                name="unique_kb_root_category_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Audience(models.TextChoices):
    PUBLIC = "public", "Everyone"
    ORGANIZATIONS = "organizations", "Requesters of chosen organizations"
    AGENTS = "agents", "Agents only"


class Article(TimeStampedModel):
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown.")
    category = models.ForeignKey(
        KBCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    tags = models.CharField(
        max_length=300, blank=True, help_text="Comma-separated words people search for."
    )
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.PUBLIC)
    organizations = models.ManyToManyField(Organization, blank=True, related_name="kb_articles")
    ticket_categories = models.ManyToManyField(
        Category,
        blank=True,
        related_name="kb_articles",
        help_text="The ticket categories this article answers.",
    )
    status = models.CharField(
        max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="kb_articles"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="The latest version's number.")
    # Counters for lists and reports, kept by the services with F() updates.
    view_count = models.PositiveIntegerField(default=0)
    helpful_count = models.PositiveIntegerField(default=0)
    unhelpful_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["status", "audience"], name="article_status_audience"),
            models.Index(fields=["category", "status"], name="article_category_status"),
            models.Index(fields=["-view_count"], name="article_popular"),
            models.Index(fields=["-updated_at"], name="article_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class ArticleVersion(models.Model):
    """What an article said after one saved edit; never changed afterwards."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    tags = models.CharField(max_length=300, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_article_version")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


def article_file_path(instance: ArticleFile, filename: str) -> str:
    """Stored under a generated name: the uploaded name is never a path on disk."""
    suffix = "".join(PurePath(filename).suffixes[-1:])[:10].lower()
    safe_suffix = suffix if suffix[1:].isalnum() else ""
    return f"kb/{instance.uuid.hex[:2]}/{instance.uuid.hex}{safe_suffix}"


INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class ArticleFile(models.Model):
    """An image or attachment of an article, served through an access-checked view."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="files")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=article_file_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_image(self) -> bool:
        """Raster images may be shown inline; everything else (SVG included) downloads."""
        return self.content_type in INLINE_IMAGE_TYPES


class ArticleFeedback(TimeStampedModel):
    """'Did this help?': one vote per person per article, which they may change."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kb_feedback"
    )
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="one_vote_per_user")
        ]

    def __str__(self) -> str:
        return f"{'yes' if self.helpful else 'no'} on {self.article_id}"


class ArticleView(models.Model):
    """One row per person per article per day: cheap to write, enough for reports."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user", "day"], name="one_view_per_day")
        ]
        indexes = [models.Index(fields=["day"], name="article_view_day")]

    def __str__(self) -> str:
        return f"{self.article_id} by {self.user_id} on {self.day}"


class Deflection(models.Model):
    """A request that ended in the portal because an article answered it: no ticket made.

    Reports compute the deflection rate from these rows; keep the field names stable.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kb_deflections"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=250, blank=True, help_text="What the requester typed.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="deflection_created")]

    def __str__(self) -> str:
        return f"{self.article_id} deflected for {self.requester_id}"


class ArticleTicketLink(models.Model):
    """An article an agent used on a ticket; ``resolved`` turns true when the ticket resolves."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="ticket_links")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="kb_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "ticket"], name="one_link_per_ticket")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} on ticket {self.ticket_id}"


class ArticleEvent(models.Model):
    """What happened to an article (created, edited, submitted, published, ...): its audit."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=30)
    old = models.CharField(max_length=30, blank=True)
    new = models.CharField(max_length=30, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.article_id}"
