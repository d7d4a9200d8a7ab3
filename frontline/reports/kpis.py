"""The KPIs: pure functions over SQL aggregates of the report facts.

Each function takes ``facts`` — a ``TicketFact`` queryset already scoped to what the viewer
may see and narrowed by the filter's dimensions (``selectors.report_facts``) — and the filter
for the date range, runs a fixed number of aggregate queries, and returns plain data. Nothing
here knows about users or HTTP. docs/reports.md gives every definition; the short version:

- *cohort*: tickets created in the range (rates: FCR, reopen, escalation, reassignments, SLA);
- *resolved* (volume): tickets whose ``resolved_at`` (else ``closed_at``) falls in the range;
- *backlog* at an instant: tickets created before it and not resolved/closed before it;
- durations: business seconds on the SLA clock when the ticket's SLA clock for that metric
  finished (met or missed: ``target − remaining``, pauses excluded), else wall-clock seconds
  — computed once per ticket into the fact row (``facts.fact_select``).

The SQL passes themselves are in ``aggregates`` (the range rows, the duration sets); a page
reads each once and hands it to every function here that needs it (``rows=``, ``times=``);
called alone, a function reads what it needs itself.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import (
    Avg,
    Count,
    F,
    Q,
)

from frontline.accounts.models import Tier
from frontline.reports import sql
from frontline.reports.aggregates import (
    NOT_DONE,
    SUMS,
    Durations,
    Facts,
    RangeRows,
    done_in,
    durations,
    in_range,
    range_rows,
)
from frontline.reports.filters import ReportFilter

SATISFIED_MIN = 4
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("<1d", 0, 1),
    ("1–3d", 1, 3),
    ("3–7d", 3, 7),
    ("7–30d", 7, 30),
    (">30d", 30, None),
)

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


def volume(facts: Facts, f: ReportFilter, *, rows: RangeRows | None = None) -> list[VolumePoint]:
    """Created, resolved and backlog per bucket (2–3 queries; ``rows``: the page's
    ``range_rows`` if already read).

    backlog(end of bucket k) = backlog(range start) + Σ_{i≤k} (created_i − resolved_i), which
    equals "created before the instant and not resolved/closed before it" because a ticket is
    never resolved before it was created.
    """
    # backlog at the start = created before it and (not done, or done since): not done is an
    # index-only count; done in the range are range rows (created before: no creation
    # bucket); done after the range (a range in the past) is one more index-served count.
    rows = rows or range_rows(facts, f)
    if rows.backlog_start is not None:  # read with the rows (the day rollups)
        base = rows.backlog_start
    else:
        earlier = facts.filter(created_at__lt=f.since)
        base = earlier.filter(NOT_DONE).count() + earlier.filter(done_in(f.until)).count()
        base += sum(r["s_n"] for r in rows.rows if r["k_cb"] is None and r["k_db"] is not None)
    created_by: dict[dt.date, int] = defaultdict(int)
    resolved_by: dict[dt.date, int] = defaultdict(int)
    for row in rows.rows:
        if row["k_cb"] is not None:
            created_by[row["k_cb"]] += row["s_n"]
        if row["k_db"] is not None:
            resolved_by[row["k_db"]] += row["s_n"]
    points = []
    backlog = base
    for start in sql.bucket_starts(f.bucket, f.start, f.end):
        c, r = created_by.get(start, 0), resolved_by.get(start, 0)
        backlog += c - r
        points.append(VolumePoint(start, c, r, backlog))
    return points


# --- Scalar KPIs -----------------------------------------------------------------------------


def open_counts(facts: Facts, now: dt.datetime) -> dict[str, int]:
    """Tickets open now and their age buckets (1 query; on PostgreSQL an index-only scan of
    the covering partial index on open facts)."""
    open_now = Q(is_open=True)
    aggregates: dict[str, Any] = {"n_open_now": Count("*")}
    for label, low, high in AGE_BUCKETS:
        q = Q(created_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            q &= Q(created_at__gt=now - dt.timedelta(days=high))
        aggregates[f"n_age:{label}"] = Count("created_at", filter=q)
    found = facts.filter(open_now).aggregate(**aggregates)
    return {key[2:]: int(value or 0) for key, value in found.items()}


def ticket_counts(
    facts: Facts, f: ReportFilter, now: dt.datetime, *, rows: RangeRows | None = None
) -> dict[str, Any]:
    """Every count and sum the summary needs (2 queries): the range's, added up from
    ``range_rows`` (volume, outcomes, SLA, reopen, escalation, reassignments, time per tier),
    and the open tickets' (``open_counts``)."""
    rows = rows or range_rows(facts, f)
    counts: dict[str, Any] = {"resolved": 0, **{name: 0 for name in SUMS}}
    for tier in Tier.order():
        for part in ("periods", "tickets", "seconds"):
            counts[f"tier:{tier.value}:{part}"] = 0
    for row in rows.rows:
        if row["k_db"] is not None:
            counts["resolved"] += row["s_n"]
    for row in rows.cohort():
        for name in SUMS:
            counts[name] += row[f"s_{name}"]
        for tier in Tier.order():
            for part in ("periods", "tickets", "seconds"):
                counts[f"tier:{tier.value}:{part}"] += row[f"s_{tier.value}_{part}"]
    counts["created"] = counts.pop("n")
    counts["created_web"] = counts.pop("web")
    counts["cohort_done"] = counts.pop("done")
    for tier in Tier.order():
        counts[f"tier:{tier.value}:seconds"] = float(counts[f"tier:{tier.value}:seconds"])
    counts.update(open_counts(facts, now))
    return counts


