"""Scheduled organization reports: mailed once per period, only that organization's numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

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


# --- Editing a schedule ---------------------------------------------------------------------


def _schedule(world: Any, **fields: Any) -> ReportSchedule:
    fields.setdefault("recipients", ["ceo@acme.test"])
    fields.setdefault("frequency", "weekly")
    return services.report_schedule_create(actor=world.manager, organization=world.acme, **fields)


def test_update_changes_recipients_frequency_and_on_off(world: Any):
    with time_machine.travel(dt.datetime(2026, 3, 4, tzinfo=UTC), tick=False):
        schedule = _schedule(world)
        updated = services.report_schedule_update(
            actor=world.manager,
            schedule=schedule,
            recipients=["CFO@acme.test", " ceo@acme.test", ""],
            frequency="monthly",
            is_active=True,
        )
    assert updated.recipients == ["cfo@acme.test", "ceo@acme.test"]
    assert updated.frequency == "monthly"
    assert updated.next_run_at == dt.datetime(2026, 4, 1, 6, tzinfo=UTC)  # moved with it
    with time_machine.travel(dt.datetime(2026, 4, 1, 5, tzinfo=UTC), tick=False):
        services.report_schedule_update(
            actor=world.manager, schedule=updated, recipients=["cfo@acme.test"],
            frequency="monthly", is_active=False,
        )  # fmt: skip
    with time_machine.travel(dt.datetime(2026, 4, 1, 7, tzinfo=UTC), tick=False):
        assert services.reports_send_due() == []  # off: nothing goes out
    with time_machine.travel(dt.datetime(2026, 5, 20, tzinfo=UTC), tick=False):
        back_on = services.report_schedule_update(
            actor=world.manager, schedule=updated, recipients=["cfo@acme.test"],
            frequency="monthly", is_active=True,
        )  # fmt: skip
        # switched back on: the next 1st, never the reports it missed while off
        assert back_on.next_run_at == dt.datetime(2026, 6, 1, 6, tzinfo=UTC)
        assert services.reports_send_due() == []
    assert mail.outbox == []


def test_update_has_the_same_policy_and_checks_and_changes_nothing_on_error(world: Any):
    schedule = _schedule(world)
    with pytest.raises(PermissionDenied):
        services.report_schedule_update(
            actor=world.agent, schedule=schedule, recipients=["x@acme.test"],
            frequency="weekly", is_active=True,
        )  # fmt: skip
    with pytest.raises(ValidationError) as bad:
        services.report_schedule_update(
            actor=world.manager, schedule=schedule, recipients=["nope"],
            frequency="yearly", is_active=False,
        )  # fmt: skip
    assert set(bad.value.errors) == {"recipients", "frequency"}  # every field's message
    schedule.refresh_from_db()
    assert (schedule.recipients, schedule.frequency, schedule.is_active) == (
        ["ceo@acme.test"],
        "weekly",
        True,
    )


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_organization_page_edits_a_schedule(world: Any):
    schedule = _schedule(world)
    client = _client(world.manager)
    page = client.get(f"/reports/organizations/{world.acme.pk}/").content.decode()
    assert f'action="/reports/schedules/{schedule.pk}/"' in page
    assert 'value="ceo@acme.test"' in page
    response = client.post(
        f"/reports/schedules/{schedule.pk}/",
        {
            f"s{schedule.pk}-recipients": "ceo@acme.test; cfo@acme.test",
            f"s{schedule.pk}-frequency": "monthly",
        },
    )
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.recipients == ["ceo@acme.test", "cfo@acme.test"]
    assert schedule.frequency == "monthly"
    assert schedule.is_active is False  # the box was not ticked
    page = client.get(response.url).content.decode()
    assert "The schedule is saved." in page
    assert "<strong>off</strong>" in page


def test_bad_edit_input_shows_field_messages_and_keeps_what_was_typed(world: Any):
    schedule = _schedule(world)
    response = _client(world.manager).post(
        f"/reports/schedules/{schedule.pk}/",
        {
            f"s{schedule.pk}-recipients": "ceo@acme.test, not-an-address",
            f"s{schedule.pk}-frequency": "hourly",
            f"s{schedule.pk}-is_active": "on",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "“not-an-address” is not an e-mail address." in html
    assert "Choose one of: weekly, monthly." in html
    assert 'value="ceo@acme.test, not-an-address"' in html  # nothing typed is lost
    assert "<details open>" in html
    schedule.refresh_from_db()
    assert schedule.recipients == ["ceo@acme.test"]


def test_bad_new_schedule_input_shows_field_messages_and_keeps_what_was_typed(world: Any):
    response = _client(world.manager).post(
        f"/reports/organizations/{world.acme.pk}/schedules/",
        {"recipients": "a@, b@acme.test", "frequency": "weekly", "is_active": "on"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "“a@” is not an e-mail address." in html
    assert 'value="a@, b@acme.test"' in html
    assert not ReportSchedule.objects.exists()


def test_a_page_shown_again_after_bad_input_filters_and_exports_the_organization(world: Any):
    schedule = _schedule(world)
    client = _client(world.manager)
    response = client.get(f"/reports/schedules/{schedule.pk}/", {"start": "2026-03-01"})
    assert response.url == f"/reports/organizations/{world.acme.pk}/?start=2026-03-01"
    response = client.get(f"/reports/organizations/{world.acme.pk}/schedules/", {"format": "csv"})
    assert response.url == f"/reports/organizations/{world.acme.pk}/?format=csv"


def test_only_managers_edit_or_remove_schedules(world: Any):
    schedule = _schedule(world)
    data = {f"s{schedule.pk}-recipients": "x@evil.test", f"s{schedule.pk}-frequency": "weekly"}
    for user in (world.agent, world.hr_agent, world.alice):
        client = _client(user)
        assert client.post(f"/reports/schedules/{schedule.pk}/", data).status_code in {302, 404}
        client.post(f"/reports/schedules/{schedule.pk}/delete/")
    schedule.refresh_from_db()
    assert schedule.recipients == ["ceo@acme.test"]
    agent = _client(world.agent)
    assert agent.post(f"/reports/schedules/{schedule.pk}/", data).status_code == 404
    assert agent.post(f"/reports/schedules/{schedule.pk}/delete/").status_code == 404
    assert _client(world.manager).post("/reports/schedules/999/", data).status_code == 404


def test_the_schedule_section_runs_a_constant_number_of_queries(
    world: Any, django_assert_max_num_queries: Any
):
    client = _client(world.manager)
    url = f"/reports/organizations/{world.acme.pk}/"
    _schedule(world)
    client.get(url)  # warm the per-minute caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for i in range(5):
        _schedule(world, recipients=[f"r{i}@acme.test"])
    with django_assert_max_num_queries(len(one)):
        assert client.get(url).status_code == 200


def test_demo_schedules_are_created_once(world: Any):
    from frontline.accounts.models import Organization
    from frontline.reports.demo import load_demo_report_schedules

    northwind = Organization.objects.create(name="Northwind Traders")
    with time_machine.travel(dt.datetime(2026, 3, 4, tzinfo=UTC), tick=False):
        assert load_demo_report_schedules() == ["weekly report schedule for Northwind Traders"]
        assert load_demo_report_schedules() == []  # loaded once; Contoso is not in this desk
    (schedule,) = ReportSchedule.objects.all()
    assert schedule.organization == northwind
    assert schedule.next_run_at == dt.datetime(2026, 3, 9, 6, tzinfo=UTC)
    assert schedule.is_active
