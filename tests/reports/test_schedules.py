"""Scheduled organization reports: mailed once per period, only that organization's numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail

from frontline.core.errors import NotFound, PermissionDenied, ValidationError
from frontline.reports import jobs, services
from frontline.reports.models import ReportDelivery, ReportSchedule
from tests.reports import dataset

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def test_periods_and_run_times():
    monday = dt.datetime(2026, 3, 9, 6, tzinfo=UTC)
    assert services.period_before("weekly", monday) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert services.period_before("monthly", dt.datetime(2026, 3, 1, 6, tzinfo=UTC)) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )
    assert services.first_run_after("weekly", dt.datetime(2026, 3, 4, tzinfo=UTC)) == monday
    assert services.first_run_after("weekly", monday) == monday + dt.timedelta(days=7)
    assert services.first_run_after("monthly", dt.datetime(2026, 3, 4, tzinfo=UTC)) == dt.datetime(
        2026, 4, 1, 6, tzinfo=UTC
    )


def test_create_checks_role_scope_and_input(world: Any):
    with pytest.raises(PermissionDenied):
        services.report_schedule_create(
            actor=world.agent,
            organization=world.acme,
            recipients=["a@acme.test"],
            frequency="weekly",
        )
    with pytest.raises(ValidationError) as bad:
        services.report_schedule_create(
            actor=world.manager, organization=world.acme, recipients=["a@", ""], frequency="daily"
        )
    assert "frequency" in bad.value.errors
    with pytest.raises(ValidationError):
        services.report_schedule_create(
            actor=world.manager, organization=world.acme, recipients=[" "], frequency="weekly"
        )
    assert not ReportSchedule.objects.exists()
    _ = NotFound  # organizations are all reportable by managers


def test_due_report_is_mailed_once_per_period_with_only_its_organization(world: Any):
    with time_machine.travel(dataset.NOW, tick=False):
        dataset.build(world)
    with time_machine.travel(dt.datetime(2026, 3, 4, tzinfo=UTC), tick=False):
        schedule = services.report_schedule_create(
            actor=world.manager,
            organization=world.acme,
            recipients=["CEO@acme.test"],
            frequency="weekly",
        )
    assert schedule.next_run_at == dt.datetime(2026, 3, 9, 6, tzinfo=UTC)
    with time_machine.travel(dt.datetime(2026, 3, 9, 6, 5, tzinfo=UTC), tick=False):
        assert jobs.send_due_reports.call() == 1
        assert jobs.send_due_reports.call() == 0  # the same period is never sent twice
        # even if the schedule were rewound (a crashed run retried)
        ReportSchedule.objects.filter(pk=schedule.pk).update(
            next_run_at=dt.datetime(2026, 3, 9, 6, tzinfo=UTC)
        )
        assert services.reports_send_due() == []
    (message,) = mail.outbox
    assert message.to == ["ceo@acme.test"]
    assert message.subject == "Acme: support report 2026-03-02 to 2026-03-08"
    # Acme's week (scheduler sees all of Acme's tickets): created 21, resolved 3
    assert "Tickets created: 21\n" in message.body
    assert "Tickets resolved: 3\n" in message.body
    assert "2026-03-08: 12 / 0 / 21" not in message.body  # 03-08: Acme created nothing
    assert "2026-03-07: 12 / 0 / 21" in message.body
    delivery = ReportDelivery.objects.get()
    assert (delivery.period_start, delivery.period_end) == (
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 8),
    )
    schedule.refresh_from_db()
    assert schedule.next_run_at == dt.datetime(2026, 3, 16, 6, tzinfo=UTC)


def test_nothing_is_sent_before_it_is_due(world: Any):
    with time_machine.travel(dt.datetime(2026, 3, 4, tzinfo=UTC), tick=False):
        services.report_schedule_create(
            actor=world.admin, organization=world.globex, recipients=["x@globex.test"],
            frequency="monthly",
        )  # fmt: skip
        assert services.reports_send_due() == []
    assert mail.outbox == []