def tier_time(counts: dict[str, Any]) -> list[dict[str, Any]]:
    """Time the cohort spent at each tier (finished periods), from ``ticket_counts``."""
    out = []
    for tier in Tier.order():
        tickets = counts[f"tier:{tier.value}:tickets"]
        if not tickets:
            continue
        total = counts[f"tier:{tier.value}:seconds"]
        out.append(
            {
                "tier": tier.value,
                "label": tier.label,
                "periods": counts[f"tier:{tier.value}:periods"],
                "tickets": tickets,
                "total_seconds": total,
                "mean_seconds_per_ticket": total / tickets,
            }
        )
    return out


def _ticket_ids(facts: Facts) -> Any:
    """``facts`` as a subquery of ticket ids, or None when it is every fact (no condition):
    then the survey tables are read by date alone."""
    return None if not facts.query.where else facts.values("pk")


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


def csat(facts: Facts, f: ReportFilter) -> dict[str, Any] | None:
    """CSAT of the filtered tickets (2 queries), or None when surveys are not installed.

    average and share satisfied (rating ≥ 4) over responses given in the range; response
    rate = requests sent in the range that got a response / requests sent in the range.
    """
    response_model = _model_ready("frontline.satisfaction.models", "SurveyResponse")
    request_model = _model_ready("frontline.satisfaction.models", "SurveyRequest")
    if response_model is None or request_model is None:
        return None
    ids = _ticket_ids(facts)
    given = response_model.objects.filter(in_range("created_at", f))
    sent = request_model.objects.filter(in_range("sent_at", f))
    if ids is not None:
        given, sent = given.filter(ticket_id__in=ids), sent.filter(ticket_id__in=ids)
    found = given.aggregate(
        responses=Count("pk"),
        average=Avg("rating"),
        satisfied=Count("pk", filter=Q(rating__gte=SATISFIED_MIN)),
    )
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
    rows = model.objects.filter(in_range("created_at", f))
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
    facts: Facts,
    f: ReportFilter,
    *,
    now: dt.datetime,
    deflection_orgs: frozenset[int] | None = None,
    with_deflection: bool = True,
    times: Durations | None = None,
    rows: RangeRows | None = None,
) -> dict[str, Any]:
    """Every scalar KPI of the range (5–8 queries, whatever the data size).

    ``with_deflection`` False leaves the deflection rate out (a person's or a team's page:
    deflections belong to no agent or team). ``times``, ``rows``: the page's durations and
    range rows if already read.
    """
    counts = ticket_counts(facts, f, now, rows=rows)
    times = times or durations(facts, f)
    created = counts["created"]
    ever_resolved = counts["cohort_done"] + counts["reopened_still_open"]
    return {
        "created": created,
        "resolved": counts["resolved"],
        "open": counts["open_now"],
        "first_response": Durations.overall(times.first_response).as_dict(),
        "resolution": Durations.overall(times.resolution).as_dict(),
        # ranges over 31 days on PostgreSQL: medians, p90 and means within 5 % (rollups)
        "durations_approximate": times.approximate,
        "first_contact_resolution_rate": sql.ratio(counts["first_contact"], counts["cohort_done"]),
        "reopen_rate": sql.ratio(counts["reopened"], ever_resolved),
        "escalation_rate": sql.ratio(counts["escalated"], created),
        "reassignments_per_ticket": sql.ratio(counts["reassignments"], created),
        "sla_response_compliance": sql.ratio(counts["response_met"], counts["response_decided"]),
        "sla_resolution_compliance": sql.ratio(
            counts["resolution_met"], counts["resolution_decided"]
        ),
        "backlog_age": {label: counts[f"age:{label}"] for label, _, _ in AGE_BUCKETS},
        "tier_time": tier_time(counts),
        "csat": csat(facts, f),
        "deflection": (
            deflections(f, deflection_orgs, counts["created_web"]) if with_deflection else None
        ),
        "counts": {
            "first_contact": counts["first_contact"],
            "cohort_resolved": counts["cohort_done"],
            "escalated": counts["escalated"],
            "reopened": counts["reopened"],
            "ever_resolved": ever_resolved,
            "reassignments": counts["reassignments"],
            "response_met": counts["response_met"],
            "response_decided": counts["response_decided"],
            "resolution_met": counts["resolution_met"],
            "resolution_decided": counts["resolution_decided"],
        },
    }


