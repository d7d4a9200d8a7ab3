"""Report pages: the manager dashboard, "My work", a team's dashboard, an organization report.

Each page reads its filter from the query string (``filters.parse_filter``); a bad filter
shows the messages above the form, keeps what was typed, computes nothing and answers 422.
``?format=csv`` downloads the page's numbers (neutralised cells). A team or organization the
user may not report on is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from frontline.accounts.models import Tier, User
from frontline.core.errors import DomainError, NotFound
from frontline.core.exports import stream_csv
from frontline.desk.access import desk_required, me
from frontline.desk.views import filter_options
from frontline.reports import exports, presenters, selectors, services
from frontline.reports.filters import KEYS, ReportFilter, default_filter, parse_filter
from frontline.reports.models import Frequency, ReportSchedule
from frontline.tickets.models import Channel, Priority, TicketType


def _filter(request: HttpRequest) -> tuple[ReportFilter | None, dict[str, list[str]]]:
    today = timezone.now().date()
    params = {k: request.GET.get(k, "") for k in request.GET if k != "format"}
    try:
        f = parse_filter(params, today=today, allowed=KEYS)
    except DomainError as exc:
        return None, exc.errors
    return f, {}


def _context(
    request: HttpRequest, user: User, f: ReportFilter | None, errors: dict[str, list[str]]
) -> dict[str, Any]:
    shown = f or default_filter(timezone.now().date())
    return {
        "section": "reports",
        "f": shown,
        "typed": {
            "start": request.GET.get("start") or shown.start.isoformat(),
            "end": request.GET.get("end") or shown.end.isoformat(),
        },
        "errors": errors,
        "options": filter_options(user),
        "choices": {
            "tier": Tier.choices,
            "channel": Channel.choices,
            "priority": Priority.choices,
            "type": TicketType.choices,
            "bucket": [("day", "Day"), ("week", "Week"), ("month", "Month")],
        },
        "priorities": Priority.values,
        "csv_query": _csv_query(request),
        "is_manager": selectors.is_manager(user),
        "led_teams": list(selectors.teams_led_by(user).values_list("pk", "name")),
    }


def _csv_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query["format"] = "csv"
    return query.urlencode()


def _invalid(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    messages.error(request, "Some report filters are invalid: nothing was computed.")
    return render(request, template, context, status=422)


def _csv(name: str, report: dict[str, Any]) -> HttpResponse:
    f = report["filter"]
    # a streaming response: the views are typed HttpResponse for desk_required
    return stream_csv(  # type: ignore[return-value]
        f"{name}-{f.start}-{f.end}.csv", exports.CSV_HEADER, exports.rows_of(report)
    )


@desk_required
def index(request: HttpRequest) -> HttpResponse:
    """Managers get the trend dashboard; everyone else their own work."""
    user = me(request)
    if not selectors.is_manager(user):
        return redirect("reports:my")
    f, errors = _filter(request)
    context = _context(request, user, f, errors)
    context["organizations"] = list(
        selectors.organizations_reportable(user).values_list("pk", "name")
    )
    if f is None:
        return _invalid(request, "reports/manager.html", context)
    report = selectors.manager_dashboard(user, f)
    if request.GET.get("format") == "csv":
        return _csv("desk-report", report)
    context.update(
        report=report,
        volume_chart=presenters.volume_chart(report["volume"]),
        trend_charts=presenters.trend_charts(report["trends"]),
        age_chart=presenters.age_chart(report["summary"]),
        tier_chart=presenters.tier_chart(report["summary"]),
        workload_chart=presenters.workload_chart(report["agents"]),
    )
    return render(request, "reports/manager.html", context)


@desk_required
def my(request: HttpRequest) -> HttpResponse:
    """The agent's own work: open by status and priority, SLA due soon, resolved, CSAT."""
    user = me(request)
    f, errors = _filter(request)
    context = _context(request, user, f, errors)
    if f is None:
        return _invalid(request, "reports/my.html", context)
    report = selectors.my_work(user, f)
    if request.GET.get("format") == "csv":
        return _csv("my-work", report)
    context.update(report=report, age_chart=presenters.age_chart(report["summary"]))
    return render(request, "reports/my.html", context)


@desk_required
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    """A team lead's dashboard of one team (404 unless they lead it or manage it)."""
    user = me(request)
    try:
        found = selectors.team_for(user, team_id)
    except NotFound:
        raise Http404("No such team.") from None
    f, errors = _filter(request)
    context = _context(request, user, f, errors)
    context["team"] = found
    if f is None:
        return _invalid(request, "reports/team.html", context)
    report = selectors.team_dashboard(user, found, f)
    if request.GET.get("format") == "csv":
        return _csv(f"team-{found.pk}", report)
    context.update(
        report=report,
        volume_chart=presenters.volume_chart(report["volume"]),
        age_chart=presenters.age_chart(report["summary"]),
        workload_chart=presenters.workload_chart(report["agents"]),
    )
    return render(request, "reports/team.html", context)


@desk_required
def organization(request: HttpRequest, organization_id: int) -> HttpResponse:
    """One organization's KPIs over the range (404 unless the user may report on it)."""
    user = me(request)
    try:
        org = selectors.organization_for(user, organization_id)
    except NotFound:
        raise Http404("No such organization.") from None
    f, errors = _filter(request)
    context = _context(request, user, f, errors)
    context["organization"] = org
    context["schedules"] = (
        list(ReportSchedule.objects.filter(organization=org)) if context["is_manager"] else []
    )
    context["frequencies"] = Frequency.choices
    if f is None:
        return _invalid(request, "reports/organization.html", context)
    report = selectors.organization_report(user, org, f)
    if request.GET.get("format") == "csv":
        return _csv(f"organization-{org.pk}", report)
    context.update(
        report=report,
        volume_chart=presenters.volume_chart(report["volume"]),
        age_chart=presenters.age_chart(report["summary"]),
    )
    return render(request, "reports/organization.html", context)


@desk_required
@require_POST
def schedule_create(request: HttpRequest, organization_id: int) -> HttpResponse:
    """Schedule the organization's report by mail (managers)."""
    user = me(request)
    try:
        org = selectors.organization_for(user, organization_id)
    except NotFound:
        raise Http404("No such organization.") from None
    recipients = [r for r in request.POST.get("recipients", "").replace(";", ",").split(",")]
    try:
        services.report_schedule_create(
            actor=user,
            organization=org,
            recipients=recipients,
            frequency=request.POST.get("frequency", ""),
        )
    except DomainError as exc:
        details = " ".join(m for msgs in exc.errors.values() for m in msgs)
        messages.error(request, f"{exc.detail} {details}".strip())
    else:
        messages.success(request, "The report is scheduled.")
    return redirect("reports:organization", organization_id=org.pk)


@desk_required
@require_POST
def schedule_delete(request: HttpRequest, schedule_id: int) -> HttpResponse:
    user = me(request)
    schedule = ReportSchedule.objects.filter(pk=schedule_id).first()
    if schedule is None or not selectors.is_manager(user):
        raise Http404("No such schedule.")
    org_id = schedule.organization_id
    services.report_schedule_delete(actor=user, schedule=schedule)
    messages.success(request, "The schedule is removed.")
    return redirect("reports:organization", organization_id=org_id)
