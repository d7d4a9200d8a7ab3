"""Business-time arithmetic on a ``BusinessCalendar`` (pure: no ORM).

Every function takes and returns aware datetimes (any zone in, UTC out) and refuses naive
ones. Internally time is integer microseconds since the Unix epoch, so sums are exact.

**The rule for time zones and DST.** An instant is business time when the calendar's local
wall clock, at that instant, shows a local date that is not a holiday and a time of day inside
one of that weekday's spans. Business time is the real time that passes while that holds. So:

- a 09:00–17:00 day is 8 hours even when the clocks changed in the night before it;
- a span over a skipped hour counts only the time that really passes: 00:00–06:00 on the day
  clocks spring forward is 5 hours, and a span lying wholly inside the gap is empty;
- a span over a repeated hour counts it twice: 00:00–06:00 on the day clocks fall back is 7
  hours, because 7 hours of real time pass while the clock reads 00:00–06:00;
- a 24×7 calendar is therefore exactly elapsed wall-clock time, in every zone.

**How it stays fast over long ranges.** A local day whose UTC extent holds no offset change
(all but about two days a year) contributes exactly its weekday's nominal hours, so a range of
whole days costs whole weeks × the weekly total, plus the leftover weekdays from a table,
minus the holidays in the range, plus a correction for each day with a DST change. Only the
first and the last day are clipped span by span. Adding business time jumps whole weeks the
same way, then walks the few remaining days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from frontline.sla.calendar import DAY_US, US_PER_SECOND, BusinessCalendar, weekday_of
from frontline.sla.zones import ZoneTable, zone_table

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Offsets in tzdata stay within ±15 h, so a local day's spans lie within two days of its
# UTC midnight; this margin bounds where to look for them.
_MARGIN_US = 2 * DAY_US
# A calendar whose holidays close it for this many consecutive days has no business time left
# to find (only a nonsensical holiday list gets here); better an error than an endless search.
_MAX_CLOSED_DAYS = 3_700


# -- public API ------------------------------------------------------------------------------


def business_time_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Business time in ``[start, end)``, exact to the microsecond; zero if ``end <= start``."""
    return _business_us(calendar, to_us(start), to_us(end)) * _MICROSECOND


def business_seconds_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> int:
    """Whole seconds of business time in ``[start, end)`` (rounded down); 0 if ``end <= start``.

    Additive to the microsecond (see ``business_time_between``), not always to the second:
    two sub-second remainders can add up to a second that neither half reports.
    """
    return _business_us(calendar, to_us(start), to_us(end)) // US_PER_SECOND