# --- Breakdowns ----------------------------------------------------------------------------


def _csat_by(facts: Facts, f: ReportFilter, group: Any) -> list[tuple[Any, Any, int]]:
    """(group, average rating, responses) of responses given in the range (1 query)."""
    response_model = _model_ready("frontline.satisfaction.models", "SurveyResponse")
    if response_model is None:
        return []
    rows = response_model.objects.filter(in_range("created_at", f))
    ids = _ticket_ids(facts)
    if ids is not None:
        rows = rows.filter(ticket_id__in=ids)
    return list(
        rows.annotate(_g=F(group) if isinstance(group, str) else group)
        .values_list("_g")
        .annotate(a=Avg("rating"), n=Count("pk"))
        .values_list("_g", "a", "n")
    )


def agents(
    facts: Facts, f: ReportFilter, *, times: Durations | None = None
) -> list[dict[str, Any]]:
    """Per assignee: open now (an index-only count on PostgreSQL), resolved in range and
    median resolution (the resolution set per agent), CSAT (3–4 queries).

    "Resolved in range" is the size of the agent's resolution set: a fact row has a
    ``resolution_seconds`` exactly when it has a ``resolved_at`` (``facts._clock_seconds``:
    the finished clock's seconds, else ``resolved_at − created_at``), so counting the set is
    counting the tickets resolved in the range (test_kpis checks both)."""
    from frontline.accounts.models import User

    assigned = facts.filter(assignee__isnull=False)
    rows: dict[int, dict[str, int]] = {}
    for agent_id, n in (
        assigned.filter(is_open=True).values_list("assignee_id").annotate(n=Count("*"))
    ):
        rows.setdefault(agent_id, {"open": 0, "resolved": 0})["open"] = n
    times = times or durations(facts, f, resolution_by=("agent",))
    medians = Durations.by(times.resolution, "agent")
    for agent_id, stats in medians.items():
        if agent_id is not None and stats.count:
            rows.setdefault(agent_id, {"open": 0, "resolved": 0})["resolved"] = stats.count
    ratings: dict[int, tuple[float | None, int]] = {}
    for agent_id, average, n in _csat_by(assigned, f, "ticket__assignee_id"):
        if agent_id is not None:
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


