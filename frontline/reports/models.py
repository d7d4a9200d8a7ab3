"""Scheduled organization reports and the record of each one sent (one per period)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from frontline.accounts.models import Organization
from frontline.core.models import TimeStampedModel


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly (Monday, for the previous week)"
    MONTHLY = "monthly", "Monthly (the 1st, for the previous month)"


class ReportSchedule(TimeStampedModel):
    """Mail one organization's report to ``recipients`` every week or month.

    ``next_run_at`` is when the next report is due; the job sends every due schedule for the
    period that ended just before it, then moves ``next_run_at`` on by one period.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="report_schedules"
    )
    recipients = models.JSONField(default=list, help_text="E-mail addresses.")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    next_run_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization__name", "frequency", "id"]
        indexes = [models.Index(fields=["is_active", "next_run_at"], name="report_schedule_due")]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} report of {self.organization}"


class ReportDelivery(models.Model):
    """One period's report of one schedule, sent once: the unique constraint makes the job
    idempotent (a second run for the same period finds the row and sends nothing)."""

    schedule = models.ForeignKey(
        ReportSchedule, on_delete=models.CASCADE, related_name="deliveries"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "period_start"], name="one_report_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.schedule} for {self.period_start}..{self.period_end}"


# every column a visibility rule or a report filter may test
COVER = [
    "team", "organization", "requester", "assignee", "category",
    "tier", "channel", "priority", "type",
]  # fmt: skip


