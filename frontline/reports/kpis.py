"""The KPIs: pure functions over SQL aggregates of a ticket queryset.

Each function takes ``tickets`` — a Ticket queryset already scoped to what the viewer may see
and narrowed by the filter's dimensions (``selectors.report_tickets``) — and the filter for
the date range, runs a fixed number of aggregate queries, and returns plain data. Nothing here
knows about users or HTTP. docs/reports.md gives every definition; the short version:

- *cohort*: tickets created in the range (rates: FCR, reopen, escalation, reassignments, SLA);
- *resolved* (volume): tickets whose ``resolved_at`` (else ``closed_at``) falls in the range;
- *backlog* at an instant: tickets created before it and not resolved/closed before it;
- durations: business seconds on the SLA clock when the ticket's SLA clock for that metric
  finished (met or missed: ``target − remaining``, pauses excluded), else wall-clock seconds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import (
    Avg,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Coalesce

from frontline.accounts.models import Tier
from frontline.reports import sql
from frontline.reports.filters import ReportFilter
from frontline.sla.models import ClockState
from frontline.tickets.models import Channel, Status, Ticket, TicketEvent

OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)
FINISHED = (ClockState.MET, ClockState.MISSED)
DECIDED = (ClockState.MET, ClockState.MISSED, ClockState.BREACHED)
SATISFIED_MIN = 4
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("<1d", 0, 1),
    ("1–3d", 1, 3),
    ("3–7d", 3, 7),
    ("7–30d", 7, 30),
    (">30d", 30, None),
)
DONE_AT = Coalesce(F("resolved_at"), F("closed_at"))
NOT_DONE = Q(resolved_at__isnull=True, closed_at__isnull=True)


def done_in(since: dt.datetime | None = None, until: dt.datetime | None = None) -> Q:
    """``Coalesce(resolved_at, closed_at)`` in ``[since, until)``, written so that PostgreSQL
    can use the indexes on ``resolved_at`` and on ``closed_at`` of unresolved tickets."""
    bounds: dict[str, dt.datetime] = {}
    if since is not None:
        bounds["gte"] = since
    if until is not None:
        bounds["lt"] = until
    resolved = Q(**{f"resolved_at__{op}": value for op, value in bounds.items()})
    closed = Q(resolved_at__isnull=True) & Q(
        **{f"closed_at__{op}": value for op, value in bounds.items()}
    )
    return resolved | closed


def _clock_seconds(metric: str, end_field: str) -> Case:
    """Business seconds on the finished SLA clock of ``metric``, else wall-clock seconds."""
    return Case(
        When(
            Q(**{f"sla__{metric}_state__in": FINISHED})
            & Q(**{f"sla__{metric}_target_seconds__isnull": False})
            & Q(**{f"sla__{metric}_remaining_seconds__isnull": False}),
            then=ExpressionWrapper(
                F(f"sla__{metric}_target_seconds") - F(f"sla__{metric}_remaining_seconds"),
                output_field=FloatField(),
            ),
        ),
        default=sql.Seconds(F(end_field), F("created_at")),
        output_field=FloatField(),
    )


FIRST_RESPONSE_SECONDS = _clock_seconds("first_response", "first_response_at")
RESOLUTION_SECONDS = _clock_seconds("resolution", "resolved_at")


def _in_range(field: str, f: ReportFilter) -> Q:
    return Q(**{f"{field}__gte": f.since, f"{field}__lt": f.until})


# --- Volume --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolumePoint:
    start: dt.date  # first day of the bucket (may precede the range's start)
    created: int
    resolved: int
    backlog: int  # open at the end of the bucket (or of the range, if sooner)

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "created": self.created,
            "resolved": self.resolved,
            "backlog": self.backlog,
        }


def volume(tickets: QuerySet[Ticket], f: ReportFilter) -> list[VolumePoint]:
    """Created, resolved and backlog per bucket (3 queries).

    backlog(end of bucket k) = backlog(range start) + Σ_{i≤k} (created_i − resolved_i), which
    equals "created before the instant and not resolved/closed before it" because a ticket is
    never resolved before it was created.
    """
    # Two counts, each served by one partial index (unfinished tickets by creation; tickets
    # done since the start), instead of one OR that reads every older ticket.
    earlier = tickets.filter(created_at__lt=f.since)
    base = earlier.filter(NOT_DONE).count() + earlier.filter(done_in(f.since)).count()
    created = sql.count_by(
        tickets.filter(_in_range("created_at", f))
        .annotate(_b=sql.trunc(f.bucket, "created_at"))
        .values_list("_b")
        .annotate(n=Count("pk"))
        .values_list("_b", "n")
    )
    resolved = sql.count_by(
        tickets.filter(done_in(f.since, f.until))
        .annotate(_done=DONE_AT)
        .annotate(_b=sql.trunc(f.bucket, "_done"))
        .values_list("_b")
        .annotate(n=Count("pk"))
        .values_list("_b", "n")
    )
    created_by = {sql.as_date(k): v for k, v in created.items()}
    resolved_by = {sql.as_date(k): v for k, v in resolved.items()}
    points = []
    backlog = base
    for start in sql.bucket_starts(f.bucket, f.start, f.end):
        c, r = created_by.get(start, 0), resolved_by.get(start, 0)
        backlog += c - r
        points.append(VolumePoint(start, c, r, backlog))
    return points


# --- Scalar KPIs -----------------------------------------------------------------------------


def ticket_counts(tickets: QuerySet[Ticket], f: ReportFilter, now: dt.datetime) -> dict[str, int]:
    """Every ticket count the summary needs, in one scan (conditional aggregation)."""
    cohort = _in_range("created_at", f)
    open_now = Q(status__in=OPEN_STATUSES)
    aggregates: dict[str, Any] = {
        "created": Count("pk", filter=cohort),
        "created_web": Count("pk", filter=cohort & Q(channel=Channel.WEB)),
        "resolved": Count("pk", filter=done_in(f.since, f.until)),
        "cohort_done": Count("pk", filter=cohort & ~NOT_DONE),
        "first_contact": Count("pk", filter=cohort & Q(resolved_on_first_contact=True)),
        "response_met": Count("pk", filter=cohort & Q(sla__first_response_state=ClockState.MET)),
        "response_decided": Count("pk", filter=cohort & Q(sla__first_response_state__in=DECIDED)),
        "resolution_met": Count("pk", filter=cohort & Q(sla__resolution_state=ClockState.MET)),
        "resolution_decided": Count("pk", filter=cohort & Q(sla__resolution_state__in=DECIDED)),
        "open_now": Count("pk", filter=open_now),
    }
    for label, low, high in AGE_BUCKETS:
        q = open_now & Q(created_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            q &= Q(created_at__gt=now - dt.timedelta(days=high))
        aggregates[f"age:{label}"] = Count("pk", filter=q)
    # Only rows some count needs: PostgreSQL combines the date and status indexes instead of
    # reading every ticket.
    relevant = cohort | done_in(f.since, f.until) | open_now
    found = tickets.filter(relevant).aggregate(**aggregates)
    return {key: int(value or 0) for key, value in found.items()}


def event_counts(tickets: QuerySet[Ticket], f: ReportFilter) -> dict[str, int]:
    """Escalated, reopened and reassigned counts over the cohort's history (1 query)."""
    cohort_ids = tickets.filter(_in_range("created_at", f)).values("pk")
    reopen = (
        Q(kind="status_changed")
        & Q(new=Status.OPEN)
        & (Q(old=Status.RESOLVED) | Q(old=Status.CLOSED))
    )
    reassign = Q(kind="assigned") & Q(old__isnull=False) & Q(new__isnull=False)
    found = (
        TicketEvent.objects.filter(ticket_id__in=cohort_ids)
        .filter(Q(kind="escalated") | reopen | reassign)
        .aggregate(
            escalated=Count("ticket_id", filter=Q(kind="escalated"), distinct=True),
            reopened=Count("ticket_id", filter=reopen, distinct=True),
            reopened_still_open=Count(
                "ticket_id",
                filter=reopen & Q(ticket__resolved_at__isnull=True, ticket__closed_at__isnull=True),
                distinct=True,
            ),
            reassignments=Count("pk", filter=reassign),
        )
    )
    return {key: int(value or 0) for key, value in found.items()}


