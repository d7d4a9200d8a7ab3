"""Day rollups of the report facts (PostgreSQL): counts and duration histograms per UTC day
and cell (team, organization, assignee), so that a report over months reads a few thousand
rollup rows instead of every fact row of the range.

- ``FactDay``: the range counts (``aggregates.range_rows``) by day of creation and day done;
- ``FactDayDuration``: per day of first response / resolution, how many durations fall in
  each bucket of ``THRESHOLDS`` and their total. A percentile is found in two passes: the
  histograms added up give every group's count and the bucket holding each wanted rank;
  then only the facts in those buckets are read and sorted (exact, ranges up to
  ``EXACT_MAX_DAYS``), or, over longer ranges, the value is placed inside its bucket
  (``approximate``: within 5 % of the exact value, see docs/reports.md).

**Which reports may use them.** A rollup row knows only the day, team, organization and
assignee. ``split`` takes the viewer's visibility condition (``tickets.policies
.ticket_filter``, an OR of parts) and the filter: the parts that test only those columns are
read from the rollups; the others (a person's own requests, watched tickets) from the facts,
for the tickets they add (``rest``: those parts AND NOT the rollups' parts, a few rows). A
filter on tier, channel, priority, type or category cannot use them (the facts answer).

**Kept current** by ``apply_changes``: ``facts.ticket_facts_refresh`` locks the tickets'
fact rows, reads them, rewrites them, and hands both versions here; each cell gets the
difference (``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``, so concurrent
changes add up). ``rebuild`` recomputes both tables from the facts (``frontline reports
rebuild``, the seed).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from frontline.accounts.models import Tier
from frontline.reports.filters import CHOICE_FIELDS, ID_FIELDS
from frontline.reports.models import FactDay, FactDayDuration, TicketFact
from frontline.sla.models import ClockState
from frontline.tickets.models import Channel

RATIO = 1.05
# bucket b (``width_bucket`` = ``bisect_right``): 0 below 0 s (clock skew), 1 for [0, 1 s),
# then [1.05^(k-1), 1.05^k) up to ~30 years; the same floats on both sides of the wire.
THRESHOLDS: tuple[float, ...] = (0.0, 1.0, *(RATIO**k for k in range(1, 426)))
EXACT_MAX_DAYS = 31
DECIDED = (ClockState.MET, ClockState.MISSED, ClockState.BREACHED)
CELL = ("team_id", "organization_id", "assignee_id")
ROLLUP_COLUMNS = frozenset({"team", "team_id", "organization", "organization_id", "assignee",
                            "assignee_id"})  # fmt: skip
# the fact columns a row's contributions are computed from
FACT_INPUTS = (
    "ticket_id", *CELL, "created_at", "done_at", "resolved_at", "first_response_at",
    "channel", "resolved_on_first_contact", "sla_response_state", "sla_resolution_state",
    "escalated", "reopened", "reassignments", "first_response_seconds", "resolution_seconds",
    *(f"{t.value}_{part}" for t in Tier.order() for part in ("periods", "seconds")),
)  # fmt: skip


def enabled() -> bool:
    """The rollup tables exist on this database (PostgreSQL ≥ 15)."""
    return FactDay._meta.can_migrate(connection)


def bucket_of(seconds: float) -> int:
    return bisect.bisect_right(THRESHOLDS, seconds)


def bucket_value(bucket: int, index: int, count: int) -> float:
    """The ``index``-th (0-based) of ``count`` values in ``bucket``, placed evenly in it."""
    if bucket <= 0:
        return 0.0
    low = THRESHOLDS[bucket - 1]
    high = THRESHOLDS[bucket] if bucket < len(THRESHOLDS) else low
    return low + (high - low) * (index + 0.5) / count


# --- Contributions of fact rows to the cells ----------------------------------------------

COUNT_COLUMNS: tuple[str, ...] = tuple(
    str(f.column) for f in FactDay._meta.concrete_fields if f.column not in {"id", "day", *CELL}
)


def _utc_day(value: dt.datetime) -> dt.date:
    return value.astimezone(dt.UTC).date()


def contributions(
    rows: Iterable[Mapping[str, Any]], sign: int = 1
) -> tuple[dict[tuple[Any, ...], list[float]], dict[tuple[Any, ...], list[float]]]:
    """What fact rows (``FACT_INPUTS``) add to the cells, times ``sign``: counts by
    (day, *CELL) as lists in ``COUNT_COLUMNS`` order, durations by
    (metric, day, *CELL, bucket) as [n, total]. The same rules as ``REBUILD_*`` below."""
    index = {name: i for i, name in enumerate(COUNT_COLUMNS)}
    counts: dict[tuple[Any, ...], list[float]] = {}
    durations: dict[tuple[Any, ...], list[float]] = {}

    def add(key: tuple[Any, ...], values: Mapping[str, float]) -> None:
        cell = counts.setdefault(key, [0] * len(COUNT_COLUMNS))
        for name, value in values.items():
            cell[index[name]] += sign * value

    for row in rows:
        cell = tuple(row[c] for c in CELL)
        done = row["done_at"] is not None
        cohort: dict[str, float] = {
            "created": 1,
            "web": row["channel"] == Channel.WEB,
            "cohort_done": done,
            "first_contact": bool(row["resolved_on_first_contact"]),
            "response_met": row["sla_response_state"] == ClockState.MET,
            "response_decided": row["sla_response_state"] in DECIDED,
            "resolution_met": row["sla_resolution_state"] == ClockState.MET,
            "resolution_decided": row["sla_resolution_state"] in DECIDED,
            "escalated": bool(row["escalated"]),
            "reopened": bool(row["reopened"]),
            "reopened_still_open": bool(row["reopened"]) and not done,
            "reassignments": row["reassignments"],
        }
        for tier in Tier.order():
            periods = row[f"{tier.value}_periods"]
            cohort[f"{tier.value}_periods"] = periods
            cohort[f"{tier.value}_tickets"] = periods > 0
            cohort[f"{tier.value}_seconds"] = row[f"{tier.value}_seconds"]
        add((_utc_day(row["created_at"]), *cell), cohort)
        if done:
            add(
                (_utc_day(row["done_at"]), *cell),
                {"done": 1, "resolved": row["resolved_at"] is not None},
            )
        for metric, stamp, value in (
            ("f", "first_response_at", "first_response_seconds"),
            ("r", "resolved_at", "resolution_seconds"),
        ):
            seconds = row[value]
            if row[stamp] is None or seconds is None:
                continue
            key = (metric, _utc_day(row[stamp]), *cell, bucket_of(seconds))
            found = durations.setdefault(key, [0, 0.0])
            found[0] += sign
            found[1] += sign * seconds
    return counts, durations


def _merge(
    into: dict[tuple[Any, ...], list[float]], more: dict[tuple[Any, ...], list[float]]
) -> None:
    for key, values in more.items():
        found = into.setdefault(key, [0] * len(values))
        for i, value in enumerate(values):
            found[i] += value


def _upsert_sums(
    table: str, keys: Sequence[str], sums: Sequence[str], rows: list[list[Any]]
) -> None:
    if not rows:
        return
    q = connection.ops.quote_name
    columns = [*keys, *sums]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{q(c)} = {q(table)}.{q(c)} + excluded.{q(c)}" for c in sums)
    statement = (
        f"INSERT INTO {q(table)} ({', '.join(q(c) for c in columns)}) VALUES "  # noqa: S608 (quoted names, placeholders only)
        f"{', '.join([placeholders] * len(rows))} "
        f"ON CONFLICT ({', '.join(q(k) for k in keys)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [value for row in rows for value in row])


def apply_changes(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> None:
    """Add to the cells the difference between fact rows before (``old``) and after
    (``new``) a change (at most 2 queries). The caller holds the rows' locks."""
    counts, durations = contributions(old, -1)
    more_counts, more_durations = contributions(new, 1)
    _merge(counts, more_counts)
    _merge(durations, more_durations)
    _upsert_sums(
        FactDay._meta.db_table,
        ["day", *CELL],
        COUNT_COLUMNS,
        [[*key, *values] for key, values in counts.items() if any(values)],
    )
    _upsert_sums(
        FactDayDuration._meta.db_table,
        ["metric", "day", *CELL, "bucket"],
        ["n", "total"],
        [[*key, *values] for key, values in durations.items() if values[0]],
    )


