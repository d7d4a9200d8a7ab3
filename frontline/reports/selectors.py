"""Report reads, scoped to what the viewer may see.

Every function starts from the viewer's visibility rule (``tickets.policies.ticket_filter``,
the same rule as the ticket list), applied to the report facts (``TicketFact``, whose
dimension columns carry the ticket's column names so the same condition applies unchanged),
narrows it by the filter's dimensions, and hands it to the pure KPI functions. Access to a
dashboard that is not the viewer's (a team, an organization) answers ``NotFound``: a user who
may not see it cannot learn it exists. The number of queries of each function is fixed,
whatever the number of tickets.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from frontline.accounts.models import Organization, Role, Team, User
from frontline.core.errors import NotFound
from frontline.reports import aggregates, kpis, sql
from frontline.reports.filters import ReportFilter
from frontline.reports.models import ReportSchedule, TicketFact
from frontline.tickets.lifecycle import OPEN_STATUSES
from frontline.tickets.models import Ticket
from frontline.tickets.policies import scope_for, ticket_filter
from frontline.tickets.selectors import tickets_visible_to

DUE_SOON = dt.timedelta(hours=4)
AT_RISK_LIMIT = 20


def is_manager(user: User) -> bool:
    """Managers and admins see the desk-wide trend dashboard and every organization report."""
    return user.is_active and (user.role in {Role.MANAGER, Role.ADMIN} or user.is_superuser)


def report_tickets(viewer: User, f: ReportFilter) -> QuerySet[Ticket]:
    """The tickets ``viewer`` may see that match the filter's dimensions (no date condition:
    each KPI applies the range to its own timestamp)."""
    return tickets_visible_to(viewer).filter(f.ticket_q())


def report_facts(viewer: User | None, f: ReportFilter) -> QuerySet[TicketFact]:
    """The fact rows of the tickets ``viewer`` may see (``None``: every ticket, for the
    scheduler) that match the filter's dimensions; the visibility condition is the ticket
    list's own (``ticket_filter``), applied to the fact table's same-named columns."""
    facts = TicketFact.objects.all()
    condition = None if viewer is None else ticket_filter(viewer)
    if condition is not None:
        facts = facts.filter(condition)
    return facts.filter(f.ticket_q())


def report_source(
    viewer: User | None, f: ReportFilter, facts: QuerySet[TicketFact]
) -> aggregates.Source:
    """Where the page's range counts and duration sets are read (``aggregates.Source``):
    the day rollups for what they can count, else ``facts`` (``report_facts(viewer, f)``)."""
    visible = None if viewer is None else ticket_filter(viewer)
    return aggregates.source(facts, visible, f)


def deflection_orgs(viewer: User) -> frozenset[int] | None:
    """Organizations whose KB deflections the viewer's reports count (None: all of them)."""
    scope = scope_for(viewer)
    if scope.everything or scope.unrestricted_team_ids:
        return None
    return frozenset(org for orgs in scope.team_orgs.values() for org in orgs)


