"""Portable SQL pieces for the KPIs: durations in seconds, percentiles, time buckets.

Durations are whole seconds on SQLite (``julianday`` difference rounded to the second) and
seconds with fractions on PostgreSQL (``EXTRACT(EPOCH ...)``). Percentiles use the
``percentile_cont`` definition everywhere: the value at position ``p·(n−1)`` of the sorted
values, interpolated linearly between its neighbours. PostgreSQL computes them in SQL
(``percentile_cont(p) WITHIN GROUP (ORDER BY ...)``); SQLite has no percentile aggregate, so
there the sorted durations of the (date-bounded) set are read in one query and interpolated
in Python with the same formula.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, FloatField, Func, QuerySet
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek


class Seconds(Func):
    """``end - start`` in seconds (NULL when either is NULL)."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND((julianday(%(expressions)s)) * 86400.0) AS REAL)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::double precision",
            arg_joiner=" - ",
            **extra,
        )


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


# A report reads tens of thousands of narrow rows in a handful of queries. Measured on the
# 1M-ticket benchmark: JIT compilation (which the planner switches on for such costs) took
# ~130 ms of a 430 ms query; 4 MB of work_mem made the grouping sort spill to disk; and with
# the default random_page_cost the planner read the whole fact table in parallel instead of
# the range's pages through the date indexes (the facts are written in ticket order, so a
# range's rows sit together).
REPORT_SETTINGS = {"jit": "off", "work_mem": "32MB", "random_page_cost": "1.1"}


def report_settings[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` (a report selector) in a transaction with ``REPORT_SETTINGS`` set for it
    alone on PostgreSQL (``set_config(..., is_local => true)``: 1 query); nothing on SQLite.
    The transaction also gives every query of the page the same snapshot."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if not on_postgresql():
            return func(*args, **kwargs)
        with transaction.atomic():
            names = list(REPORT_SETTINGS)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in names),
                    [value for name in names for value in (name, REPORT_SETTINGS[name])],
                )
            return func(*args, **kwargs)

    return run


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """``percentile_cont`` of already sorted values (None for none)."""
    if not values:
        return None
    position = fraction * (len(values) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return float(values[low])
    return float(values[low]) + (float(values[high]) - float(values[low])) * (position - low)


@dataclass(frozen=True)
class Stats:
    """Count, mean, median and 90th percentile of a set of durations (seconds)."""

    count: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"count": self.count, "mean": self.mean, "median": self.median, "p90": self.p90}


def _stats_of(values: Sequence[float]) -> Stats:
    if not values:
        return Stats()
    return Stats(
        count=len(values),
        mean=sum(float(v) for v in values) / len(values),
        median=percentile(values, 0.5),
        p90=percentile(values, 0.9),
    )


def duration_sets(
    queryset: QuerySet[Any], value: str, groups: dict[str, Any]
) -> dict[str, dict[Any, Stats]]:
    """Stats of the ``value`` column over ``queryset`` overall (key ``""``, group key None)
    and per value of each of ``groups`` (name -> expression), in ONE query.

    PostgreSQL: ``GROUP BY GROUPING SETS ((), (g1), (g2)...)`` with ``percentile_cont``;
    SQLite: the sorted values with their group keys, one read, the same formula in Python.
    """
    names = list(groups)
    rows = queryset.filter(**{f"{value}__isnull": False}).annotate(
        _d=F(value), **{f"_g{i}": expr for i, expr in enumerate(groups.values())}
    )
    columns = ["_d", *(f"_g{i}" for i in range(len(names)))]
    out: dict[str, dict[Any, Stats]] = {"": {}, **{name: {} for name in names}}
    if on_postgresql():
        inner, params = rows.order_by().values(*columns).query.sql_with_params()
        q = connection.ops.quote_name
        keys = [q(c) for c in columns[1:]]
        flags = "".join(f"GROUPING({k}), " for k in keys)
        sets = ", ".join(["()", *(f"({k})" for k in keys)])
        d = q("_d")
        statement = (
            f"SELECT {flags}{''.join(f'{k}, ' for k in keys)}COUNT({d}), AVG({d}), "  # noqa: S608 (Django-compiled SQL, quoted names, placeholders only)
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {d}), "
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {d}) "
            f"FROM ({inner}) AS durations GROUP BY GROUPING SETS ({sets})"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            found = cursor.fetchall()
        k = len(keys)
        for row in found:
            flag, key_values, (n, mean, median, p90) = row[:k], row[k : 2 * k], row[2 * k :]
            stats = Stats(int(n), mean, median, p90)
            grouped = [i for i in range(k) if not flag[i]]
            if not grouped:
                if n:
                    out[""][None] = stats
            else:
                out[names[grouped[0]]][key_values[grouped[0]]] = stats
        return out
    every: dict[str, dict[Any, list[float]]] = {"": {}, **{name: {} for name in names}}
    for d, *key_values in rows.order_by("_d").values_list(*columns):
        every[""].setdefault(None, []).append(d)
        for name, key in zip(names, key_values, strict=True):
            every[name].setdefault(key, []).append(d)
    return {
        name: {key: _stats_of(values) for key, values in per.items()} for name, per in every.items()
    }


def trunc(bucket: str, field: str) -> Func:
    """The start of the UTC day/ISO week/month holding ``field``."""
    kind = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}[bucket]
    return kind(field, tzinfo=dt.UTC)


def bucket_starts(bucket: str, start: dt.date, end: dt.date) -> list[dt.date]:
    """Every bucket's first day that overlaps ``[start, end]`` (the first may begin earlier)."""
    out = []
    day = bucket_start(bucket, start)
    while day <= end:
        out.append(day)
        day = next_bucket(bucket, day)
    return out


def bucket_start(bucket: str, day: dt.date) -> dt.date:
    """The first day of the day/ISO week/month holding ``day``."""
    if bucket == "day":
        return day
    if bucket == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def next_bucket(bucket: str, day: dt.date) -> dt.date:
    if bucket == "day":
        return day + dt.timedelta(days=1)
    if bucket == "week":
        return day + dt.timedelta(days=7)
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def as_date(value: Any) -> dt.date:
    """A truncated bucket value (datetime or date, depending on the backend) as a date."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def ratio(numerator: int | float | None, denominator: int | float | None) -> float | None:
    """``numerator / denominator``, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return float(numerator or 0) / float(denominator)
