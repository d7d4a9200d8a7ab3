"""The few SQL passes a report page makes over the facts (``TicketFact``).

A page reads: the *range rows* (every count of the tickets created or done in the range,
grouped finely enough that the summary, the volume series, the SLA trends and the per-team
and per-agent numbers are all sums of them: ``range_rows``), the *duration sets* (first
response and resolution times, overall and per bucket/team/agent: ``durations``), and a few
index-only counts of the open tickets (``kpis.open_counts``). ``kpis`` adds them up.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DateTimeField,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from frontline.accounts.models import Tier
from frontline.reports import rollups, sql
from frontline.reports.filters import ReportFilter
from frontline.reports.models import FactDay, FactDayDuration, TicketFact
from frontline.sla.models import ClockState
from frontline.tickets.models import Channel

Facts = QuerySet[TicketFact]
DECIDED = rollups.DECIDED
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
    # placed inside their 5 % buckets (ranges over 31 days read from the rollups)
    approximate: bool = False

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
    return Durations(
        first_response=sql.duration_sets(
            facts.filter(in_range("first_response_at", f)),
            "first_response_seconds",
            _fact_groups(response_by, f, "first_response_at"),
        ),
        resolution=sql.duration_sets(
            facts.filter(in_range("resolved_at", f)),
            "resolution_seconds",
            _fact_groups(resolution_by, f, "resolved_at"),
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
    # tickets open at the range's start, when the rows were read from the day rollups
    # (their rows do not pair the day of creation with the day done)
    backlog_start: int | None = None

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


# --- The day rollups (PostgreSQL) ------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """What a page reads its range counts and duration sets from: ``facts`` (every visible
    fact row matching the filter) and, when the day rollups can count them, ``rollup`` (the
    condition on the rollups' cells) plus ``rest`` (the visible facts outside those cells,
    read from the facts; None when there are none). ``rollups.split`` decides."""

    facts: Facts
    rollup: Q | None = None
    rest: Facts | None = None


def source(facts: Facts, visible: Q | None, f: ReportFilter) -> Source:
    """The page's ``Source``: ``facts`` as ``selectors.report_facts`` scoped them, with the
    viewer's visibility condition ``visible`` (None: every ticket) and the filter."""
    found = rollups.split(visible, f)
    if found is None:
        return Source(facts)
    rest = None
    if found.rest is not None:
        rest = TicketFact.objects.filter(found.rest).filter(f.ticket_q())
    return Source(facts, found.rollup, rest)


_COHORT_SUMS = {
    "n": "created", "web": "web", "done": "cohort_done", "first_contact": "first_contact",
    "response_met": "response_met", "response_decided": "response_decided",
    "resolution_met": "resolution_met", "resolution_decided": "resolution_decided",
    "escalated": "escalated", "reopened": "reopened",
    "reopened_still_open": "reopened_still_open", "reassignments": "reassignments",
    **{f"{t.value}_{part}": f"{t.value}_{part}" for t in Tier.order()
       for part in ("periods", "tickets", "seconds")},
}  # fmt: skip


