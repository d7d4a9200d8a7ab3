"""The one filter object every report takes, and its validation (pure: no ORM).

A filter names a date range (whole UTC days, both ends included), a bucket size for series, and
optional equality conditions on the ticket's *current* team, tier, assignee, organization,
category, channel, priority and type. Unknown keys and bad values raise ``ValidationError``
with one message per field, so the API answers 422 and the web form shows the messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from django.db.models import Q

from frontline.accounts.models import Tier
from frontline.core.errors import ValidationError
from frontline.tickets.models import Channel, Priority, TicketType

BUCKETS = ("day", "week", "month")
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366 + 1  # three years of history per report
MAX_DAY_BUCKETS = 400  # a daily series longer than this would be unreadable: use week/month
MAX_ID = 2**63 - 1

ID_FIELDS = ("team", "assignee", "organization", "category")
CHOICE_FIELDS: dict[str, tuple[str, ...]] = {
    "tier": tuple(Tier.values),
    "channel": tuple(Channel.values),
    "priority": tuple(Priority.values),
    "type": tuple(TicketType.values),
}
KEYS = frozenset({"start", "end", "bucket", *ID_FIELDS, *CHOICE_FIELDS})


@dataclass(frozen=True)
class ReportFilter:
    start: dt.date
    end: dt.date  # included
    bucket: str = "day"
    team: int | None = None
    tier: str | None = None
    assignee: int | None = None
    organization: int | None = None
    category: int | None = None
    channel: str | None = None
    priority: str | None = None
    type: str | None = None

    @property
    def since(self) -> dt.datetime:
        """The range's first instant (UTC midnight of ``start``)."""
        return dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC)

    @property
    def until(self) -> dt.datetime:
        """The instant just after the range (UTC midnight after ``end``)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)

    def ticket_q(self) -> Q:
        """The dimension conditions as a Q on Ticket (empty Q when none is set)."""
        q = Q()
        for name in (*ID_FIELDS, *CHOICE_FIELDS):
            value = getattr(self, name)
            if value is not None:
                column = f"{name}_id" if name in ID_FIELDS else name
                q &= Q(**{column: value})
        return q

    def with_(self, **changes: Any) -> ReportFilter:
        return replace(self, **changes)

    def as_params(self) -> dict[str, str]:
        """The filter as query parameters (only what is set), e.g. for export links."""
        out = {}
        for key, value in asdict(self).items():
            if value is not None:
                out[key] = value.isoformat() if isinstance(value, dt.date) else str(value)
        return out


def default_filter(today: dt.date) -> ReportFilter:
    return ReportFilter(start=today - dt.timedelta(days=DEFAULT_DAYS - 1), end=today)


def _date(value: str, name: str, errors: dict[str, list[str]]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        errors[name] = [f"“{value[:40]}” is not a date like 2026-11-01."]
        return None


def parse_filter(
    params: Mapping[str, Any], *, today: dt.date, allowed: frozenset[str] = KEYS
) -> ReportFilter:
    """A validated ``ReportFilter`` from query parameters (strings); empty values are unset.

    Raises ``ValidationError`` naming every bad field: an unknown key, a date that is not
    ISO 8601, a range that ends before it starts or spans more than three years, a daily series
    of more than 400 days, an id that is not a positive integer, a value outside its choices.
    """
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(params) - allowed)
    for name in unknown:
        errors[name] = [f"Unknown filter; use one of: {', '.join(sorted(allowed))}."]
    values: dict[str, Any] = {}

    def raw(name: str) -> str:
        value = params.get(name)
        if isinstance(value, list | tuple):
            value = value[-1] if value else ""
        return "" if value is None else str(value).strip()

    end = _date(raw("end"), "end", errors) if raw("end") else today
    start_text = raw("start")
    start = _date(start_text, "start", errors) if start_text else None
    if end is not None and start is None and not start_text:
        start = end - dt.timedelta(days=DEFAULT_DAYS - 1)
    bucket = raw("bucket") or "day"
    if bucket not in BUCKETS:
        errors["bucket"] = [f"Choose one of: {', '.join(BUCKETS)}."]
    if start is not None and end is not None:
        if end < start:
            errors["end"] = ["The range ends before it starts."]
        elif (end - start).days + 1 > MAX_DAYS:
            errors["start"] = [f"A report covers at most {MAX_DAYS} days."]
        elif bucket == "day" and (end - start).days + 1 > MAX_DAY_BUCKETS:
            errors["bucket"] = [f"Over {MAX_DAY_BUCKETS} days, group by week or month."]
    for name in ID_FIELDS:
        text = raw(name)
        if not text:
            continue
        if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
            errors[name] = ["Must be a positive whole number (an id)."]
        else:
            values[name] = int(text)
    for name, choices in CHOICE_FIELDS.items():
        text = raw(name)
        if not text:
            continue
        if text not in choices:
            errors[name] = [f"Choose one of: {', '.join(choices)}."]
        else:
            values[name] = text
    if errors:
        raise ValidationError("Some report filters are invalid.", errors=errors)
    assert start is not None
    assert end is not None
    return ReportFilter(start=start, end=end, bucket=bucket, **values)