def first_response_stats(tickets: QuerySet[Ticket], f: ReportFilter) -> sql.Stats:
    """Time to first response of tickets first answered in the range (seconds)."""
    return sql.duration_stats(
        tickets.filter(_in_range("first_response_at", f)), FIRST_RESPONSE_SECONDS
    )


def resolution_stats(tickets: QuerySet[Ticket], f: ReportFilter) -> sql.Stats:
    """Time to resolution of tickets resolved in the range (seconds)."""
    return sql.duration_stats(tickets.filter(_in_range("resolved_at", f)), RESOLUTION_SECONDS)


def tier_time(tickets: QuerySet[Ticket], f: ReportFilter) -> list[dict[str, Any]]:
    """Time the cohort spent at each tier, from finished TierPeriod rows (1 query)."""
    from frontline.sla.models import TierPeriod

    seconds = Coalesce(
        ExpressionWrapper(F("business_seconds") * 1.0, output_field=FloatField()),
        sql.Seconds(F("ended_at"), F("started_at")),
        output_field=FloatField(),
    )
    rows = (
        TierPeriod.objects.filter(
            ticket_id__in=tickets.filter(_in_range("created_at", f)).values("pk"),
            ended_at__isnull=False,
        )
        .annotate(_s=seconds)
        .values("tier")
        .annotate(periods=Count("pk"), tickets=Count("ticket_id", distinct=True), total=Sum("_s"))
    )
    by_tier = {row["tier"]: row for row in rows}
    out = []
    for tier in Tier.order():
        row = by_tier.get(tier.value)
        if row is None:
            continue
        total = float(row["total"] or 0)
        out.append(
            {
                "tier": tier.value,
                "label": tier.label,
                "periods": row["periods"],
                "tickets": row["tickets"],
                "total_seconds": total,
                "mean_seconds_per_ticket": total / row["tickets"] if row["tickets"] else None,
            }
        )
    return out