# --- Rebuild -----------------------------------------------------------------------------

_DAY = "(({c}) AT TIME ZONE 'UTC')::date"
_DECIDED_SQL = ", ".join(f"'{s.value}'" for s in DECIDED)
_COHORT_SQL = {
    "created": "1",
    "web": f"(channel = '{Channel.WEB.value}')::int",
    "cohort_done": "(done_at IS NOT NULL)::int",
    "first_contact": "resolved_on_first_contact::int",
    "response_met": f"(sla_response_state = '{ClockState.MET.value}')::int",
    "response_decided": f"(sla_response_state IN ({_DECIDED_SQL}))::int",
    "resolution_met": f"(sla_resolution_state = '{ClockState.MET.value}')::int",
    "resolution_decided": f"(sla_resolution_state IN ({_DECIDED_SQL}))::int",
    "escalated": "escalated::int",
    "reopened": "reopened::int",
    "reopened_still_open": "(reopened AND done_at IS NULL)::int",
    "reassignments": "reassignments",
    **{
        f"{t.value}_{part}": expr.format(t=t.value)
        for t in Tier.order()
        for part, expr in (
            ("periods", "{t}_periods"),
            ("tickets", "({t}_periods > 0)::int"),
            ("seconds", "{t}_seconds"),
        )
    },
}


