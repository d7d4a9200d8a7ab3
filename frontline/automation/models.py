"""Automation data: agent availability and skills, per-team routing, rules (with versions and
executions) and canned responses."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from frontline.accounts.models import Team, Tier
from frontline.core.models import TimeStampedModel
from frontline.tickets.models import Category, Ticket


class Availability(models.TextChoices):
    ONLINE = "online", "Online"
    AWAY = "away", "Away"
    OUT_OF_OFFICE = "out_of_office", "Out of office"


class AgentStatus(models.Model):
    """An agent's availability for routing; an agent without a row counts as online."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_status"
    )
    status = models.CharField(
        max_length=20, choices=Availability.choices, default=Availability.ONLINE
    )
    away_from = models.DateField(null=True, blank=True, help_text="First day out of office.")
    away_until = models.DateField(null=True, blank=True, help_text="Last day out of office.")
    languages = models.JSONField(
        default=list, blank=True, help_text='Languages the agent handles, e.g. ["en", "de"].'
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "agent statuses"

    def __str__(self) -> str:
        return f"{self.user} ({self.get_status_display()})"


class AgentSkill(models.Model):
    """A category (and its descendants) an agent handles, for skills-based routing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skills"
    )
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="one_skill_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.category}"


class RoutingMode(models.TextChoices):
    MANUAL = "manual", "Manual (agents claim)"
    ROUND_ROBIN = "round_robin", "Round robin"
    LEAST_LOAD = "least_load", "Fewest open tickets"
    SKILLS = "skills", "Skills (category and language)"


class TeamRouting(TimeStampedModel):
    """How a team's new tickets get an assignee; no row means manual."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="routing")
    mode = models.CharField(max_length=20, choices=RoutingMode.choices, default=RoutingMode.MANUAL)
    unassign_after = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Minutes after which a ticket held by an unavailable agent returns to the "
        "queue (empty: never).",
    )

    class Meta:
        verbose_name = "team routing"

    def __str__(self) -> str:
        return f"{self.team}: {self.get_mode_display()}"


class RoutingCursor(models.Model):
    """The round-robin position per team and tier: the id of the last agent picked."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(max_length=10, choices=Tier.choices)
    last_user_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "tier"], name="one_cursor_per_team_tier")
        ]

    def __str__(self) -> str:
        return f"{self.team} {self.tier} → {self.last_user_id}"


class Trigger(models.TextChoices):
    CREATED = "created", "Ticket created"
    UPDATED = "updated", "Ticket updated (field changed, assigned, escalated)"
    REPLIED_REQUESTER = "replied_requester", "Requester replied"
    REPLIED_AGENT = "replied_agent", "Agent replied"
    STATUS_CHANGED = "status_changed", "Status changed"
    SLA_WARNING = "sla_warning", "SLA warning"
    SLA_BREACHED = "sla_breached", "SLA breached"
    TIME = "time", "Time (checked every few minutes)"


class Rule(TimeStampedModel):
    """An automation rule: when ``trigger`` happens and ``conditions`` hold, do ``actions``.

    ``conditions`` is a group ``{"all": [...]}`` or ``{"any": [...]}`` of conditions
    ``{"field", "op", "value"}`` (groups may nest); ``actions`` is a list of
    ``{"type", ...}``. Every edit bumps ``version`` and stores a RuleVersion snapshot.
    """

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    trigger = models.CharField(max_length=30, choices=Trigger.choices)
    conditions = models.JSONField(default=dict, blank=True)
    actions = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["trigger", "is_active", "position"], name="rule_trigger")]

    def __str__(self) -> str:
        return self.name


class RuleVersion(models.Model):
    """A snapshot of a rule as it was saved."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    trigger = models.CharField(max_length=30, choices=Trigger.choices)
    conditions = models.JSONField(default=dict, blank=True)
    actions = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=False)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rule", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="one_rule_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"


class RuleExecution(models.Model):
    """One firing of a rule on a ticket. ``key`` is the triggering event ("event:123") or the
    time rule's window ("time:pending:2026-03-02T10:00"): unique per rule and ticket, so a
    redelivered event or a second sweep never fires it twice."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="executions")
    version = models.PositiveIntegerField()
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    depth = models.PositiveSmallIntegerField(default=0)
    actions = models.JSONField(default=list, blank=True, help_text="What was done.")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "ticket", "key"], name="one_execution_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} v{self.version} on {self.ticket_id} ({self.key})"


class CannedResponse(TimeStampedModel):
    """A reusable reply with placeholders; ``team`` empty means shared with every team."""

    title = models.CharField(max_length=200)
    body = models.TextField(
        help_text="Placeholders: {{ requester.first_name }}, {{ ticket.number }}…"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="canned_responses"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title
