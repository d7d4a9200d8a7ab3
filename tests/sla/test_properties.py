"""Property tests: the business-time engine against a plain minute-by-minute reference.

The reference walks UTC minutes, reads each one's local wall-clock time with zoneinfo and
checks the spans and holidays of that local date: the definition of business time, with no
cleverness. With minute-aligned spans, and zones whose offsets and transitions are whole
minutes (all of those below, in these years), every UTC minute is wholly open or wholly
closed, so the reference is exact to the microsecond for any start and end, not just for
minute-aligned ones.

Scenarios pick a zone, a window of up to four days (half the time around one of the zone's
offset changes) and a random calendar with holidays inside that window. Long ranges are
checked against sums of days, each of which the reference has vouched for.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from frontline.sla import (
    BusinessCalendar,
    SlaClock,
    Span,
    add_business_seconds,
    add_business_time,
    business_seconds_between,
    business_time_between,
    is_business_time,
    next_business_start,
)

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",  # southern hemisphere: DST from October to April
    "America/Santiago",  # southern, and the clocks change at local midnight
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/St_Johns",  # a -03:30 offset, with DST
    "Asia/Kolkata",  # +05:30, no DST
    "Africa/Casablanca",  # the clocks go back for Ramadan and forward after it
]
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
US = timedelta(microseconds=1)
MAX_WINDOW_MINUTES = 4 * 24 * 60

Interval = tuple[datetime, datetime | None]  # a pause: (start, end or None while running)

PROPERTY = settings(max_examples=200, deadline=None)
SLOW_PROPERTY = settings(max_examples=60, deadline=None)


# -- the reference --------------------------------------------------------------------------


def reference_is_open(calendar: BusinessCalendar, instant: datetime) -> bool:
    """The definition: the local date is no holiday and the local time is inside a span."""
    local = instant.astimezone(ZoneInfo(calendar.time_zone))
    day = local.date()
    if day in calendar.holidays or (day.month, day.day) in calendar.yearly_holidays:
        return False
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return any(span.start <= seconds < span.end for span in calendar.week[local.weekday()])


class Reference:
    """Minutes over a window, each open or closed: ``is_open(i)`` for the minute starting
    ``first + i minutes``, worked out in order as far as asked (unused minutes cost nothing)."""

    def __init__(self, calendar: BusinessCalendar, first: datetime, minutes: int):
        self.calendar = calendar
        self.first = first
        self.minutes = minutes
        self.end = first + minutes * MINUTE
        self._open: list[bool] = []

    def is_open(self, i: int) -> bool:
        flags = self._open
        while len(flags) <= i:
            flags.append(reference_is_open(self.calendar, self.first + len(flags) * MINUTE))
        return flags[i]

    def _minutes_from(self, start: datetime) -> range:
        return range(max(0, (start - self.first) // MINUTE), self.minutes)

    def business(
        self, start: datetime, end: datetime, paused: Sequence[Interval] = ()
    ) -> timedelta:
        """Open time in ``[start, end)`` (inside the window), outside the paused minutes."""
        total = timedelta(0)
        for i in self._minutes_from(start):
            lo = self.first + i * MINUTE
            if lo >= end:
                break
            if self.is_open(i) and not _paused(paused, lo):
                total += min(lo + MINUTE, end) - max(lo, start)
        return total

    def earliest(
        self, start: datetime, amount: timedelta, paused: Sequence[Interval] = ()
    ) -> datetime | None:
        """The first instant by which ``amount`` of unpaused open time has passed since start;
        None if the window ends first, or an open-ended pause begins first."""
        if amount == timedelta(0):
            return start
        left = amount
        open_ended = min((lo for lo, hi in paused if hi is None), default=None)
        for i in self._minutes_from(start):
            if not self.is_open(i):
                continue
            lo = self.first + i * MINUTE
            if open_ended is not None and open_ended <= lo:
                return None
            if _paused(paused, lo):
                continue
            lo = max(lo, start)
            hi = self.first + (i + 1) * MINUTE
            if left <= hi - lo:
                return lo + left
            left -= hi - lo
        return None


def _paused(paused: Sequence[Interval], minute: datetime) -> bool:
    # Pauses in the clock tests are minute-aligned, so a minute is paused or not as a whole.
    return any(lo <= minute and (hi is None or minute < hi) for lo, hi in paused)


# -- scenarios ------------------------------------------------------------------------------


@functools.cache
def transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    """The instants in a year at which the zone's offset changes (found with zoneinfo)."""
    zone = ZoneInfo(zone_name)

    def offset(instant: datetime) -> timedelta | None:
        return instant.astimezone(zone).utcoffset()

    found = []
    step = timedelta(hours=6)
    moment = datetime(year, 1, 1, tzinfo=UTC)
    while moment.year == year:
        low, high = moment, moment + step
        if offset(low) != offset(high):
            while high - low > MINUTE:
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if offset(middle) == offset(low):
                    low = middle
                else:
                    high = middle
            found.append(high)
        moment += step
    return tuple(found)


