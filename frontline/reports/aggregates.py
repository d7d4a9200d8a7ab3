"""The few SQL passes a report page makes over the facts (``TicketFact``).

A page reads: the *range rows* (every count of the tickets created or done in the range,
grouped finely enough that the summary, the volume series, the SLA trends and the per-team
and per-agent numbers are all sums of them: ``range_rows``), the *duration sets* (first
response and resolution times, overall and per bucket/team/agent: ``durations``), and a few
index-only counts of the open tickets (``kpis.open_counts``). ``kpis`` adds them up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from frontline.accounts.models import Tier
from frontline.reports import sql
from frontline.reports.filters import ReportFilter
from frontline.reports.models import TicketFact
from frontline.sla.models import ClockState
from frontline.tickets.models import Channel

Facts = QuerySet[TicketFact]
DECIDED = (ClockState.MET, ClockState.MISSED, ClockState.BREACHED)
NOT_DONE = Q(done_at__isnull=True)


def done_in(since: dt.datetime | None = None, until: dt.datetime | None = None) -> Q:
    """*Done at* (``resolved_at``, else ``closed_at``) in ``[since, until)``."""
    q = ~NOT_DONE
    if since is not None:
        q &= Q(done_at__gte=since)
    if until is not None:
        q &= Q(done_at__lt=until)
    return q


def in_range(name: str, f: ReportFilter) -> Q:
    return Q(**{f"{name}__gte": f.since, f"{name}__lt": f.until})


# --- Durations -------------------------------------------------------------------------------


@dataclass
class Durations:
    """The first response and resolution duration sets of a page: overall and per group
    (``"bucket"``, ``"team"``, ``"agent"``), each set read in one query."""

    first_response: dict[str, dict[Any, sql.Stats]] = field(default_factory=dict)
    resolution: dict[str, dict[Any, sql.Stats]] = field(default_factory=dict)

    @staticmethod
    def overall(sets: dict[str, dict[Any, sql.Stats]]) -> sql.Stats:
        return sets.get("", {}).get(None, sql.Stats())

    @staticmethod
    def by(sets: dict[str, dict[Any, sql.Stats]], name: str) -> dict[Any, sql.Stats]:
        found = sets.get(name)
        if found is None:
            raise KeyError(f"durations were read without the {name!r} grouping")
        if name == "bucket":
            return {sql.as_date(k): v for k, v in found.items() if k is not None}
        return found


def durations(
    facts: Facts,
    f: ReportFilter,
    *,
    response_by: tuple[str, ...] = (),
    resolution_by: tuple[str, ...] = (),
) -> Durations:
    """First response times of tickets first answered in the range and resolution times of
    tickets resolved in the range, overall and per the named groupings (2 queries)."""

    def groups(names: tuple[str, ...], stamp: str) -> dict[str, Any]:
        options = {
            "bucket": sql.trunc(f.bucket, stamp),
            "team": F("team_id"),
            "agent": F("assignee_id"),
        }
        return {name: options[name] for name in names}

    return Durations(
        first_response=sql.duration_sets(
            facts.filter(in_range("first_response_at", f)),
            "first_response_seconds",
            groups(response_by, "first_response_at"),
        ),
        resolution=sql.duration_sets(
            facts.filter(in_range("resolved_at", f)),
            "resolution_seconds",
            groups(resolution_by, "resolved_at"),
        ),
    )


# --- Range rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RangeRows:
    """The tickets created or done in the range, counted in one query per combination of
    (bucket of creation if created in the range, bucket of *done at* if done in the range,
    resolved in the range, and — when asked — team), with every sum the pages need. The
    summary, volume, trends and per-team numbers are all added up from these few hundred or
    thousand rows in Python, instead of one scan of the range each. (Not per assignee: a desk
    has many more agents than teams, and the per-agent numbers are two index-only counts.)"""

    rows: tuple[dict[str, Any], ...]
    by_team: bool = False

    def cohort(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["k_cb"] is not None]


SUMS = (
    "n", "web", "done", "first_contact", "response_met", "response_decided", "resolution_met",
    "resolution_decided", "escalated", "reopened", "reopened_still_open", "reassignments",
)  # fmt: skip


def range_rows(facts: Facts, f: ReportFilter, *, by_team: bool = False) -> RangeRows:
    """Read the page's ``RangeRows`` (1 query)."""
    cohort = in_range("created_at", f)
    done = done_in(f.since, f.until)
    keys: dict[str, Any] = {
        "k_cb": Case(
            When(cohort, then=sql.trunc(f.bucket, "created_at")),
            default=Value(None),
            output_field=DateTimeField(),
        ),
        "k_db": Case(
            When(done, then=sql.trunc(f.bucket, "done_at")),
            default=Value(None),
            output_field=DateTimeField(),
        ),
        "k_res": Case(
            When(in_range("resolved_at", f), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    }
    if by_team:
        keys["k_team"] = F("team_id")
    sums: dict[str, Any] = {
        "s_n": Count("pk"),
        "s_web": Count("pk", filter=Q(channel=Channel.WEB)),
        "s_done": Count("pk", filter=~NOT_DONE),
        "s_first_contact": Count("pk", filter=Q(resolved_on_first_contact=True)),
        "s_response_met": Count("pk", filter=Q(sla_response_state=ClockState.MET)),
        "s_response_decided": Count("pk", filter=Q(sla_response_state__in=DECIDED)),
        "s_resolution_met": Count("pk", filter=Q(sla_resolution_state=ClockState.MET)),
        "s_resolution_decided": Count("pk", filter=Q(sla_resolution_state__in=DECIDED)),
        "s_escalated": Count("pk", filter=Q(escalated=True)),
        "s_reopened": Count("pk", filter=Q(reopened=True)),
        "s_reopened_still_open": Count("pk", filter=Q(reopened=True) & NOT_DONE),
        "s_reassignments": Sum("reassignments"),
    }
    for tier in Tier.order():
        sums[f"s_{tier.value}_periods"] = Sum(f"{tier.value}_periods")
        sums[f"s_{tier.value}_tickets"] = Count("pk", filter=Q(**{f"{tier.value}_periods__gt": 0}))
        sums[f"s_{tier.value}_seconds"] = Sum(f"{tier.value}_seconds")
    found = facts.filter(cohort | done).annotate(**keys).values(*keys).annotate(**sums)
    rows = []
    for row in found:
        row["k_cb"] = sql.as_date(row["k_cb"]) if row["k_cb"] is not None else None
        row["k_db"] = sql.as_date(row["k_db"]) if row["k_db"] is not None else None
        rows.append({k: (v or 0) if k.startswith("s_") else v for k, v in row.items()})
    return RangeRows(tuple(rows), by_team=by_team)