def _table_exists(name: str) -> bool:
    return name in connection.introspection.table_names()


_ready: set[str] = set()


def _model_ready(module: str, model: str) -> Any | None:
    """The model class if its app is installed and its table exists; else None.

    Another app owns these tables (CSAT, deflections) and may not be migrated yet: the KPI
    that needs them is then left out instead of failing the whole report.
    """
    import importlib

    try:
        cls = getattr(importlib.import_module(module), model)
    except (ImportError, AttributeError, LookupError, RuntimeError):
        return None
    table = cls._meta.db_table
    if table in _ready:
        return cls
    try:
        if not _table_exists(table):
            return None
    except DatabaseError:
        return None
    _ready.add(table)
    return cls


def csat(tickets: QuerySet[Ticket], f: ReportFilter) -> dict[str, Any] | None:
    """CSAT of the filtered tickets (2 queries), or None when surveys are not installed.

    average and share satisfied (rating ≥ 4) over responses given in the range; response
    rate = requests sent in the range that got a response / requests sent in the range.
    """
    response_model = _model_ready("frontline.satisfaction.models", "SurveyResponse")
    request_model = _model_ready("frontline.satisfaction.models", "SurveyRequest")
    if response_model is None or request_model is None:
        return None
    ids = tickets.values("pk")
    given = response_model.objects.filter(ticket_id__in=ids).filter(_in_range("created_at", f))
    found = given.aggregate(
        responses=Count("pk"),
        average=Avg("rating"),
        satisfied=Count("pk", filter=Q(rating__gte=SATISFIED_MIN)),
    )
    sent = request_model.objects.filter(ticket_id__in=ids).filter(_in_range("sent_at", f))
    requests = sent.aggregate(
        sent=Count("pk"), answered=Count("pk", filter=Q(ticket__survey_response__isnull=False))
    )
    return {
        "responses": found["responses"],
        "average": float(found["average"]) if found["average"] is not None else None,
        "satisfied": found["satisfied"],
        "share_satisfied": sql.ratio(found["satisfied"], found["responses"]),
        "requests": requests["sent"],
        "answered": requests["answered"],
        "response_rate": sql.ratio(requests["answered"], requests["sent"]),
    }


def deflections(
    f: ReportFilter, organizations: frozenset[int] | None, web_tickets: int
) -> dict[str, Any] | None:
    """KB deflection rate = deflections / (deflections + web tickets created), both in range.

    ``organizations`` limits the deflections counted (None: all); the filter's organization
    applies too. Other dimensions (team, tier...) do not exist for a deflection. None when the
    knowledge base's deflections are not installed.
    """
    model = _model_ready("frontline.knowledge.models", "Deflection")
    if model is None:
        return None
    rows = model.objects.filter(_in_range("created_at", f))
    if f.organization is not None:
        rows = rows.filter(organization_id=f.organization)
    if organizations is not None:
        rows = rows.filter(organization_id__in=organizations)
    count = rows.count()
    return {
        "deflections": count,
        "web_tickets": web_tickets,
        "rate": sql.ratio(count, count + web_tickets),
    }


