"""Inbound mail: every received message stored raw first (InboundMail), then processed into
a ticket or a reply; the IMAP mailboxes Frontline polls (Mailbox)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from frontline.core.models import TimeStampedModel


class Security(models.TextChoices):
    SSL = "ssl", "IMAPS (TLS from the start)"
    STARTTLS = "starttls", "STARTTLS"
    NONE = "none", "None (plain text, loopback or trusted networks only)"


class AfterProcessing(models.TextChoices):
    FLAG = "flag", "Set a flag (\\Seen or a keyword)"
    MOVE = "move", "Move to a folder"
    DELETE = "delete", "Delete (expunge)"


class Mailbox(TimeStampedModel):
    """An IMAP folder polled for mail to the desk; its tickets go to ``team``."""

    name = models.CharField(max_length=100, unique=True)
    address = models.EmailField(
        blank=True, help_text="The address mail to this mailbox is sent to (never a watcher)."
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    host = models.CharField(max_length=253)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.SSL)
    username = models.CharField(max_length=200)
    password = models.CharField(max_length=200, blank=True)
    folder = models.CharField(max_length=200, default="INBOX")
    interval_seconds = models.PositiveIntegerField(default=60)
    after_processing = models.CharField(
        max_length=10, choices=AfterProcessing.choices, default=AfterProcessing.FLAG
    )
    processed_folder = models.CharField(
        max_length=200, blank=True, default="Processed", help_text="For “move”."
    )
    processed_flag = models.CharField(
        max_length=100,
        blank=True,
        default="\\Seen",
        help_text="For “flag”: \\Seen, or a keyword such as $Frontline.",
    )
    batch_size = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return self.name


class Source(models.TextChoices):
    PIPE = "pipe", "MTA pipe"
    IMAP = "imap", "IMAP"
    MAILDIR = "maildir", "Maildir import"


class State(models.TextChoices):
    RECEIVED = "received", "Received (not yet processed)"
    PROCESSED = "processed", "Processed"
    HELD = "held", "Held (sender not on the ticket)"
    QUARANTINED = "quarantined", "Quarantined (failed)"
    IGNORED = "ignored", "Ignored"


def raw_path(instance: InboundMail, filename: str) -> str:
    return f"mail/raw/{instance.sha256[:2]}/{instance.sha256}.eml"


class InboundMail(models.Model):
    """One received message, stored before anything else is done with it.

    ``dedupe_key`` makes storing idempotent: the Message-ID when there is one, else the
    sha256 of the raw bytes. Small messages keep their bytes in ``raw``; bigger ones in
    ``raw_file`` (Django storage). ``traceback`` is for admins only.
    """

    dedupe_key = models.CharField(max_length=80, unique=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    message_id = models.CharField(max_length=998, blank=True, db_index=True)
    raw = models.BinaryField(null=True, blank=True)
    raw_file = models.FileField(upload_to=raw_path, blank=True, max_length=200)
    size = models.PositiveBigIntegerField(default=0)
    received_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices)
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="mails"
    )
    from_email = models.CharField(max_length=254, blank=True, db_index=True)
    subject = models.CharField(max_length=250, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    auto_kind = models.CharField(max_length=20, blank=True, help_text="Auto-generated: what.")
    error = models.CharField(max_length=500, blank=True)
    traceback = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket_message = models.OneToOneField(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_mail",
    )
    html = models.TextField(blank=True, help_text="The sanitised HTML body, remote images off.")
    content_ids = models.JSONField(
        default=dict, blank=True, help_text="Content-ID → attachment uuid, for cid: images."
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["state", "received_at"], name="inbound_state_time"),
            models.Index(fields=["from_email", "received_at"], name="inbound_sender_time"),
            models.Index(fields=["ticket", "received_at"], name="inbound_ticket_time"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id or self.sha256[:12]} ({self.state})"

    def raw_bytes(self) -> bytes:
        """The message exactly as received."""
        if self.raw is not None:
            return bytes(self.raw)
        if self.raw_file:
            with self.raw_file.open("rb") as handle:
                return handle.read()
        return b""
