"""Periodic jobs of the reports app: mail the scheduled organization reports."""

from __future__ import annotations

from django.tasks import task

from frontline.core.scheduler import every
from frontline.reports.services import reports_send_due


@task()
def send_due_reports() -> int:
    """Send every report schedule that is due (idempotent per schedule and period)."""
    return len(reports_send_due())


@every(900, "reports-scheduled")
def enqueue_due_reports() -> None:
    send_due_reports.enqueue()