def summary(
    tickets: QuerySet[Ticket],
    f: ReportFilter,
    *,
    now: dt.datetime,
    deflection_orgs: frozenset[int] | None = None,
    with_deflection: bool = True,
) -> dict[str, Any]:
    """Every scalar KPI of the range (about 12 queries, whatever the data size).

    ``with_deflection`` False leaves the deflection rate out (a person's or a team's page:
    deflections belong to no agent or team)."""
    counts = ticket_counts(tickets, f, now)
    events = event_counts(tickets, f)
    created = counts["created"]
    ever_resolved = counts["cohort_done"] + events["reopened_still_open"]
    return {
        "created": created,
        "resolved": counts["resolved"],
        "open": counts["open_now"],
        "first_response": first_response_stats(tickets, f).as_dict(),
        "resolution": resolution_stats(tickets, f).as_dict(),
        "first_contact_resolution_rate": sql.ratio(counts["first_contact"], counts["cohort_done"]),
        "reopen_rate": sql.ratio(events["reopened"], ever_resolved),
        "escalation_rate": sql.ratio(events["escalated"], created),
        "reassignments_per_ticket": sql.ratio(events["reassignments"], created),
        "sla_response_compliance": sql.ratio(counts["response_met"], counts["response_decided"]),
        "sla_resolution_compliance": sql.ratio(
            counts["resolution_met"], counts["resolution_decided"]
        ),
        "backlog_age": {label: counts[f"age:{label}"] for label, _, _ in AGE_BUCKETS},
        "tier_time": tier_time(tickets, f),
        "csat": csat(tickets, f),
        "deflection": (
            deflections(f, deflection_orgs, counts["created_web"]) if with_deflection else None
        ),
        "counts": {
            "first_contact": counts["first_contact"],
            "cohort_resolved": counts["cohort_done"],
            "escalated": events["escalated"],
            "reopened": events["reopened"],
            "ever_resolved": ever_resolved,
            "reassignments": events["reassignments"],
            "response_met": counts["response_met"],
            "response_decided": counts["response_decided"],
            "resolution_met": counts["resolution_met"],
            "resolution_decided": counts["resolution_decided"],
        },
    }


# --- Breakdowns ----------------------------------------------------------------------------


def agents(tickets: QuerySet[Ticket], f: ReportFilter) -> list[dict[str, Any]]:
    """Per assignee: open now, resolved in range, median resolution, CSAT (4 queries)."""
    from frontline.accounts.models import User

    load = (
        tickets.filter(assignee__isnull=False)
        .filter(Q(status__in=OPEN_STATUSES) | _in_range("resolved_at", f))
        .values_list("assignee_id")
        .annotate(
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            resolved=Count("pk", filter=_in_range("resolved_at", f)),
        )
        .values_list("assignee_id", "open", "resolved")
    )
    rows = {a: {"open": o, "resolved": r} for a, o, r in load if o or r}
    medians = sql.grouped_duration_stats(
        tickets.filter(_in_range("resolved_at", f), assignee__isnull=False),
        RESOLUTION_SECONDS,
        F("assignee_id"),
    )
    ratings: dict[int, tuple[float | None, int]] = {}
    response_model = _model_ready("frontline.satisfaction.models", "SurveyResponse")
    if response_model is not None:
        for agent_id, average, n in (
            response_model.objects.filter(
                ticket_id__in=tickets.filter(assignee__isnull=False).values("pk")
            )
            .filter(_in_range("created_at", f))
            .values_list("ticket__assignee_id")
            .annotate(a=Avg("rating"), n=Count("pk"))
            .values_list("ticket__assignee_id", "a", "n")
        ):
            ratings[agent_id] = (float(average) if average is not None else None, n)
    ids = set(rows) | set(ratings)
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "full_name")) if ids else {}
    out: list[dict[str, Any]] = []
    for agent_id in ids:
        row = rows.get(agent_id, {"open": 0, "resolved": 0})
        average, responses = ratings.get(agent_id, (None, 0))
        out.append(
            {
                "agent": agent_id,
                "name": names.get(agent_id) or f"#{agent_id}",
                "open": row["open"],
                "resolved": row["resolved"],
                "median_resolution": medians.get(agent_id, sql.Stats()).median,
                "csat_average": average,
                "csat_responses": responses,
            }
        )
    out.sort(key=lambda r: (-r["open"], -r["resolved"], r["name"]))
    return out


def status_priority(tickets: QuerySet[Ticket]) -> dict[str, dict[str, int]]:
    """Open tickets now, by status then priority (1 query)."""
    out: dict[str, dict[str, int]] = {}
    for status, priority, n in (
        tickets.filter(status__in=OPEN_STATUSES)
        .values_list("status", "priority")
        .annotate(n=Count("pk"))
        .values_list("status", "priority", "n")
    ):
        out.setdefault(status, {})[priority] = n
    return out


