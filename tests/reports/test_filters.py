"""The report filter: defaults, every validation message."""

from __future__ import annotations

import datetime as dt

import pytest

from frontline.core.errors import ValidationError
from frontline.reports.filters import ReportFilter, parse_filter

TODAY = dt.date(2026, 3, 9)


def test_defaults_to_the_last_30_days_by_day():
    f = parse_filter({}, today=TODAY)
    assert f == ReportFilter(start=dt.date(2026, 2, 8), end=TODAY, bucket="day")
    assert f.since == dt.datetime(2026, 2, 8, tzinfo=dt.UTC)
    assert f.until == dt.datetime(2026, 3, 10, tzinfo=dt.UTC)


def test_every_dimension_parses():
    f = parse_filter(
        {"team": "3", "tier": "l2", "assignee": "4", "organization": "5", "category": "6",
         "channel": "email", "priority": "p1", "type": "incident", "bucket": "month",
         "start": "2026-01-01", "end": "2026-01-31", "tier_unused": ""},
        today=TODAY, allowed=frozenset(ReportFilter.__dataclass_fields__) | {"tier_unused"},
    )  # fmt: skip
    assert (f.team, f.tier, f.assignee, f.organization, f.category) == (3, "l2", 4, 5, 6)
    assert (f.channel, f.priority, f.type, f.bucket) == ("email", "p1", "incident", "month")


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"start": "03/01/2026"}, "start", "“03/01/2026” is not a date like 2026-11-01."),
        ({"start": "2026-03-05", "end": "2026-03-01"}, "end", "The range ends before it starts."),
        ({"start": "2020-01-01", "bucket": "month"}, "start", "A report covers at most 1099 days."),
        ({"start": "2025-01-01"}, "bucket", "Over 400 days, group by week or month."),
        ({"bucket": "hour"}, "bucket", "Choose one of: day, week, month."),
        ({"team": "-1"}, "team", "Must be a positive whole number (an id)."),
        ({"assignee": "9" * 20}, "assignee", "Must be a positive whole number (an id)."),
        ({"channel": "fax"}, "channel", "Choose one of: web, email, phone, chat, api."),
        ({"teams": "1"}, "teams", "Unknown filter; use one of: assignee, bucket, category, "
         "channel, end, organization, priority, start, team, tier, type."),
    ],
)  # fmt: skip
def test_bad_values_name_the_field(params, field, message):
    with pytest.raises(ValidationError) as error:
        parse_filter(params, today=TODAY)
    assert error.value.errors == {field: [message]}