@sql.report_settings
def kpi_summary(viewer: User, f: ReportFilter, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Every scalar KPI of ``f`` over the tickets ``viewer`` may see."""
    facts = report_facts(viewer, f)
    src = report_source(viewer, f, facts)
    return kpis.summary(
        facts,
        f,
        now=now or timezone.now(),
        deflection_orgs=deflection_orgs(viewer),
        times=aggregates.durations_of(src, f),
        rows=aggregates.range_rows_of(src, f),
    )


@sql.report_settings
def volume_series(viewer: User, f: ReportFilter) -> list[kpis.VolumePoint]:
    """Created, resolved and backlog per bucket over the tickets ``viewer`` may see."""
    facts = report_facts(viewer, f)
    return kpis.volume(facts, f, rows=aggregates.range_rows_of(report_source(viewer, f, facts), f))


def _at_risk(tickets: QuerySet[Ticket], now: dt.datetime, limit: int) -> list[Ticket]:
    return list(
        tickets.filter(
            status__in=OPEN_STATUSES,
            sla__next_due_at__isnull=False,
            sla__next_due_at__lt=now + DUE_SOON,
        )
        .select_related("sla", "assignee", "team")
        .order_by("sla__next_due_at", "pk")[:limit]
    )


@sql.report_settings
def my_work(viewer: User, f: ReportFilter, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The agent's own dashboard: tickets assigned to them (about 12 queries)."""
    now = now or timezone.now()
    mine_filter = f.with_(assignee=viewer.pk)
    mine = report_facts(viewer, mine_filter)
    week_start = dt.datetime.combine(
        (now - dt.timedelta(days=now.weekday())).date(), dt.time(), tzinfo=dt.UTC
    )
    resolved_this_week = mine.filter(aggregates.done_in(week_start, now)).count()
    src = report_source(viewer, mine_filter, mine)
    summary = kpis.summary(
        mine,
        mine_filter,
        now=now,
        with_deflection=False,
        times=aggregates.durations_of(src, mine_filter),
        rows=aggregates.range_rows_of(src, mine_filter),
    )
    return {
        "filter": mine_filter,
        "open_by_status": kpis.status_priority(mine),
        "due_soon": _at_risk(report_tickets(viewer, mine_filter), now, AT_RISK_LIMIT),
        "resolved_this_week": resolved_this_week,
        "summary": summary,
        "csat": summary["csat"],
    }


def teams_led_by(viewer: User) -> QuerySet[Team]:
    """The teams whose dashboard ``viewer`` may open: led by them, or (for managers) theirs;
    admins may open every team's."""
    if viewer.role == Role.ADMIN or viewer.is_superuser:
        return Team.objects.all()
    q = Q(lead=viewer)
    if viewer.role == Role.MANAGER:
        q |= Q(memberships__user=viewer)
    return Team.objects.filter(q).distinct()


def team_for(viewer: User, team_id: int) -> Team:
    """The team if ``viewer`` may see its dashboard, else NotFound."""
    team = teams_led_by(viewer).filter(pk=team_id).first()
    if team is None:
        raise NotFound("No such team.")
    return team


@sql.report_settings
def team_dashboard(
    viewer: User, team: Team, f: ReportFilter, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """A team lead's view of one team (``team`` from ``team_for``): backlog, SLA at risk,
    workload per agent, aging."""
    now = now or timezone.now()
    scoped = f.with_(team=team.pk)
    facts = report_facts(viewer, scoped)
    src = report_source(viewer, scoped, facts)
    times = aggregates.durations_of(src, scoped, resolution_by=("agent",))
    rows = aggregates.range_rows_of(src, scoped)
    return {
        "team": team,
        "filter": scoped,
        "summary": kpis.summary(
            facts, scoped, now=now, with_deflection=False, times=times, rows=rows
        ),
        "volume": kpis.volume(facts, scoped, rows=rows),
        "at_risk": _at_risk(report_tickets(viewer, scoped), now, AT_RISK_LIMIT),
        "agents": kpis.agents(facts, scoped, times=times),
        "open_by_status": kpis.status_priority(facts),
    }


@sql.report_settings
def manager_dashboard(
    viewer: User, f: ReportFilter, *, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Trends over the range: volume, response/resolution times, SLA, CSAT, per team."""
    now = now or timezone.now()
    facts = report_facts(viewer, f)
    src = report_source(viewer, f, facts)
    # the duration sets every section shares, each read once with all its groupings
    times = aggregates.durations_of(
        src, f, response_by=("bucket",), resolution_by=("bucket", "team", "agent")
    )
    rows = aggregates.range_rows_of(src, f, by_team=True)  # every count of the range
    return {
        "filter": f,
        "summary": kpis.summary(
            facts, f, now=now, deflection_orgs=deflection_orgs(viewer), times=times, rows=rows
        ),
        "volume": kpis.volume(facts, f, rows=rows),
        "trends": kpis.trends(facts, f, times=times, rows=rows),
        "teams": kpis.teams(facts, f, times=times, range_by_team=rows),
        "agents": kpis.agents(facts, f, times=times),
    }


def organizations_reportable(viewer: User) -> QuerySet[Organization]:
    """Organizations whose report ``viewer`` may open: managers and admins every one; other
    desk users those their teams serve (an unrestricted team serves every organization)."""
    if is_manager(viewer):
        return Organization.objects.all()
    if not viewer.is_agent_like:
        return Organization.objects.none()
    scope = scope_for(viewer)
    if scope.unrestricted_team_ids:
        return Organization.objects.all()
    served = {org for orgs in scope.team_orgs.values() for org in orgs}
    return Organization.objects.filter(pk__in=served)


def organization_for(viewer: User, organization_id: int) -> Organization:
    """The organization if ``viewer`` may see its report, else NotFound."""
    found = organizations_reportable(viewer).filter(pk=organization_id).first()
    if found is None:
        raise NotFound("No such organization.")
    return found


def schedules_of(viewer: User, organization: Organization) -> list[ReportSchedule]:
    """The report schedules of ``organization`` (managers; nobody else sees them)."""
    if not is_manager(viewer):
        return []
    return list(ReportSchedule.objects.filter(organization=organization))


def schedule_for(viewer: User, schedule_id: int) -> ReportSchedule:
    """A schedule of an organization the manager may report on (with its organization, one
    query), else NotFound: only managers see schedules."""
    found = (
        ReportSchedule.objects.select_related("organization")
        .filter(pk=schedule_id, organization__in=organizations_reportable(viewer))
        .first()
        if is_manager(viewer)
        else None
    )
    if found is None:
        raise NotFound("No such schedule.")
    return found


@sql.report_settings
def organization_report(
    viewer: User | None,
    organization: Organization,
    f: ReportFilter,
    *,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The KPIs of one organization's tickets over the range. ``viewer`` None means the
    scheduler (every ticket of the organization); a person sees only tickets they may see.
    Never includes another organization's tickets or deflections, whatever ``f`` says."""
    now = now or timezone.now()
    scoped = f.with_(organization=organization.pk)
    facts = report_facts(viewer, scoped).filter(organization_id=organization.pk)
    src = report_source(viewer, scoped, facts)  # the filter names the organization too
    rows = aggregates.range_rows_of(src, scoped)
    return {
        "organization": organization,
        "filter": scoped,
        "summary": kpis.summary(
            facts,
            scoped,
            now=now,
            deflection_orgs=frozenset({organization.pk}),
            rows=rows,
            times=aggregates.durations_of(src, scoped),
        ),
        "volume": kpis.volume(facts, scoped, rows=rows),
    }
