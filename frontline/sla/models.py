"""SLA data: calendars, policies with targets per priority, per-ticket clocks, tier periods.

The maths lives in the pure modules (``calendar``, ``business_time``, ``clock``); these models
store what an admin configures and what ``services.sla_recompute`` derives from a ticket's
history. No model method writes anything.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models

from frontline.accounts.models import Organization, Team, Tier
from frontline.core.models import TimeStampedModel
from frontline.sla.calendar import BusinessCalendar, InvalidCalendar
from frontline.tickets.models import Category, Priority, Ticket

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_calendar_cache: dict[tuple[int, dt.datetime], BusinessCalendar] = {}
_calendar_lock = threading.Lock()


def default_pause_statuses() -> list[str]:
    return ["pending:requester", "pending:third_party"]


class Calendar(TimeStampedModel):
    """Business hours in a time zone: weekly spans ("08:00-12:00") and closed dates.

    ``hours`` maps "mon".."sun" to lists of spans; days left out are closed. ``holidays`` holds
    one-off local dates ("2026-12-24"), ``yearly_holidays`` "MM-DD" strings ("12-25").
    """

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    hours = models.JSONField(default=dict, blank=True)
    holidays = models.JSONField(default=list, blank=True)
    yearly_holidays = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def build(self) -> BusinessCalendar:
        """The pure calendar (raises ``InvalidCalendar`` for bad data)."""
        try:
            holidays = [dt.date.fromisoformat(str(day)) for day in self.holidays or []]
        except ValueError as error:
            raise InvalidCalendar(
                "holidays", f"A holiday is a date like 2026-12-24: {error}"
            ) from None
        yearly: list[tuple[int, int]] = []
        for value in self.yearly_holidays or []:
            try:
                month, day = (int(part) for part in str(value).split("-"))
            except ValueError:
                raise InvalidCalendar("yearly_holidays", f"“{value}” is not like 12-25.") from None
            yearly.append((month, day))
        hours = dict(self.hours or {})
        return BusinessCalendar.build(
            self.time_zone, hours, holidays=holidays, yearly_holidays=yearly
        )

    def business_calendar(self) -> BusinessCalendar:
        """``build()``, cached in-process per (pk, updated_at): an edit makes a new key."""
        if self.pk is None:
            return self.build()
        key = (self.pk, self.updated_at)
        cached = _calendar_cache.get(key)
        if cached is None:
            cached = self.build()
            with _calendar_lock:
                for old in [k for k in _calendar_cache if k[0] == self.pk]:
                    del _calendar_cache[old]
                _calendar_cache[key] = cached
        return cached

    def clean(self) -> None:
        try:
            self.build()
        except InvalidCalendar as error:
            raise DjangoValidationError({error.field: str(error)}) from None


class EscalationAction(models.TextChoices):
    NOTIFY_ASSIGNEE = "notify_assignee", "Notify the assignee"
    NOTIFY_TEAM_LEAD = "notify_team_lead", "Notify the team lead"
    NOTIFY_MANAGERS = "notify_managers", "Notify the team's managers"
    RAISE_PRIORITY = "raise_priority", "Raise the priority one step"
    NEXT_TIER = "next_tier", "Reassign to the next tier"
    OTHER_TEAM = "other_team", "Reassign to the escalation team"


class SlaPolicy(TimeStampedModel):
    """Targets that apply to the tickets matching every non-empty condition.

    Policies are tried by ``position`` (then id); the first active match wins. Empty
    conditions match anything. ``pause_statuses`` lists the statuses that stop the clocks:
    "pending" (any reason), "pending:requester", "pending:third_party", "new", "open".
    """

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="policies")
    organizations = models.ManyToManyField(Organization, blank=True, related_name="+")
    teams = models.ManyToManyField(Team, blank=True, related_name="+")
    categories = models.ManyToManyField(Category, blank=True, related_name="+")
    priorities = models.JSONField(default=list, blank=True, help_text='e.g. ["p1", "p2"]')
    types = models.JSONField(default=list, blank=True, help_text='e.g. ["incident"]')
    warning_share = models.FloatField(
        default=0.75, help_text="Warn when this share of a target has been used (0–1)."
    )
    pause_statuses = models.JSONField(default=default_pause_statuses, blank=True)
    on_warning = models.JSONField(default=list, blank=True, help_text="Escalation actions.")
    on_breach = models.JSONField(default=list, blank=True, help_text="Escalation actions.")
    escalation_team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Where “other_team” moves the ticket.",
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not 0 < self.warning_share <= 1:
            errors["warning_share"] = "Between 0 (exclusive) and 1."
        bad = [p for p in self.priorities or [] if p not in Priority.values]
        if bad:
            errors["priorities"] = f"Unknown priority {bad[0]!r}."
        for name in ("on_warning", "on_breach"):
            bad = [a for a in getattr(self, name) or [] if a not in EscalationAction.values]
            if bad:
                errors[name] = f"Unknown action {bad[0]!r}: use {', '.join(EscalationAction)}."
        if errors:
            raise DjangoValidationError(errors)


class SlaTarget(models.Model):
    """A policy's targets for one priority, in business minutes (empty: not tracked)."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=2, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["priority"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="one_target_per_priority")
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.priority}"


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"