def range_rows_of(src: Source, f: ReportFilter, *, by_team: bool = False) -> RangeRows:
    """``range_rows`` from the day rollups when ``src`` allows it (1 query, and 2 over the
    facts for ``src.rest``), else from the facts. The rollup rows carry the cohort's sums by
    day of creation and the done/resolved counts by day done, unpaired: the backlog at the
    range's start comes with them (created before it − done before it; a ticket is never
    done before it is created)."""
    if src.rollup is None:
        return range_rows(src.facts, f, by_team=by_team)
    start_or_none = Case(
        When(day__lt=f.start, then=Value(None)), default=F("day"), output_field=DateField()
    )
    keys = ["k", "team_id"] if by_team else ["k"]
    found = (
        FactDay.objects.filter(src.rollup, day__lte=f.end)
        .annotate(k=start_or_none)
        .values(*keys)
        .annotate(**{f"s_{c}": Sum(c) for c in rollups.COUNT_COLUMNS})
        .order_by()
    )
    rows: list[dict[str, Any]] = []
    backlog = 0
    zeros = {f"s_{name}": 0 for name in _COHORT_SUMS}
    for row in found:
        sums = {k: (v or 0) for k, v in row.items() if k.startswith("s_")}
        if row["k"] is None:
            backlog += sums["s_created"] - sums["s_done"]
            continue
        start = sql.bucket_start(f.bucket, row["k"])
        team = {"k_team": row["team_id"]} if by_team else {}
        cohort = {f"s_{name}": sums[f"s_{column}"] for name, column in _COHORT_SUMS.items()}
        rows.append({"k_cb": start, "k_db": None, "k_res": False, **team, **cohort})
        for resolved, n in (
            (True, sums["s_resolved"]),
            (False, sums["s_done"] - sums["s_resolved"]),
        ):
            if n:
                rows.append(
                    {"k_cb": None, "k_db": start, "k_res": resolved, **team, **zeros, "s_n": n}
                )
    if src.rest is not None:
        rows.extend(range_rows(src.rest, f, by_team=by_team).rows)
        since = f.since
        counted = src.rest.aggregate(
            created=Count("pk", filter=Q(created_at__lt=since)),
            done=Count("pk", filter=Q(done_at__lt=since)),
        )
        backlog += counted["created"] - counted["done"]
    return RangeRows(tuple(rows), by_team=by_team, backlog_start=backlog)


def durations_of(
    src: Source,
    f: ReportFilter,
    *,
    response_by: tuple[str, ...] = (),
    resolution_by: tuple[str, ...] = (),
) -> Durations:
    """``durations`` through the day rollups' histograms when ``src`` allows it: exact (the
    histograms locate each percentile's bucket, then only the facts in those buckets are
    read: 2 queries per set, +1 for ``src.rest``) up to ``rollups.EXACT_MAX_DAYS`` days;
    over longer ranges approximate (within 5 %, from the histograms alone: 1 query per set,
    +1). Per group, the p90 is left out (the pages show groups' medians)."""
    if src.rollup is None:
        return durations(src.facts, f, response_by=response_by, resolution_by=resolution_by)
    exact = (f.end - f.start).days + 1 <= rollups.EXACT_MAX_DAYS
    return Durations(
        first_response=_duration_sets(
            src, f, "f", "first_response_at", "first_response_seconds", response_by, exact
        ),
        resolution=_duration_sets(
            src, f, "r", "resolved_at", "resolution_seconds", resolution_by, exact
        ),
        approximate=not exact,
    )


_GROUP_COLUMNS = {"team": "team_id", "agent": "assignee_id"}
_EPOCH = dt.date(2000, 1, 1)


def _code(name: str, key: Any, bucket: int) -> int:
    """A (group key, bucket) pair as one bigint, as ``_pass_two``'s SQL computes it."""
    number = (key - _EPOCH).days if name == "bucket" else -1 if key is None else int(key)
    return number * 1000 + bucket


