"""Notifications: what each person wants mailed, what admins switched off or reworded, and
every mail that went out (or failed), with the Message-ID that threads replies back."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from frontline.core.models import TimeStampedModel


class NotificationKind(models.TextChoices):
    # To requesters (and watchers: public updates only).
    RECEIVED = "received", "Request received"
    REPLY = "reply", "New public reply"
    STATUS = "status", "Status changed"
    RESOLVED = "resolved", "Request resolved"
    # The satisfaction survey on its own, when the "resolved" mail does not carry it.
    SURVEY = "survey", "Satisfaction survey"
    # To agents.
    NEW_TICKET = "new_ticket", "New ticket in my team"
    ASSIGNED = "assigned", "Ticket assigned to me"
    REQUESTER_REPLIED = "requester_replied", "Requester replied"
    # To the team lead (or the team's managers): a satisfaction survey answered with 1-2.
    LOW_RATING = "low_rating", "Low satisfaction rating"


class NotificationPreference(models.Model):
    """One person's choice for one kind; no row means on (the default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}: {'on' if self.enabled else 'off'}"


class NotificationSwitch(models.Model):
    """The admin's global switch for one kind; no row means on."""

    kind = models.CharField(max_length=30, choices=NotificationKind.choices, unique=True)
    enabled = models.BooleanField(
        default=True, help_text="Off: nobody receives this notification, whatever they chose."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = "notification switch"
        verbose_name_plural = "notification switches"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {'on' if self.enabled else 'off'}"


class NotificationTemplate(TimeStampedModel):
    """An admin's wording for one kind, replacing the shipped default (see defaults.py).

    Subject and body are sandboxed Jinja2 text templates, checked on save (``clean``)."""

    kind = models.CharField(max_length=30, choices=NotificationKind.choices, unique=True)
    subject = models.CharField(
        max_length=250,
        help_text="The ticket token [#number] is added in front when the subject lacks it.",
    )
    body = models.TextField()

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        from frontline.notifications.rendering import template_errors

        errors = template_errors(subject=self.subject, body=self.body)
        if errors:
            from django.core.exceptions import ValidationError

            raise ValidationError(errors)


class OutboundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboundMail(models.Model):
    """One notification to one person about one event: created before its send task is
    enqueued (unique per event, recipient and kind, so a redelivered event sends nothing new),
    sent and marked by the task, retried with back-off, kept with its error when it fails."""

    event = models.ForeignKey(
        "tickets.TicketEvent", on_delete=models.CASCADE, related_name="outbound_mails"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="outbound_mails"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="outbound_mails",
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    to_address = models.CharField(max_length=500, help_text="The To header as sent.")
    from_address = models.CharField(max_length=500)
    reply_to = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=250)
    body = models.TextField()
    auto_submitted = models.BooleanField(default=True)
    message_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True, help_text="Message-IDs, space separated.")
    status = models.CharField(
        max_length=10, choices=OutboundStatus.choices, default=OutboundStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient", "kind"], name="one_mail_per_event_recipient_kind"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbound_due"),
            models.Index(fields=["ticket", "recipient", "id"], name="outbound_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_address} ({self.status})"
