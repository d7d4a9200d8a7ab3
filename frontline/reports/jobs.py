"""Periodic jobs of the reports app: mail the scheduled organization reports; bring the
report facts of open tickets in line with SLA clocks recomputed without a ticket event;
recompute the day rollups once a day."""

from __future__ import annotations

from django.tasks import task

from frontline.core.scheduler import every
from frontline.reports import rollups
from frontline.reports.facts import facts_refresh_sla_changes
from frontline.reports.services import reports_send_due


@task()
def send_due_reports() -> int:
    """Send every report schedule that is due (idempotent per schedule and period)."""
    return len(reports_send_due())


@every(900, "reports-scheduled")
def enqueue_due_reports() -> None:
    send_due_reports.enqueue()


@task()
def refresh_sla_facts() -> int:
    """Refresh the facts of open tickets whose SLA row changed after them (policy edits)."""
    return facts_refresh_sla_changes()


@every(600, "reports-facts-sla")
def enqueue_sla_facts() -> None:
    refresh_sla_facts.enqueue()


@task()
def rebuild_day_rollups() -> None:
    """Recompute the day rollups from the facts (PostgreSQL): what a deleted ticket took
    from the facts without a ticket event leaves the rollups with it until then."""
    rollups.rebuild()


@every(86_400, "reports-rollups")
def enqueue_rollup_rebuild() -> None:
    rebuild_day_rollups.enqueue()
