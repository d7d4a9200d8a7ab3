"""Demo report schedules: two organizations get their report mailed, set up by the manager.

Idempotent: an organization that has a schedule already is left alone; an organization or a
manager the demo does not have (a desk loaded differently) is skipped.
"""

from __future__ import annotations

from django.utils import timezone

from frontline.accounts.models import Organization, User
from frontline.reports.models import Frequency, ReportSchedule
from frontline.reports.services import first_run_after

MANAGER_EMAIL = "grace.liu@example.com"
SCHEDULES = [
    ("Northwind Traders", Frequency.WEEKLY, ["it-lead@northwind.example"]),
    ("Contoso Pharma", Frequency.MONTHLY, ["service-owner@contoso.example", MANAGER_EMAIL]),
]


def load_demo_report_schedules() -> list[str]:
    """Create the demo schedules that are missing; return a line for each one created."""
    manager = User.objects.filter(email=MANAGER_EMAIL).first()
    created: list[str] = []
    now = timezone.now()
    for name, frequency, recipients in SCHEDULES:
        org = Organization.objects.filter(name=name).first()
        if org is None or ReportSchedule.objects.filter(organization=org).exists():
            continue
        ReportSchedule.objects.create(
            organization=org,
            recipients=recipients,
            frequency=frequency,
            next_run_at=first_run_after(frequency, now),
            created_by=manager,
        )
        created.append(f"{frequency} report schedule for {name}")
    return created