def add_business_time(calendar: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    """The earliest instant (UTC) at which ``amount`` of business time has passed since ``start``.

    ``start`` may lie outside business hours: the clock then starts at the next opening.
    A zero amount returns ``start`` itself (in UTC): a target of 0 is due at once. For a
    positive amount the result always lies inside or at the end of business hours, never at
    a later opening (a 1-hour target started at 16:00 with hours ending 17:00 is due at 17:00,
    not at 09:00 the next morning). Negative amounts raise ``ValueError``.
    """
    amount_us = amount // _MICROSECOND
    if amount_us < 0:
        raise ValueError(f"Cannot add a negative amount of business time ({amount}).")
    return from_us(_add_us(calendar, to_us(start), amount_us))


def add_business_seconds(calendar: BusinessCalendar, start: datetime, seconds: int) -> datetime:
    """``add_business_time`` with whole seconds: the due time of a ``seconds`` target.

    ``business_seconds_between(calendar, start, result) == seconds`` and no earlier instant
    satisfies it; ``seconds == 0`` returns ``start``.
    """
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
        raise ValueError(f"Business seconds must be a whole number ≥ 0, got {seconds!r}.")
    return from_us(_add_us(calendar, to_us(start), seconds * US_PER_SECOND))


def is_business_time(calendar: BusinessCalendar, moment: datetime) -> bool:
    """Whether ``moment`` lies inside business hours (spans include their start, not their end)."""
    instant = to_us(moment)
    table = zone_table(calendar.zone)
    return any(
        start <= instant < end
        for start, end in _day_intervals(calendar, table, table.local_day(instant))
    )


def next_business_start(calendar: BusinessCalendar, moment: datetime) -> datetime:
    """The earliest business instant at or after ``moment``: ``moment`` itself when open."""
    instant = to_us(moment)
    table = zone_table(calendar.zone)
    day = table.local_day(instant)
    for closed_days in range(_MAX_CLOSED_DAYS):
        for start, end in _day_intervals(calendar, table, day + closed_days):
            if end > instant:
                return from_us(max(start, instant))
    raise _no_business_time(calendar, moment)


# -- the microsecond timeline ----------------------------------------------------------------


def to_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime; naive ones are refused."""
    if not isinstance(moment, datetime):
        raise TypeError(f"Expected a datetime, got {type(moment).__name__}.")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"Naive datetime {moment.isoformat()}: pass an aware (UTC) datetime.")
    return (moment - _EPOCH) // _MICROSECOND


def from_us(instant: int) -> datetime:
    """The aware UTC datetime of a microsecond instant."""
    return _EPOCH + instant * _MICROSECOND


def _business_us(calendar: BusinessCalendar, start: int, end: int) -> int:
    """Business microseconds in ``[start, end)``."""
    if end <= start:
        return 0
    table = zone_table(calendar.zone)
    start_offset, end_offset = table.offset_at(start), table.offset_at(end)
    first_day, last_day = (start + start_offset) // DAY_US, (end + end_offset) // DAY_US
    first = _clipped(_day_intervals(calendar, table, first_day, start_offset), start, end)
    if first_day == last_day:
        return first
    # Local dates follow each other in UTC order, so everything of the first day after
    # ``start``, all whole days between, and the last day before ``end`` make up the range.
    return (
        first
        + _days_us(calendar, table, first_day + 1, last_day)
        + _clipped(_day_intervals(calendar, table, last_day, end_offset), start, end)
    )


def _add_us(calendar: BusinessCalendar, start: int, amount: int) -> int:
    """The earliest instant at which ``amount`` business microseconds have passed since start."""
    if amount == 0:
        return start
    table = zone_table(calendar.zone)
    offset = table.offset_at(start)
    day = (start + offset) // DAY_US
    left = amount
    for lo, hi in _day_intervals(calendar, table, day, offset):
        if hi <= start:
            continue
        lo = max(lo, start)
        if left <= hi - lo:
            return lo + left
        left -= hi - lo
    day += 1

    closed_days = 0
    while True:
        # Jump whole weeks while plenty remains: k weeks hold about k × the weekly total, less
        # holidays and give or take DST; if a guess overshoots, halve it and try again.
        weeks = left // calendar.week_us - 1
        while weeks > 0:
            jumped = _days_us(calendar, table, day, day + 7 * weeks)
            if jumped < left:
                left -= jumped
                day += 7 * weeks
                closed_days = closed_days + 7 * weeks if jumped == 0 else 0
                if closed_days > _MAX_CLOSED_DAYS:
                    raise _no_business_time(calendar, from_us(start))
                break
            weeks //= 2
        else:
            total = _day_total(calendar, table, day)
            if left <= total:
                for lo, hi in _day_intervals(calendar, table, day):
                    if left <= hi - lo:
                        return lo + left
                    left -= hi - lo
                raise AssertionError("a day's intervals must add up to its total")
            left -= total
            day += 1
            closed_days = closed_days + 1 if total == 0 else 0
            if closed_days > _MAX_CLOSED_DAYS:
                raise _no_business_time(calendar, from_us(start))


# -- days ------------------------------------------------------------------------------------


def _day_intervals(
    calendar: BusinessCalendar, table: ZoneTable, day: int, offset: int | None = None
) -> Sequence[tuple[int, int]]:
    """The UTC intervals (µs, ascending, disjoint) in which a local day is open.

    ``offset``, if given, is the zone's offset at some instant of that local day.
    """
    spans = calendar.day_spans_us[(day + 3) % 7]  # weekday_of, inlined on the hot path
    if not spans or calendar.is_holiday_number(day):
        return ()
    midnight = day * DAY_US  # the local midnight, read as if it were UTC
    if not table.is_irregular(day):
        if offset is None:
            # One offset all day. Find it from a local-noon guess: a guess made with the
            # offset at UTC noon is off by at most that offset's change, inside the day.
            guess = midnight + DAY_US // 2
            offset = table.offset_at(guess - table.offset_at(guess))
        return [(midnight + lo - offset, midnight + hi - offset) for lo, hi in spans]
    memo = calendar.dst_day_memo
    if day not in memo:
        memo[day] = _dst_day_intervals(table, spans, midnight)
    return memo[day]


def _dst_day_intervals(
    table: ZoneTable, spans: tuple[tuple[int, int], ...], midnight: int
) -> tuple[tuple[int, int], ...]:
    """``_day_intervals`` of a day whose UTC extent holds an offset change."""
    # The instants whose local time falls in a span are, within each stretch of constant
    # offset, the span shifted by that offset.
    intervals = [
        (max(piece_lo, midnight + lo - offset), min(piece_hi, midnight + hi - offset))
        for piece_lo, piece_hi, offset in table.pieces(midnight - _MARGIN_US, midnight + _MARGIN_US)
        for lo, hi in spans
    ]
    intervals = sorted((lo, hi) for lo, hi in intervals if lo < hi)
    merged: list[tuple[int, int]] = []
    for lo, hi in intervals:
        if merged and merged[-1][1] == lo:  # a span cut by a transition is one stretch
            merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _day_total(calendar: BusinessCalendar, table: ZoneTable, day: int) -> int:
    """Business microseconds of one whole local day."""
    if calendar.is_holiday_number(day):
        return 0
    if not table.is_irregular(day):
        return calendar.nominal_day_us[weekday_of(day)]
    return sum(hi - lo for lo, hi in _day_intervals(calendar, table, day))


def _days_us(calendar: BusinessCalendar, table: ZoneTable, first_day: int, end_day: int) -> int:
    """Business microseconds of the whole local days ``[first_day, end_day)``."""
    if end_day <= first_day:
        return 0
    total = calendar.nominal_range_us(first_day, end_day)
    nominal = calendar.nominal_day_us
    holidays = calendar.holidays_between(first_day, end_day)
    for day in holidays:
        total -= nominal[weekday_of(day)]
    for day in table.irregular_days(first_day, end_day):
        if nominal[weekday_of(day)] and day not in holidays:
            total += _day_total(calendar, table, day) - nominal[weekday_of(day)]
    return total


def _clipped(intervals: Sequence[tuple[int, int]], start: int, end: int) -> int:
    total = 0
    for lo, hi in intervals:
        if hi > start and lo < end:
            total += (hi if hi < end else end) - (lo if lo > start else start)
    return total


def _no_business_time(calendar: BusinessCalendar, moment: datetime) -> ValueError:
    return ValueError(
        f"The calendar {calendar} has no business time within {_MAX_CLOSED_DAYS} days "
        f"after {moment.isoformat()}: check its holidays."
    )