def _histograms(
    src: Source, f: ReportFilter, metric: str, stamp: str, value: str, names: tuple[str, ...]
) -> dict[tuple[str, Any], rollups.Histogram]:
    """Pass one: per group ("" overall, then each of ``names``), the histogram of the set
    (1 query). Two grouping sets only — by day, and by the people columns asked for (team,
    agent) — each hashed once; the overall, per-bucket, per-team and per-agent histograms
    are their sums, added up here."""
    q = connection.ops.quote_name
    people = [name for name in names if name in _GROUP_COLUMNS]
    aliases = {name: f"_p_{name}" for name in people}
    cells = (
        FactDayDuration.objects.filter(src.rollup, metric=metric, day__gte=f.start, day__lte=f.end)
        .annotate(
            _day=F("day"),
            _b=F("bucket"),
            _n=F("n"),
            _t=F("total"),
            **{aliases[name]: F(_GROUP_COLUMNS[name]) for name in people},
        )
        .values("_day", "_b", "_n", "_t", *aliases.values())
    )
    columns = [q("_day"), q("_b"), q("_n"), q("_t"), *(q(a) for a in aliases.values())]
    inner, inner_params = cells.query.sql_with_params()
    inner = f"SELECT {', '.join(columns)} FROM ({inner}) AS r"  # noqa: S608 (Django-compiled SQL, quoted names)
    params = list(inner_params)
    if src.rest is not None:  # the other visible tickets' durations, bucketed the same way
        rest = (
            src.rest.filter(in_range(stamp, f), **{f"{value}__isnull": False})
            .annotate(
                _d=F(value),
                _day=sql.trunc("day", stamp),
                **{aliases[name]: F(_GROUP_COLUMNS[name]) for name in people},
            )
            .order_by()
            .values("_d", "_day", *aliases.values())
        )
        rest_sql, rest_params = rest.query.sql_with_params()
        inner += (
            f" UNION ALL SELECT {q('_day')}::date, width_bucket({q('_d')}, %s::float8[]), 1, "  # noqa: S608 (as above)
            f"{q('_d')}{''.join(f', {q(a)}' for a in aliases.values())} FROM ({rest_sql}) AS d"
        )
        params += [list(rollups.THRESHOLDS), *rest_params]
    by_people = [q(a) for a in aliases.values()]
    sets = [f"({q('_day')}, {q('_b')})"]
    if by_people:
        sets.append(f"({', '.join(by_people)}, {q('_b')})")
    statement = (
        f"SELECT GROUPING({q('_day')}), {q('_day')}, "  # noqa: S608 (as above)
        f"{''.join(f'{k}, ' for k in by_people)}{q('_b')}, SUM({q('_n')}), SUM({q('_t')}) "
        f"FROM ({inner}) AS cells GROUP BY GROUPING SETS ({', '.join(sets)})"
    )
    out: dict[tuple[str, Any], rollups.Histogram] = {}
    starts: dict[Any, tuple[str, Any]] = {}  # day -> its series bucket's group
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        found = cursor.fetchall()
    for not_by_day, day, *keys, bucket, n, total in found:
        if not not_by_day:
            groups: list[tuple[str, Any]] = [("", None)]
            if "bucket" in names:
                if day not in starts:
                    starts[day] = ("bucket", sql.bucket_start(f.bucket, sql.as_date(day)))
                groups.append(starts[day])
        else:
            groups = list(zip(people, keys, strict=True))
        for group in groups:
            histogram = out.get(group)
            if histogram is None:
                histogram = out[group] = rollups.Histogram()
            histogram.add(bucket, int(n), float(total))
    return out


def _duration_sets(
    src: Source,
    f: ReportFilter,
    metric: str,
    stamp: str,
    value: str,
    names: tuple[str, ...],
    exact: bool,
) -> dict[str, dict[Any, sql.Stats]]:
    histograms = _histograms(src, f, metric, stamp, value, names)
    # the ranks each group needs: median (and p90 overall), both sides of the position
    wanted: dict[tuple[str, Any], list[tuple[float, int, int, float]]] = {}
    for group, histogram in histograms.items():
        if histogram.n <= 0:
            continue
        fractions = (0.5, 0.9) if group[0] == "" else (0.5,)
        wanted[group] = [(p, *rollups.percentile_ranks(histogram.n, p)) for p in fractions]
    values: dict[tuple[str, Any, int], list[float]] | None = {}
    if exact:
        values = _pass_two(src, f, stamp, value, names, histograms, wanted)
        if values is None:  # the rollups disagree with the facts: read the facts alone
            return sql.duration_sets(
                src.facts.filter(in_range(stamp, f)), value, _fact_groups(names, f, stamp)
            )

    def at(group: tuple[str, Any], rank: int) -> float:
        bucket, index, count = histograms[group].locate(rank)
        if values:
            return values[(group[0], group[1], bucket)][index]
        return rollups.bucket_value(bucket, index, count)

    out: dict[str, dict[Any, sql.Stats]] = {"": {}, **{name: {} for name in names}}
    for group, ranks in wanted.items():
        histogram = histograms[group]
        found: dict[float, float] = {}
        for p, low, high, weight in ranks:
            below = at(group, low)
            found[p] = below + (at(group, high) - below) * weight if high != low else below
        out[group[0]][group[1]] = sql.Stats(
            count=histogram.n,
            mean=histogram.total / histogram.n,
            median=found[0.5],
            p90=found.get(0.9),
        )
    return out


