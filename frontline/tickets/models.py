"""Tickets and everything that hangs off them: messages, attachments, events, categories."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models

from frontline.accounts.models import Organization, Team, Tier
from frontline.core.models import TimeStampedModel


class TicketType(models.TextChoices):
    INCIDENT = "incident", "Incident"
    SERVICE_REQUEST = "service_request", "Service request"
    QUESTION = "question", "Question"
    PROBLEM = "problem", "Problem"


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class PendingReason(models.TextChoices):
    REQUESTER = "requester", "Waiting on the requester"
    THIRD_PARTY = "third_party", "Waiting on a third party"


class Level(models.TextChoices):
    """Impact and urgency share one scale."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Priority(models.TextChoices):
    P1 = "p1", "P1 – Critical"
    P2 = "p2", "P2 – High"
    P3 = "p3", "P3 – Medium"
    P4 = "p4", "P4 – Low"


class Channel(models.TextChoices):
    WEB = "web", "Web"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    CHAT = "chat", "Chat"
    API = "api", "API"


class PriorityRule(models.Model):
    """One cell of the impact × urgency matrix; admins may change the priority it yields."""

    impact = models.CharField(max_length=10, choices=Level.choices)
    urgency = models.CharField(max_length=10, choices=Level.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="one_priority_per_cell")
        ]
        ordering = ["impact", "urgency"]

    def __str__(self) -> str:
        return f"impact {self.impact} × urgency {self.urgency} → {self.priority}"


class Category(TimeStampedModel):
    """A node in a team's category tree; its custom fields apply to it and its descendants."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="categories")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["team__name", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=["team", "parent", "name"], name="unique_category_name_per_parent"
            ),
            models.UniqueConstraint(
                fields=["team", "name"],
                condition=models.Q(parent__isnull=True),
                name="unique_root_category_name",
            ),
        ]

    def __str__(self) -> str:
        return self.path

    def ancestors(self) -> list[Category]:
        """From the root down to this node (one query per level; trees are shallow)."""
        chain: list[Category] = []
        node: Category | None = self
        seen: set[int] = set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def path(self) -> str:
        return " › ".join(node.name for node in self.ancestors())


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    CHOICE = "choice", "Choice"
    DATE = "date", "Date"


class CustomField(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="custom_fields")
    key = models.SlugField(max_length=50, help_text="Stable name used in the API.")
    label = models.CharField(max_length=100)
    field_type = models.CharField(max_length=10, choices=FieldType.choices)
    required = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True, help_text="Allowed values for choice.")
    help_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "key"], name="unique_field_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.field_type})"


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(TimeStampedModel):
    number = models.BigIntegerField(unique=True)
    type = models.CharField(max_length=20, choices=TicketType.choices, default=TicketType.INCIDENT)
    title = models.CharField(max_length=250)
    description = models.TextField(blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_tickets"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.L1)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    impact = models.CharField(max_length=10, choices=Level.choices, default=Level.LOW)
    urgency = models.CharField(max_length=10, choices=Level.choices, default=Level.LOW)
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P4)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    pending_reason = models.CharField(
        max_length=20, choices=PendingReason.choices, blank=True, default=""
    )
    custom_fields = models.JSONField(default=dict, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="watched_tickets"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )
    resolved_on_first_contact = models.BooleanField(default=False)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every change; a write made on an older one is refused."
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated"),
            models.Index(fields=["-created_at", "-id"], name="ticket_created"),
            models.Index(fields=["team", "status", "-updated_at"], name="ticket_team_status"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["requester", "-updated_at"], name="ticket_requester"),
            models.Index(fields=["organization", "-updated_at"], name="ticket_organization"),
            models.Index(fields=["status", "priority"], name="ticket_status_priority"),
            # Reports (frontline/reports/kpis.py): tickets resolved, closed unresolved,
            # first answered in a date range, and still unfinished by creation time.
            models.Index(
                fields=["resolved_at"],
                condition=models.Q(resolved_at__isnull=False),
                name="ticket_resolved_at",
            ),
            models.Index(
                fields=["closed_at"],
                condition=models.Q(resolved_at__isnull=True, closed_at__isnull=False),
                name="ticket_closed_unresolved",
            ),
            models.Index(
                fields=["first_response_at"],
                condition=models.Q(first_response_at__isnull=False),
                name="ticket_first_response_at",
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(resolved_at__isnull=True, closed_at__isnull=True),
                name="ticket_unfinished_created",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="pending") | ~models.Q(pending_reason=""),
                name="pending_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    @property
    def reference(self) -> str:
        return f"#{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status not in {Status.RESOLVED, Status.CLOSED}


class MessageKind(models.TextChoices):
    PUBLIC = "public", "Public reply"
    INTERNAL = "internal", "Internal note"
    SYSTEM = "system", "System message"


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.PUBLIC)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.ticket_id}"

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.INTERNAL


def attachment_path(instance: Attachment, filename: str) -> str:
    """Stored under a generated name: the uploaded name is never a path on disk."""
    suffix = "".join(PurePath(filename).suffixes[-1:])[:10].lower()
    safe_suffix = suffix if suffix[1:].isalnum() else ""
    return f"attachments/{instance.uuid.hex[:2]}/{instance.uuid.hex}{safe_suffix}"


class Attachment(models.Model):
    """A file on a message. Uploaded first (message empty), then bound to the message sent."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class LinkKind(models.TextChoices):
    RELATED = "related", "Related to"
    CAUSED_BY = "caused_by", "Caused by"
    DUPLICATE_OF = "duplicate_of", "Duplicate of"


class TicketLink(models.Model):
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=LinkKind.choices, default=LinkKind.RELATED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="unique_link"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="no_self_link"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class TicketEvent(models.Model):
    """One change to a ticket: its history, its audit trail, and the trigger for subscribers."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=50)
    field = models.CharField(max_length=50, blank=True)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="event_ticket_time"),
            models.Index(
                fields=["id"],
                condition=models.Q(dispatched_at__isnull=True),
                name="event_undispatched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id} at {self.at:%Y-%m-%d %H:%M}"