@dataclass
class Scenario:
    calendar: BusinessCalendar
    first: datetime  # UTC, minute-aligned
    minutes: int

    @functools.cached_property
    def reference(self) -> Reference:
        return Reference(self.calendar, self.first, self.minutes)

    def at(self, minute: int) -> datetime:
        return self.first + minute * MINUTE


clock_minutes = st.one_of(
    # The hours where clocks change (01:00–03:30), midnight and office hours come up often.
    st.sampled_from([0, 60, 90, 120, 150, 180, 210, 480, 540, 720, 1020, 1410, 1440]),
    st.integers(0, 1440),
)
# Candidate spans as (weekday, one end, other end) in minutes; overlapping ones are dropped.
span_candidates = st.lists(st.tuples(st.integers(0, 6), clock_minutes, clock_minutes), max_size=12)
zones = st.sampled_from(ZONES)
years = st.integers(2019, 2030)


def week_from(candidates: list[tuple[int, int, int]]) -> tuple[tuple[Span, ...], ...]:
    week: list[list[Span]] = [[] for _ in range(7)]
    for weekday, a, b in sorted(candidates, key=lambda c: (c[0], min(c[1:]), max(c[1:]))):
        lo, hi = min(a, b) * 60, max(a, b) * 60
        day = week[weekday]
        if lo < hi and (not day or day[-1].end <= lo):  # touching spans are kept
            day.append(Span(lo, hi))
    if not any(week):
        week[0].append(Span(9 * 3600, 17 * 3600))
    return tuple(tuple(day) for day in week)


