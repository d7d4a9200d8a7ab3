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
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from frontline.accounts.models import Organization, Tier, User
from frontline.core.errors import DomainError, NotFound, PermissionDenied
from frontline.core.exports import stream_csv
from frontline.desk.access import desk_required, me
from frontline.desk.views import filter_options
from frontline.reports import exports, presenters, selectors, services
from frontline.reports.filters import KEYS, ReportFilter, default_filter, parse_filter
from frontline.reports.forms import ScheduleForm
from frontline.reports.models import ReportSchedule
from frontline.tickets.models import Channel, Priority, TicketType
from frontline.web.forms import add_domain_error


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
    return _organization_page(request, user, org)


def _organization_page(
    request: HttpRequest,
    user: User,
    org: Organization,
    *,
    bound: ScheduleForm | None = None,
    bound_schedule: int | None = None,
) -> HttpResponse:
    """The organization report; with ``bound`` (a schedule form that failed its checks) the
    schedule section shows that form with its messages and what was typed, answering 422."""
    f, errors = _filter(request)
    context = _context(request, user, f, errors)
    context["organization"] = org
    context.update(_schedule_context(user, org, context["is_manager"], bound, bound_schedule))
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
    return render(
        request, "reports/organization.html", context, status=422 if bound is not None else 200
    )


# --- Report schedules (managers, on the organization page) -------------------------------


def _schedule_context(
    user: User,
    org: Organization,
    is_manager: bool,
    bound: ScheduleForm | None,
    bound_schedule: int | None,
) -> dict[str, Any]:
    """Each schedule with its edit form, and the form for a new one (one query)."""
    if not is_manager:
        return {"schedules": [], "schedule_form": None}
    schedules = selectors.schedules_of(user, org)
    rows = [
        (
            schedule,
            bound
            if bound is not None and bound_schedule == schedule.pk
            else ScheduleForm.for_schedule(schedule),
        )
        for schedule in schedules
    ]
    new_form = bound if bound is not None and bound_schedule is None else ScheduleForm()
    return {"schedules": rows, "schedule_form": new_form}


def _schedule_for(user: User, schedule_id: int) -> ReportSchedule:
    """A schedule of an organization the manager may report on; 404 for anyone else."""
    try:
        return selectors.schedule_for(user, schedule_id)
    except NotFound:
        raise Http404("No such schedule.") from None


def _back_to_report(request: HttpRequest, org_id: int) -> HttpResponse:
    """A GET on a schedule URL (the filter form or the CSV link of a page re-shown after bad
    input) goes to the organization report with the same query."""
    url = reverse("reports:organization", kwargs={"organization_id": org_id})
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


@desk_required
@require_http_methods(["GET", "POST"])
def schedule_create(request: HttpRequest, organization_id: int) -> HttpResponse:
    """Schedule the organization's report by mail (managers; others 404). Bad input shows
    the page again with a message per field and what was typed (422)."""
    user = me(request)
    try:
        org = selectors.organization_for(user, organization_id)
    except NotFound:
        raise Http404("No such organization.") from None
    if request.method == "GET":
        return _back_to_report(request, org.pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        return _organization_page(request, user, org, bound=form)
    try:
        services.report_schedule_create(actor=user, organization=org, **form.service_input())
    except PermissionDenied as exc:  # may read the report, not mail it around (the policy)
        messages.error(request, exc.detail)
        return redirect("reports:organization", organization_id=org.pk)
    except DomainError as exc:
        add_domain_error(form, exc)
        return _organization_page(request, user, org, bound=form)
    messages.success(request, "The report is scheduled.")
    return redirect("reports:organization", organization_id=org.pk)


@desk_required
@require_http_methods(["GET", "POST"])
def schedule_update(request: HttpRequest, schedule_id: int) -> HttpResponse:
    """Change a schedule's recipients, frequency or on/off (managers; others 404), with the
    same checks as creating one; bad input keeps what was typed (422)."""
    user = me(request)
    schedule = _schedule_for(user, schedule_id)
    if request.method == "GET":
        return _back_to_report(request, schedule.organization_id)
    form = ScheduleForm.for_schedule(schedule, request.POST)
    org = schedule.organization
    if not form.is_valid():
        return _organization_page(request, user, org, bound=form, bound_schedule=schedule.pk)
    try:
        services.report_schedule_update(actor=user, schedule=schedule, **form.service_input())
    except DomainError as exc:
        add_domain_error(form, exc)
        return _organization_page(request, user, org, bound=form, bound_schedule=schedule.pk)
    messages.success(request, "The schedule is saved.")
    return redirect("reports:organization", organization_id=org.pk)


@desk_required
@require_POST
def schedule_delete(request: HttpRequest, schedule_id: int) -> HttpResponse:
    """Remove a schedule (managers; others 404)."""
    user = me(request)
    schedule = _schedule_for(user, schedule_id)
    org_id = schedule.organization_id
    services.report_schedule_delete(actor=user, schedule=schedule)
    messages.success(request, "The schedule is removed.")
    return redirect("reports:organization", organization_id=org_id)
