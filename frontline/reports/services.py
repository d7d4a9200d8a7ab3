"""Report writes: organization report schedules, and sending the scheduled reports."""

from __future__ import annotations

import datetime as dt

from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from frontline.accounts.models import Organization, User
from frontline.core.errors import NotFound, PermissionDenied, ValidationError
from frontline.core.mail import queue_email
from frontline.reports import exports, selectors
from frontline.reports.filters import ReportFilter
from frontline.reports.models import Frequency, ReportDelivery, ReportSchedule

RUN_HOUR = 6  # UTC: reports go out early on Monday / the 1st
MAX_RECIPIENTS = 20


def first_run_after(frequency: str, moment: dt.datetime) -> dt.datetime:
    """The first scheduled instant strictly after ``moment`` (Monday or the 1st, 06:00 UTC)."""
    day = moment.astimezone(dt.UTC).date()
    while True:
        if frequency == Frequency.WEEKLY:
            day = day + dt.timedelta(days=(7 - day.weekday()) % 7 or 0)
        else:
            day = (
                day if day.day == 1 else (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            )
        candidate = dt.datetime.combine(day, dt.time(RUN_HOUR), tzinfo=dt.UTC)
        if candidate > moment:
            return candidate
        day = day + dt.timedelta(days=1)


def period_before(frequency: str, run_at: dt.datetime) -> tuple[dt.date, dt.date]:
    """The period a run at ``run_at`` reports on: the previous ISO week or calendar month."""
    day = run_at.astimezone(dt.UTC).date()
    if frequency == Frequency.WEEKLY:
        monday = day - dt.timedelta(days=day.weekday())
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    first = day.replace(day=1)
    last_month_end = first - dt.timedelta(days=1)
    return last_month_end.replace(day=1), last_month_end


def _clean_recipients(recipients: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(r.strip().lower() for r in recipients if r.strip()))
    if not cleaned:
        raise ValidationError.field("recipients", "Name at least one e-mail address.")
    if len(cleaned) > MAX_RECIPIENTS:
        raise ValidationError.field("recipients", f"At most {MAX_RECIPIENTS} addresses.")
    for address in cleaned:
        try:
            validate_email(address)
        except Exception:
            raise ValidationError.field(
                "recipients", f"“{address[:60]}” is not an e-mail address."
            ) from None
    return cleaned


def _check_schedule(
    actor: User, organization: Organization, recipients: list[str], frequency: str
) -> list[str]:
    """The policy and the input checks shared by creating and editing a schedule: the
    cleaned recipients. Every field's message is collected before raising."""
    if not selectors.is_manager(actor):
        raise PermissionDenied("Only managers schedule reports.")
    if not selectors.organizations_reportable(actor).filter(pk=organization.pk).exists():
        raise NotFound("No such organization.")
    errors: dict[str, list[str]] = {}
    if frequency not in Frequency.values:
        errors["frequency"] = [f"Choose one of: {', '.join(Frequency.values)}."]
    cleaned: list[str] = []
    try:
        cleaned = _clean_recipients(recipients)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError("The schedule cannot be saved.", errors=errors)
    return cleaned


def report_schedule_create(
    *,
    actor: User,
    organization: Organization,
    recipients: list[str],
    frequency: str,
    is_active: bool = True,
) -> ReportSchedule:
    """Schedule ``organization``'s report for ``recipients``. Managers and admins only
    (PermissionDenied); an organization the actor may not report on is NotFound; bad
    addresses or frequency are a ValidationError (``recipients``, ``frequency``). The first
    report goes out at the next Monday / 1st at 06:00 UTC."""
    cleaned = _check_schedule(actor, organization, recipients, frequency)
    with transaction.atomic():
        return ReportSchedule.objects.create(
            organization=organization,
            recipients=cleaned,
            frequency=frequency,
            next_run_at=first_run_after(frequency, timezone.now()),
            is_active=is_active,
            created_by=actor,
        )


def report_schedule_update(
    *,
    actor: User,
    schedule: ReportSchedule,
    recipients: list[str],
    frequency: str,
    is_active: bool,
) -> ReportSchedule:
    """Change a schedule's recipients, frequency and on/off, with the same policy and checks
    as ``report_schedule_create`` (a failed check changes nothing). A new frequency, or
    switching a schedule back on, moves the next report to the next Monday / 1st at 06:00
    UTC: a schedule that was off never sends the reports it missed."""
    cleaned = _check_schedule(actor, schedule.organization, recipients, frequency)
    with transaction.atomic():
        current = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
        if frequency != current.frequency or (is_active and not current.is_active):
            current.next_run_at = first_run_after(frequency, timezone.now())
        current.recipients = cleaned
        current.frequency = frequency
        current.is_active = is_active
        current.save(
            update_fields=["recipients", "frequency", "is_active", "next_run_at", "updated_at"]
        )
    return current


def report_schedule_delete(*, actor: User, schedule: ReportSchedule) -> None:
    """Stop a schedule (managers and admins only)."""
    if not selectors.is_manager(actor):
        raise PermissionDenied("Only managers change report schedules.")
    with transaction.atomic():
        schedule.delete()


def report_send(*, schedule: ReportSchedule, now: dt.datetime) -> ReportDelivery | None:
    """Send ``schedule``'s report for the period before its ``next_run_at`` if it is due and
    not sent yet; move ``next_run_at`` past ``now``. Idempotent per period: a repeated or
    concurrent run finds the delivery row and sends nothing (returns None)."""
    with transaction.atomic():
        locked = ReportSchedule.objects.select_for_update().select_related("organization")
        schedule = locked.get(pk=schedule.pk)
        if not schedule.is_active or schedule.next_run_at > now:
            return None
        start, end = period_before(schedule.frequency, schedule.next_run_at)
        schedule.next_run_at = first_run_after(schedule.frequency, now)
        schedule.save(update_fields=["next_run_at", "updated_at"])
        try:
            with transaction.atomic():
                delivery = ReportDelivery.objects.create(
                    schedule=schedule, period_start=start, period_end=end
                )
        except IntegrityError:
            return None
        report = selectors.organization_report(
            None,
            schedule.organization,
            ReportFilter(start=start, end=end, bucket="day"),
            now=now,
        )
        queue_email(
            subject=f"{schedule.organization.name}: support report {start} to {end}",
            body=exports.report_text(report),
            to=list(schedule.recipients),
        )
        return delivery


def reports_send_due(*, now: dt.datetime | None = None) -> list[int]:
    """Send every due schedule's report; the ids of the deliveries made."""
    now = now or timezone.now()
    sent: list[int] = []
    due = ReportSchedule.objects.filter(is_active=True, next_run_at__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        delivery = report_send(schedule=ReportSchedule(pk=pk), now=now)
        if delivery is not None:
            sent.append(delivery.pk)
    return sent