@st.composite
def scenarios(draw: st.DrawFn, max_minutes: int = MAX_WINDOW_MINUTES) -> Scenario:
    zone = draw(zones)
    year = draw(years)
    changes = transitions(zone, year)
    near_a_change = bool(changes) and draw(st.booleans())
    if near_a_change:
        anchor = draw(st.sampled_from(changes))
    else:
        anchor = datetime(year, 1, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 525_000)))
    minutes = draw(st.integers(1, max_minutes))
    first = anchor - draw(st.integers(0, minutes)) * MINUTE

    first_day = first.astimezone(ZoneInfo(zone)).date()
    nearby = st.lists(st.integers(-1, minutes // 1440 + 1), max_size=3)
    holidays = [first_day + timedelta(days=n) for n in draw(nearby)]
    yearly = [first_day + timedelta(days=n) for n in draw(nearby)]
    calendar = BusinessCalendar(
        time_zone=zone,
        week=week_from(draw(span_candidates)),
        holidays=frozenset(holidays),
        yearly_holidays=frozenset((day.month, day.day) for day in yearly),
    )
    return Scenario(calendar, first, minutes)


@st.composite
def scenario_with_range(draw: st.DrawFn) -> tuple[Scenario, datetime, datetime]:
    scenario = draw(scenarios())
    a = draw(st.integers(0, scenario.minutes))
    b = draw(st.integers(0, scenario.minutes))
    return scenario, scenario.at(min(a, b)), scenario.at(max(a, b))


def _within(scenario: Scenario, instant: datetime) -> datetime:
    return min(max(instant, scenario.first), scenario.reference.end)


# -- business time between two instants ----------------------------------------------------


@PROPERTY
@given(scenario_with_range())
def test_business_seconds_between_matches_the_minute_reference(
    case: tuple[Scenario, datetime, datetime],
) -> None:
    scenario, start, end = case
    expected = scenario.reference.business(start, end)
    assert business_seconds_between(scenario.calendar, start, end) == expected.total_seconds()
    assert business_time_between(scenario.calendar, start, end) == expected
    # A range that ends before it starts is empty, not negative.
    assert business_seconds_between(scenario.calendar, end, start) == 0 or start == end


@PROPERTY
@given(scenario_with_range(), st.integers(-(10**8), 10**8), st.integers(-(10**8), 10**8))
def test_business_time_is_exact_to_the_microsecond_and_additive(
    case: tuple[Scenario, datetime, datetime], start_shift: int, end_shift: int
) -> None:
    scenario, start, end = case
    calendar = scenario.calendar
    start = _within(scenario, start + start_shift * US)
    end = _within(scenario, end + end_shift * US)
    if end < start:  # shifting may cross the ends over; a reversed range is tested above
        start, end = end, start
    expected = scenario.reference.business(start, end)
    assert business_time_between(calendar, start, end) == expected
    assert business_seconds_between(calendar, start, end) == expected // timedelta(seconds=1)

    # Cut anywhere, the two parts add up, and neither is more than the whole.
    if start < end:
        middle = start + (end - start) * 0.37
        first_part = business_time_between(calendar, start, middle)
        second_part = business_time_between(calendar, middle, end)
        assert first_part + second_part == expected
        assert max(first_part, second_part) <= expected


# -- adding business time -------------------------------------------------------------------

amounts = st.one_of(st.integers(0, 4 * 3600), st.integers(0, 30 * 3600))


@PROPERTY
@given(scenarios(), st.data())
def test_add_business_seconds_is_the_earliest_inverse(
    scenario: Scenario, data: st.DataObject
) -> None:
    calendar = scenario.calendar
    start = scenario.at(data.draw(st.integers(0, scenario.minutes)))
    seconds = data.draw(amounts)

    due = add_business_seconds(calendar, start, seconds)

    assert business_seconds_between(calendar, start, due) == seconds
    expected = scenario.reference.earliest(start, timedelta(seconds=seconds))
    if expected is None:  # not within the window: then the engine must look beyond it
        assert due > scenario.reference.end
    else:
        assert due == expected
    if seconds:
        assert business_time_between(calendar, start, due - US) < timedelta(seconds=seconds)
    else:
        assert due == start
    # Asking for more never comes due earlier.
    more = seconds + data.draw(amounts)
    assert add_business_seconds(calendar, start, more) >= due


@PROPERTY
@given(scenarios(), st.data())
def test_add_business_time_is_exact_to_the_microsecond(
    scenario: Scenario, data: st.DataObject
) -> None:
    calendar = scenario.calendar
    start = scenario.at(0) + data.draw(st.integers(0, scenario.minutes * 60_000_000)) * US
    amount = data.draw(amounts) * timedelta(seconds=1) + data.draw(st.integers(0, 10**6)) * US

    due = add_business_time(calendar, start, amount)

    assert business_time_between(calendar, start, due) == amount
    expected = scenario.reference.earliest(start, amount)
    assert due == expected if expected is not None else due > scenario.reference.end


# -- instants -------------------------------------------------------------------------------


@PROPERTY
@given(scenarios(), st.data())
def test_is_business_time_and_next_business_start_match_the_reference(
    scenario: Scenario, data: st.DataObject
) -> None:
    calendar = scenario.calendar
    moment = scenario.at(0) + data.draw(st.integers(0, scenario.minutes * 60_000_000 - 1)) * US
    assert is_business_time(calendar, moment) == reference_is_open(calendar, moment)

    opening = next_business_start(calendar, moment)
    assert opening >= moment
    assert is_business_time(calendar, opening)
    # Nothing in between is open: the business time between them is zero.
    assert business_time_between(calendar, moment, opening) == timedelta(0)
    if opening < scenario.reference.end:
        first_open_microsecond = scenario.reference.earliest(moment, US)
        assert first_open_microsecond is not None
        assert opening == first_open_microsecond - US


# -- 24×7 and long ranges -------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2060, 1, 1), timezones=st.just(UTC)
)


@PROPERTY
@given(st.sampled_from(ZONES), instants, instants)
def test_twenty_four_seven_is_elapsed_wall_clock_time(
    zone: str, start: datetime, end: datetime
) -> None:
    calendar = BusinessCalendar.twenty_four_seven(zone)
    elapsed = max(timedelta(0), end - start)
    assert business_time_between(calendar, start, end) == elapsed
    assert business_seconds_between(calendar, start, end) == elapsed // timedelta(seconds=1)
    if end >= start:
        assert add_business_time(calendar, start, end - start) == end


@SLOW_PROPERTY
@given(scenarios(max_minutes=2 * 1440), st.integers(1, 3 * 366), st.data())
def test_long_ranges_equal_the_sum_of_their_days(
    scenario: Scenario, days: int, data: st.DataObject
) -> None:
    """Whole weeks are added up without visiting them; cut the range into days instead (each
    day's sum is checked against the reference above) and the totals must agree."""
    calendar = scenario.calendar
    start = scenario.at(0) + data.draw(st.integers(0, 86_400_000_000)) * US
    end = start + timedelta(days=days, microseconds=data.draw(st.integers(0, 86_400_000_000)))
    cuts = [start + timedelta(days=n) for n in range(days + 1)] + [end]
    by_day = sum(
        (business_time_between(calendar, a, b) for a, b in pairwise(cuts)),
        timedelta(0),
    )
    total = business_time_between(calendar, start, end)
    assert total == by_day

    due = add_business_time(calendar, start, total)
    assert due <= end
    assert business_time_between(calendar, start, due) == total
    if total:
        assert business_time_between(calendar, start, due - US) < total


# -- the SLA clock --------------------------------------------------------------------------


@st.composite
def clock_cases(draw: st.DrawFn) -> tuple[Scenario, SlaClock, datetime, list[Interval]]:
    scenario = draw(scenarios())
    minutes = scenario.minutes
    started = draw(st.integers(0, minutes))
    pauses: list[Interval] = []
    for _ in range(draw(st.integers(0, 3))):
        lo = draw(st.integers(0, minutes))
        hi = draw(st.one_of(st.none(), st.integers(lo, minutes)))
        pauses.append((scenario.at(lo), None if hi is None else scenario.at(hi)))
    target = draw(st.integers(0, 3 * 86_400))
    share = draw(st.sampled_from([None, 0.5, 0.75, 0.9, 1.0]))
    clock = SlaClock(scenario.calendar, target, scenario.at(started), pauses, share)
    now = scenario.at(draw(st.integers(0, minutes)))
    return scenario, clock, now, pauses


def _as_of(pauses: list[Interval], now: datetime) -> list[Interval]:
    """What the clock knows at ``now``: pauses begun by then, still open if not yet over."""
    return [(lo, None if hi is None or hi > now else hi) for lo, hi in pauses if lo <= now]


@PROPERTY
@given(clock_cases())
def test_sla_clock_matches_the_reference(
    case: tuple[Scenario, SlaClock, datetime, list[Interval]],
) -> None:
    scenario, clock, now, pauses = case
    reference = scenario.reference
    known = _as_of(pauses, now)
    state = clock.state(now)

    elapsed = reference.business(clock.started_at, now, known)
    total = reference.business(clock.started_at, now)
    assert state.elapsed_seconds == elapsed // timedelta(seconds=1)
    assert state.paused_seconds == (total - elapsed) // timedelta(seconds=1)
    assert state.remaining_seconds == clock.target_seconds - state.elapsed_seconds
    open_pause = any(hi is None for _, hi in known)
    assert state.paused == open_pause

    due = reference.earliest(clock.started_at, timedelta(seconds=clock.target_seconds), known)
    if due is not None:
        assert state.due_at == due
    elif open_pause:
        assert state.due_at is None  # paused before reaching the target: nobody knows when
    else:
        # The window ends before the target is reached; the engine looks further.
        assert state.due_at is not None
        assert state.due_at > reference.end
    if state.due_at is not None:
        assert state.breached == (now > state.due_at)
        assert state.breached_at == (state.due_at if state.breached else None)
    else:
        assert not state.breached
    if clock.warning_seconds is None:
        assert state.warning_at is None
        assert not state.warned
    else:
        warning = reference.earliest(clock.started_at, clock.warning_seconds * SECOND, known)
        if warning is not None:
            assert state.warning_at == warning
        assert state.warned == (state.warning_at is not None and now >= state.warning_at)
        if state.warning_at is not None and state.due_at is not None:
            assert state.warning_at <= state.due_at


@PROPERTY
@given(clock_cases())
def test_pauses_never_add_elapsed_time_and_the_due_time_uses_exactly_the_target(
    case: tuple[Scenario, SlaClock, datetime, list[Interval]],
) -> None:
    _, clock, now, _ = case
    unpaused = SlaClock(clock.calendar, clock.target_seconds, clock.started_at)
    state, free = clock.state(now), unpaused.state(now)
    assert state.elapsed_seconds <= free.elapsed_seconds
    assert state.elapsed_seconds + state.paused_seconds in {
        free.elapsed_seconds,
        free.elapsed_seconds - 1,  # two sub-second remainders could lose a second (not here)
    }
    assert free.due_at is not None
    if state.due_at is None:
        assert state.paused
        return
    assert state.due_at >= free.due_at
    if state.due_at >= now:
        # A projection made while running holds when no further pause comes: at the due
        # time exactly the target is used, and it is breached only after that.
        closed = [(lo, hi) for lo, hi in clock.pauses if lo <= now and hi is not None and hi <= now]
        later = SlaClock(clock.calendar, clock.target_seconds, clock.started_at, closed)
        at_due = later.state(state.due_at)
        assert at_due.remaining_seconds == 0
        assert not at_due.breached
        assert later.state(state.due_at + US).breached