METRICS: tuple[str, ...] = tuple(Metric.values)


class ClockState(models.TextChoices):
    NONE = "", "Not tracked"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    BREACHED = "breached", "Overdue"
    MET = "met", "Met"
    MISSED = "missed", "Met late"


class TicketSla(models.Model):
    """A ticket's SLA clocks as of ``computed_at``, one group of columns per metric.

    Written only by ``services``. Due and warning times are projections that assume no further
    pause; ``next_due_at`` is the earliest due time of a running (or overdue) clock, the
    desk's "sort by due" key.
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="sla")
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="+")
    next_due_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    # Per metric: state, target, when this run of the clock started, its due and warning
    # projections, when it was breached (= due) or met, business seconds left and paused, and
    # when the periodic job recorded the sla_warning / sla_breached event (once per clock run;
    # a new next-response cycle resets them).
    # first response
    first_response_state = models.CharField(
        max_length=10, choices=ClockState.choices, blank=True, default=""
    )
    first_response_target_seconds = models.PositiveIntegerField(null=True, blank=True)
    first_response_started_at = models.DateTimeField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_warning_at = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    first_response_met_at = models.DateTimeField(null=True, blank=True)
    first_response_remaining_seconds = models.IntegerField(null=True, blank=True)
    first_response_paused_seconds = models.PositiveIntegerField(default=0)
    first_response_warning_fired_at = models.DateTimeField(null=True, blank=True)
    first_response_breach_fired_at = models.DateTimeField(null=True, blank=True)
    # next response
    next_response_state = models.CharField(
        max_length=10, choices=ClockState.choices, blank=True, default=""
    )
    next_response_target_seconds = models.PositiveIntegerField(null=True, blank=True)
    next_response_started_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_warning_at = models.DateTimeField(null=True, blank=True)
    next_response_breached_at = models.DateTimeField(null=True, blank=True)
    next_response_met_at = models.DateTimeField(null=True, blank=True)
    next_response_remaining_seconds = models.IntegerField(null=True, blank=True)
    next_response_paused_seconds = models.PositiveIntegerField(default=0)
    next_response_warning_fired_at = models.DateTimeField(null=True, blank=True)
    next_response_breach_fired_at = models.DateTimeField(null=True, blank=True)
    # resolution
    resolution_state = models.CharField(
        max_length=10, choices=ClockState.choices, blank=True, default=""
    )
    resolution_target_seconds = models.PositiveIntegerField(null=True, blank=True)
    resolution_started_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolution_warning_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_met_at = models.DateTimeField(null=True, blank=True)
    resolution_remaining_seconds = models.IntegerField(null=True, blank=True)
    resolution_paused_seconds = models.PositiveIntegerField(default=0)
    resolution_warning_fired_at = models.DateTimeField(null=True, blank=True)
    resolution_breach_fired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "ticket SLA"
        indexes = [
            models.Index(fields=["next_due_at", "ticket"], name="sla_next_due"),
            *[
                models.Index(
                    fields=[f"{m}_{column}"],
                    condition=models.Q(**{f"{m}_{flag}__isnull": True})
                    & models.Q(**{f"{m}_state__in": ["running", "breached"]}),
                    name=f"sla_{m[:5]}_{column[:4]}",
                )
                for m in ("first_response", "next_response", "resolution")
                for column, flag in (
                    ("warning_at", "warning_fired_at"),
                    ("due_at", "breach_fired_at"),
                )
            ],
        ]

    def __str__(self) -> str:
        return f"SLA of ticket {self.ticket_id} ({self.policy_id})"

    def metric(self, metric: str, name: str) -> Any:
        return getattr(self, f"{metric}_{name}")


class TierPeriod(models.Model):
    """Time a ticket spent with one team at one tier (operational level agreements).

    Rebuilt from the ticket's history (created, escalated, resolved) on every recompute;
    ``ended_at`` is empty while the ticket is still there and unresolved.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="tier_periods")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tier = models.CharField(max_length=10, choices=Tier.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    business_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="On the SLA policy's calendar, when the ticket has one."
    )

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["ticket", "started_at"], name="tier_period_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} at {self.tier} from {self.started_at:%Y-%m-%d %H:%M}"