def rebuild() -> None:
    """Recompute both rollup tables from the facts (2 statements after emptying them). The
    tables are locked against the event subscribers' changes meanwhile: a change waiting
    for the lock is added after, on top of the rebuilt rows."""
    if not enabled():
        return
    q = connection.ops.quote_name
    counts, hist = q(FactDay._meta.db_table), q(FactDayDuration._meta.db_table)
    facts = q(TicketFact._meta.db_table)
    cell = ", ".join(CELL)
    cohort = ", ".join(f"{_COHORT_SQL[c]} AS {q(c)}" for c in COUNT_COLUMNS if c in _COHORT_SQL)
    zeros_cohort = ", ".join(f"0 AS {q(c)}" for c in COUNT_COLUMNS if c in _COHORT_SQL)
    sums = ", ".join(f"SUM({q(c)})" for c in COUNT_COLUMNS)
    names = ", ".join(q(c) for c in COUNT_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {counts}, {hist} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {counts}")  # noqa: S608
        cursor.execute(f"DELETE FROM {hist}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {counts} (day, {cell}, {names}) "  # noqa: S608 (constant SQL)
            f"SELECT day, {cell}, {sums} FROM ("
            f"SELECT {_DAY.format(c='created_at')} AS day, {cell}, {cohort}, 0 AS done, "
            f"0 AS resolved FROM {facts} "
            f"UNION ALL SELECT {_DAY.format(c='done_at')}, {cell}, {zeros_cohort}, 1, "
            f"(resolved_at IS NOT NULL)::int FROM {facts} WHERE done_at IS NOT NULL"
            f") AS cells GROUP BY day, {cell} ORDER BY day"  # a range's rows together
        )
        cursor.execute(
            f"INSERT INTO {hist} (metric, day, {cell}, bucket, n, total) "  # noqa: S608 (constant SQL)
            f"SELECT metric, day, {cell}, bucket, COUNT(*), SUM(d) FROM ("
            f"SELECT 'f' AS metric, {_DAY.format(c='first_response_at')} AS day, {cell}, "
            f"width_bucket(first_response_seconds, %s::float8[]) AS bucket, "
            f"first_response_seconds AS d FROM {facts} "
            f"WHERE first_response_at IS NOT NULL AND first_response_seconds IS NOT NULL "
            f"UNION ALL SELECT 'r', {_DAY.format(c='resolved_at')}, {cell}, "
            f"width_bucket(resolution_seconds, %s::float8[]), resolution_seconds FROM {facts} "
            f"WHERE resolved_at IS NOT NULL AND resolution_seconds IS NOT NULL"
            f") AS cells GROUP BY metric, day, {cell}, bucket ORDER BY metric, day",
            [list(THRESHOLDS), list(THRESHOLDS)],
        )


# --- Which part of a viewer's tickets the rollups answer -------------------------------------


def _rollup_only(node: Any) -> bool:
    """A Q child that tests only team, organization and assignee with plain values."""
    if isinstance(node, Q):
        return all(_rollup_only(child) for child in node.children)
    lookup, value = node
    if lookup.split("__", 1)[0] not in ROLLUP_COLUMNS:
        return False
    plain = (int, str, type(None), bool)
    if isinstance(value, list | tuple | set | frozenset):
        return all(isinstance(v, plain) for v in value)
    return isinstance(value, plain)


@dataclass(frozen=True)
class Split:
    """``rollup``: the condition (on team/organization/assignee) of the tickets the rollups
    count; ``rest``: the condition of the other visible tickets, read from the facts (None:
    there are none)."""

    rollup: Q
    rest: Q | None


FILTER_DIMENSIONS_IN_ROLLUPS = frozenset({"team", "organization", "assignee"})
_FILTER_DIMENSIONS_NOT_IN_ROLLUPS = tuple(
    name for name in (*ID_FIELDS, *CHOICE_FIELDS) if name not in FILTER_DIMENSIONS_IN_ROLLUPS
)


def split(visible: Q | None, f: Any) -> Split | None:
    """How the tickets a viewer may see (``visible``: ``ticket_filter``, None for every
    ticket) that match the filter ``f`` divide between the rollups and the facts, or None
    when the rollups cannot count them (not PostgreSQL, or a filter on a dimension the
    rollups do not keep)."""
    if not enabled():
        return None
    if any(getattr(f, name) is not None for name in _FILTER_DIMENSIONS_NOT_IN_ROLLUPS):
        return None
    narrowed = f.ticket_q()
    if visible is None:
        return Split(rollup=narrowed, rest=None)
    parts = (
        list(visible.children) if visible.connector == Q.OR and not visible.negated else [visible]
    )
    inside = [p for p in parts if _rollup_only(p)]
    outside = [p for p in parts if not _rollup_only(p)]
    rollup_q = _any(inside)
    if not outside:
        return Split(rollup=rollup_q & narrowed, rest=None)
    rest = _any([_listed(p) for p in outside])
    if inside:
        rest &= ~rollup_q
    return Split(rollup=rollup_q & narrowed, rest=rest)


def _listed(part: Any) -> Any:
    """``part`` with a subquery of ids (the watched tickets) read into a list (1 query): the
    facts outside the rollups are then found through indexes (requester, primary key)."""
    if isinstance(part, Q):
        out = Q(*(_listed(child) for child in part.children), _connector=part.connector)
        out.negated = part.negated
        return out
    lookup, value = part
    if isinstance(value, QuerySet) and len(value.query.values_select) == 1:
        return (lookup, list(value.values_list(*value.query.values_select, flat=True)))
    return part


def _any(parts: list[Any]) -> Q:
    if not parts:
        return Q(pk__in=[])
    out = Q()
    for part in parts:
        out |= part if isinstance(part, Q) else Q(part)
    return out


# --- Reading ----------------------------------------------------------------------------------


def percentile_ranks(count: int, fraction: float) -> tuple[int, int, float]:
    """The 0-based ranks either side of ``fraction·(count−1)`` and the weight of the upper."""
    position = fraction * (count - 1)
    low = math.floor(position)
    return low, math.ceil(position), position - low


@dataclass
class Histogram:
    """One group's durations: count, total and per-bucket counts."""

    n: int = 0
    total: float = 0.0
    buckets: dict[int, int] | None = None

    def add(self, bucket: int, n: int, total: float) -> None:
        if self.buckets is None:
            self.buckets = {}
        self.n += n
        self.total += total
        self.buckets[bucket] = self.buckets.get(bucket, 0) + n

    def locate(self, rank: int) -> tuple[int, int, int]:
        """(bucket, index in the bucket, values in the bucket) of the 0-based ``rank``."""
        seen = 0
        for bucket in sorted(self.buckets or {}):
            n = (self.buckets or {})[bucket]
            if n <= 0:
                continue
            if rank < seen + n:
                return bucket, rank - seen, n
            seen += n
        raise ValueError("rank outside the histogram")