def _fact_groups(names: tuple[str, ...], f: ReportFilter, stamp: str) -> dict[str, Any]:
    """The fact expressions of the named groupings of a duration set stamped ``stamp``."""
    options = {
        "bucket": sql.trunc(f.bucket, stamp),
        "team": F("team_id"),
        "agent": F("assignee_id"),
    }
    return {name: options[name] for name in names}


def _pass_two(
    src: Source,
    f: ReportFilter,
    stamp: str,
    value: str,
    names: tuple[str, ...],
    histograms: dict[tuple[str, Any], rollups.Histogram],
    wanted: dict[tuple[str, Any], list[tuple[float, int, int, float]]],
) -> dict[tuple[str, Any, int], list[float]] | None:
    """Pass two: the sorted values of the facts in each (group, bucket) holding a wanted
    rank (1 query); None when a bucket's values are not as many as its histogram says."""
    needed: set[tuple[str, Any, int]] = set()
    for group, ranks in wanted.items():
        for _p, low, high, _w in ranks:
            for rank in (low, high):
                needed.add((group[0], group[1], histograms[group].locate(rank)[0]))
    # every slot as (set index, code): set 0 is the whole set (code = bucket), set i + 1 the
    # i-th of ``names`` (code = group key and bucket as one bigint, ``_code``), so that each
    # row read is routed by integer look-ups alone
    slot_of: dict[tuple[int, int], tuple[str, Any, int]] = {}
    for slot in needed:
        name, key, bucket = slot
        if name == "":
            slot_of[(0, bucket)] = slot
        else:
            slot_of[(names.index(name) + 1, _code(name, key, bucket))] = slot
    q = connection.ops.quote_name
    groups = _fact_groups(names, f, stamp)
    aliases = {name: f"_g{i}" for i, name in enumerate(groups)}
    rows = (
        src.facts.filter(in_range(stamp, f), **{f"{value}__isnull": False})
        .annotate(_d=F(value), **{aliases[n]: e for n, e in groups.items()})
        .order_by()
        .values("_d", *aliases.values())
    )
    inner, params = rows.query.sql_with_params()
    codes = [q("_b")]
    for name in names:
        column = q(aliases[name])
        number = (
            f"({column}::date - DATE '{_EPOCH.isoformat()}')"
            if name == "bucket"
            else f"COALESCE({column}, -1)"
        )
        codes.append(f"({number}::bigint * 1000 + {q('_b')})")
    conditions = [f"{code} = ANY(%s::bigint[])" for code in codes]
    condition_params: list[Any] = [
        sorted(code for (index, code) in slot_of if index == i) for i in range(len(codes))
    ]
    statement = (
        f"SELECT {q('_d')}, {', '.join(codes)} FROM ("  # noqa: S608 (Django-compiled SQL, quoted names, placeholders only)
        f"SELECT *, width_bucket({q('_d')}, %s::float8[]) AS {q('_b')} FROM ({inner}) AS d"
        f") AS s WHERE {' OR '.join(conditions)}"
    )
    found: dict[tuple[str, Any, int], list[float]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(statement, [list(rollups.THRESHOLDS), *params, *condition_params])
        for d, *row_codes in cursor.fetchall():
            for index, code in enumerate(row_codes):
                hit = slot_of.get((index, code))
                if hit is not None:
                    found[hit].append(d)
    for slot in needed:
        group = (slot[0], slot[1])
        expected = (histograms[group].buckets or {}).get(slot[2], 0)
        if len(found.get(slot, [])) != expected:
            return None
        found[slot].sort()
    return found