class TicketFact(models.Model):
    """One narrow row per ticket with what the KPIs read: the report tables.

    Derived data, never edited by hand: ``frontline.reports.facts`` recomputes a ticket's row
    from its source rows (ticket, SLA clocks, events, tier periods) after every ticket event,
    and ``frontline reports rebuild`` rebuilds them all. The dimension columns carry the
    ticket's own column names (``team_id``, ``organization_id``, ``requester_id``,
    ``assignee_id``...), so the ticket visibility rule (``tickets.policies.ticket_filter``)
    and the report filter (``ReportFilter.ticket_q``) apply to this table unchanged.
    Durations follow docs/reports.md: business seconds of a finished SLA clock, else wall
    clock. CSAT is not copied here: it is read from the survey tables, which change without
    ticket events.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="report_fact"
    )
    # dimensions (the ticket's current values)
    # no index of their own: a category is always tested with a date range (the requester:
    # see Meta.indexes)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
        db_index=False, related_name="+",
    )  # fmt: skip
    organization = models.ForeignKey(
        Organization, null=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )  # fmt: skip
    team = models.ForeignKey(
        "accounts.Team", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )  # fmt: skip
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )  # fmt: skip
    category = models.ForeignKey(
        "tickets.Category", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
        db_index=False, related_name="+",
    )  # fmt: skip
    tier = models.CharField(max_length=10)
    channel = models.CharField(max_length=10)
    priority = models.CharField(max_length=2)
    type = models.CharField(max_length=20)
    status = models.CharField(max_length=10)
    is_open = models.BooleanField()  # status new, open or pending
    # timestamps
    created_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    closed_at = models.DateTimeField(null=True)
    done_at = models.DateTimeField(null=True)  # resolved_at, else closed_at
    # durations (seconds)
    first_response_seconds = models.FloatField(null=True)
    resolution_seconds = models.FloatField(null=True)
    # outcomes
    resolved_on_first_contact = models.BooleanField()
    reopened = models.BooleanField()
    escalated = models.BooleanField()
    reassignments = models.PositiveIntegerField()
    sla_response_state = models.CharField(max_length=10)  # "" when no SLA row
    sla_resolution_state = models.CharField(max_length=10)
    # finished tier periods: count and total seconds per tier
    l1_periods = models.PositiveIntegerField()
    l1_seconds = models.FloatField()
    l2_periods = models.PositiveIntegerField()
    l2_seconds = models.FloatField()
    l3_periods = models.PositiveIntegerField()
    l3_seconds = models.FloatField()
    vendor_periods = models.PositiveIntegerField()
    vendor_seconds = models.FloatField()
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="fact_created"),
            # the requester's own tickets outside the day rollups' cells (aggregates.Source)
            models.Index(fields=["requester"], name="fact_requester"),
            models.Index(
                fields=["done_at"], name="fact_done", condition=models.Q(done_at__isnull=False)
            ),
            # The duration sets (percentiles): covering on PostgreSQL, so that reading a
            # month of durations is an index-only scan, not a heap fetch per ticket.
            models.Index(
                fields=["resolved_at"],
                name="fact_resolved_cover",
                condition=models.Q(resolved_at__isnull=False),
                include=[*COVER, "resolution_seconds"],
            ),
            models.Index(
                fields=["first_response_at"],
                name="fact_first_response_cover",
                condition=models.Q(first_response_at__isnull=False),
                include=[*COVER, "first_response_seconds"],
            ),
            # The "open now" and "not done" sets: on PostgreSQL covering indexes, so that
            # their counts read these small indexes alone (index-only scans), never the open
            # rows scattered over the whole table; on SQLite plain partial indexes.
            models.Index(
                fields=["created_at"],
                name="fact_open_cover",
                condition=models.Q(is_open=True),
                include=[*COVER, "status"],
            ),
            models.Index(
                fields=["created_at"],
                name="fact_not_done_cover",
                condition=models.Q(done_at__isnull=True),
                include=COVER,
            ),
        ]

    def __str__(self) -> str:
        return f"facts of ticket {self.ticket_id}"


# --- Day rollups of the facts (PostgreSQL) ----------------------------------------------------


def _cell_dimension(model: str) -> models.ForeignKey:
    return models.ForeignKey(
        model, null=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
        related_name="+",
    )  # fmt: skip


class FactDay(models.Model):
    """The facts' counts added up per UTC day and cell (team, organization, assignee): what a
    report reads for the range's counts instead of every fact row of the range.

    A ticket counts in the row of the day it was created (the *cohort* columns: ``created``
    ... ``vendor_seconds``, as of its current fact row) and, once done, in the row of the day
    it was done (``done``; ``resolved`` when it has a ``resolved_at``). Derived data:
    ``rollups.apply_changes`` adds each fact change's difference (old row out, new row in),
    ``rollups.rebuild`` recomputes every row from the facts. PostgreSQL only
    (``required_db_features``): SQLite desks read the facts.
    """

    day = models.DateField()
    team = _cell_dimension("accounts.Team")
    organization = _cell_dimension("accounts.Organization")
    assignee = _cell_dimension(settings.AUTH_USER_MODEL)
    # the cohort: tickets created on the day
    created = models.IntegerField(default=0)
    web = models.IntegerField(default=0)
    cohort_done = models.IntegerField(default=0)
    first_contact = models.IntegerField(default=0)
    response_met = models.IntegerField(default=0)
    response_decided = models.IntegerField(default=0)
    resolution_met = models.IntegerField(default=0)
    resolution_decided = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    reopened_still_open = models.IntegerField(default=0)
    reassignments = models.IntegerField(default=0)
    l1_periods = models.IntegerField(default=0)
    l1_tickets = models.IntegerField(default=0)
    l1_seconds = models.FloatField(default=0)
    l2_periods = models.IntegerField(default=0)
    l2_tickets = models.IntegerField(default=0)
    l2_seconds = models.FloatField(default=0)
    l3_periods = models.IntegerField(default=0)
    l3_tickets = models.IntegerField(default=0)
    l3_seconds = models.FloatField(default=0)
    vendor_periods = models.IntegerField(default=0)
    vendor_tickets = models.IntegerField(default=0)
    vendor_seconds = models.FloatField(default=0)
    # tickets done (resolved, else closed) on the day
    done = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)

    class Meta:
        required_db_features = ["supports_nulls_distinct_unique_constraints"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "team", "organization", "assignee"],
                name="fact_day_cell",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"report counts of {self.day}"


class FactDayDuration(models.Model):
    """How many first response (``metric`` "f", by ``first_response_at``'s day) or resolution
    ("r", by ``resolved_at``'s day) durations of a day and cell fall in each ``bucket`` of
    ``rollups.THRESHOLDS`` (5 % wide), and their total. A report adds these histograms up
    for the range: the counts and the bucket holding each percentile's rank, whose values it
    then reads from the facts (exact), or — over ranges longer than 31 days — places inside
    the bucket (within 5 %). Kept like ``FactDay``; PostgreSQL only."""

    day = models.DateField()
    team = _cell_dimension("accounts.Team")
    organization = _cell_dimension("accounts.Organization")
    assignee = _cell_dimension(settings.AUTH_USER_MODEL)
    metric = models.CharField(max_length=1)
    bucket = models.SmallIntegerField()
    n = models.IntegerField(default=0)
    total = models.FloatField(default=0)

    class Meta:
        required_db_features = ["supports_nulls_distinct_unique_constraints"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "day", "team", "organization", "assignee", "bucket"],
                name="fact_day_duration_cell",
                nulls_distinct=False,
            )
        ]
        # a range's histograms read from this index alone (index-only scan)
        indexes = [
            models.Index(
                fields=["metric", "day"],
                name="fact_day_duration_cover",
                include=["team", "organization", "assignee", "bucket", "n", "total"],
            )
        ]

    def __str__(self) -> str:
        return f"report durations of {self.day}"
