"""The series buckets: every page and the day rollups place a day in its bucket alike."""

from __future__ import annotations

import datetime as dt

import pytest

from frontline.reports import sql


@pytest.mark.parametrize(
    ("bucket", "day", "start"),
    [
        ("day", dt.date(2026, 3, 4), dt.date(2026, 3, 4)),
        ("week", dt.date(2026, 3, 4), dt.date(2026, 3, 2)),  # a Wednesday: its ISO Monday
        ("week", dt.date(2026, 3, 2), dt.date(2026, 3, 2)),
        ("month", dt.date(2026, 3, 31), dt.date(2026, 3, 1)),
    ],
)
def test_bucket_start_is_the_first_day_of_the_bucket(bucket, day, start):
    assert sql.bucket_start(bucket, day) == start


@pytest.mark.parametrize("bucket", ["day", "week", "month"])
def test_bucket_starts_begin_with_the_start_days_bucket(bucket):
    start, end = dt.date(2026, 1, 15), dt.date(2026, 3, 10)
    starts = sql.bucket_starts(bucket, start, end)
    assert starts[0] == sql.bucket_start(bucket, start)
    assert all(sql.bucket_start(bucket, s) == s for s in starts)
    assert starts[-1] <= end < sql.next_bucket(bucket, starts[-1])