def status_priority(facts: Facts) -> dict[str, dict[str, int]]:
    """Open tickets now, by status then priority (1 query)."""
    out: dict[str, dict[str, int]] = {}
    for status, priority, n in (
        facts.filter(is_open=True)
        .values_list("status", "priority")
        .annotate(n=Count("*"))
        .values_list("status", "priority", "n")
    ):
        out.setdefault(status, {})[priority] = n
    return out


def trends(
    facts: Facts,
    f: ReportFilter,
    *,
    times: Durations | None = None,
    rows: RangeRows | None = None,
) -> list[dict[str, Any]]:
    """Per bucket: median first response and resolution, SLA compliance, CSAT (1–4 queries)."""
    times = times or durations(facts, f, response_by=("bucket",), resolution_by=("bucket",))
    frt_by = Durations.by(times.first_response, "bucket")
    res_by = Durations.by(times.resolution, "bucket")
    sla_by: dict[dt.date, list[int]] = {}
    for row in (rows or range_rows(facts, f)).cohort():
        sums = sla_by.setdefault(row["k_cb"], [0, 0, 0, 0])
        for i, name in enumerate(
            ("resolution_met", "resolution_decided", "response_met", "response_decided")
        ):
            sums[i] += row[f"s_{name}"]
    csat_by: dict[dt.date, tuple[float | None, int]] = {}
    for b, average, n in _csat_by(facts, f, sql.trunc(f.bucket, "created_at")):
        csat_by[sql.as_date(b)] = (float(average) if average is not None else None, n)
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


def teams(
    facts: Facts,
    f: ReportFilter,
    *,
    times: Durations | None = None,
    range_by_team: RangeRows | None = None,
) -> list[dict[str, Any]]:
    """Per team: created, resolved, open now, SLA compliance, median resolution (2–5 queries;
    ``range_by_team``: the page's ``range_rows(by_team=True)`` if already read)."""
    from frontline.accounts.models import Team

    open_by = dict(facts.filter(is_open=True).values_list("team_id").annotate(n=Count("*")))
    ranged = range_by_team or range_rows(facts, f, by_team=True)
    if not ranged.by_team:
        raise ValueError("teams() needs range rows read by team")
    found: dict[int | None, list[int]] = {team_id: [0, 0, 0, 0] for team_id in open_by}
    for row in ranged.rows:
        sums = found.setdefault(row["k_team"], [0, 0, 0, 0])
        if row["k_res"]:
            sums[1] += row["s_n"]
        if row["k_cb"] is not None:
            sums[0] += row["s_n"]
            sums[2] += row["s_resolution_met"]
            sums[3] += row["s_resolution_decided"]
    times = times or durations(facts, f, resolution_by=("team",))
    medians = Durations.by(times.resolution, "team")
    names = dict(Team.objects.values_list("pk", "name"))
    out: list[dict[str, Any]] = [
        {
            "team": team_id,
            "name": names.get(team_id, "Unrouted") if team_id else "Unrouted",
            "created": created,
            "resolved": resolved,
            "open": open_by.get(team_id, 0),
            "sla_resolution_compliance": sql.ratio(met, decided),
            "median_resolution": medians.get(team_id, sql.Stats()).median,
        }
        for team_id, (created, resolved, met, decided) in found.items()
        if created or resolved or open_by.get(team_id, 0)
    ]
    out.sort(key=lambda r: str(r["name"]))
    return out