def trends(tickets: QuerySet[Ticket], f: ReportFilter) -> list[dict[str, Any]]:
    """Per bucket: median first response and resolution, SLA compliance, CSAT (4–5 queries)."""
    frt = sql.grouped_duration_stats(
        tickets.filter(_in_range("first_response_at", f)),
        FIRST_RESPONSE_SECONDS,
        sql.trunc(f.bucket, "first_response_at"),
    )
    res = sql.grouped_duration_stats(
        tickets.filter(_in_range("resolved_at", f)),
        RESOLUTION_SECONDS,
        sql.trunc(f.bucket, "resolved_at"),
    )
    sla_rows = (
        tickets.filter(_in_range("created_at", f))
        .annotate(_b=sql.trunc(f.bucket, "created_at"))
        .values_list("_b")
        .annotate(
            met=Count("pk", filter=Q(sla__resolution_state=ClockState.MET)),
            decided=Count("pk", filter=Q(sla__resolution_state__in=DECIDED)),
            rmet=Count("pk", filter=Q(sla__first_response_state=ClockState.MET)),
            rdecided=Count("pk", filter=Q(sla__first_response_state__in=DECIDED)),
        )
        .values_list("_b", "met", "decided", "rmet", "rdecided")
    )
    sla_by = {sql.as_date(b): (m, d, rm, rd) for b, m, d, rm, rd in sla_rows}
    csat_by: dict[dt.date, tuple[float | None, int]] = {}
    response_model = _model_ready("frontline.satisfaction.models", "SurveyResponse")
    if response_model is not None:
        for b, average, n in (
            response_model.objects.filter(ticket_id__in=tickets.values("pk"))
            .filter(_in_range("created_at", f))
            .annotate(_b=sql.trunc(f.bucket, "created_at"))
            .values_list("_b")
            .annotate(a=Avg("rating"), n=Count("pk"))
            .values_list("_b", "a", "n")
        ):
            csat_by[sql.as_date(b)] = (float(average) if average is not None else None, n)
    frt_by = {sql.as_date(k): v for k, v in frt.items()}
    res_by = {sql.as_date(k): v for k, v in res.items()}
    out = []
    for start in sql.bucket_starts(f.bucket, f.start, f.end):
        met, decided, rmet, rdecided = sla_by.get(start, (0, 0, 0, 0))
        average, responses = csat_by.get(start, (None, 0))
        out.append(
            {
                "start": start.isoformat(),
                "first_response_median": frt_by.get(start, sql.Stats()).median,
                "resolution_median": res_by.get(start, sql.Stats()).median,
                "sla_response_compliance": sql.ratio(rmet, rdecided),
                "sla_resolution_compliance": sql.ratio(met, decided),
                "csat_average": average,
                "csat_responses": responses,
            }
        )
    return out


def teams(tickets: QuerySet[Ticket], f: ReportFilter) -> list[dict[str, Any]]:
    """Per team: created, resolved, open now, SLA compliance, median resolution (3 queries)."""
    from frontline.accounts.models import Team

    relevant = (
        _in_range("created_at", f) | _in_range("resolved_at", f) | Q(status__in=OPEN_STATUSES)
    )
    rows = (
        tickets.filter(relevant)
        .values_list("team_id")
        .annotate(
            created=Count("pk", filter=_in_range("created_at", f)),
            resolved=Count("pk", filter=_in_range("resolved_at", f)),
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            met=Count(
                "pk",
                filter=_in_range("created_at", f) & Q(sla__resolution_state=ClockState.MET),
            ),
            decided=Count(
                "pk",
                filter=_in_range("created_at", f) & Q(sla__resolution_state__in=DECIDED),
            ),
        )
        .values_list("team_id", "created", "resolved", "open", "met", "decided")
    )
    medians = sql.grouped_duration_stats(
        tickets.filter(_in_range("resolved_at", f)), RESOLUTION_SECONDS, F("team_id")
    )
    names = dict(Team.objects.values_list("pk", "name"))
    out: list[dict[str, Any]] = [
        {
            "team": team_id,
            "name": names.get(team_id, "Unrouted") if team_id else "Unrouted",
            "created": created,
            "resolved": resolved,
            "open": open_,
            "sla_resolution_compliance": sql.ratio(met, decided),
            "median_resolution": medians.get(team_id, sql.Stats()).median,
        }
        for team_id, created, resolved, open_, met, decided in rows
        if created or resolved or open_
    ]
    out.sort(key=lambda r: str(r["name"]))
    return out
