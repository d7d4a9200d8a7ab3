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
