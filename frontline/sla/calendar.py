"""Business-hours calendars (pure: no ORM): a time zone, weekly spans, holidays.

A calendar says *when* the desk is open; ``frontline.sla.business_time`` does the arithmetic.
Business hours are local wall-clock hours in the calendar's IANA time zone, and holidays are
whole local dates. The rule for days with a DST change is stated in ``business_time``.

Bad input raises ``InvalidCalendar`` (a ``ValueError``) whose ``field`` names the part of the
calendar at fault, so the services layer can turn it into a field message.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SECONDS_PER_DAY = 86_400
US_PER_SECOND = 1_000_000
DAY_US = SECONDS_PER_DAY * US_PER_SECOND

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY_KEYS = {name[:3].lower(): index for index, name in enumerate(WEEKDAY_NAMES)}

# Local dates are numbered as days since 1970-01-01 (a Thursday), the same epoch as the UTC
# microsecond timeline the engine uses, so "local day of an instant" is a floor division.
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


class InvalidCalendar(ValueError):
    """A calendar that cannot be used; ``field`` names the offending part for form messages."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def _parse_clock(value: str | time, *, what: str) -> int:
    """Seconds after midnight of "HH:MM", "HH:MM:SS" (up to "24:00") or a ``datetime.time``."""
    if isinstance(value, time):
        if value.tzinfo is not None or value.microsecond:
            raise InvalidCalendar("hours", f"{what} must be a plain local time, got {value}.")
        return value.hour * 3600 + value.minute * 60 + value.second
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidCalendar("hours", f"{what} “{value}” is not a time like 08:30.")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if minutes > 59 or seconds > 59 or total > SECONDS_PER_DAY:
        raise InvalidCalendar("hours", f"{what} “{value}” is not a time between 00:00 and 24:00.")
    return total


def _format_clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


@dataclass(frozen=True, order=True, slots=True)
class Span:
    """Open hours within one local day: ``[start, end)`` in seconds after local midnight.

    ``end`` may be 86 400 (24:00): the span then runs up to the next local midnight.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidCalendar("hours", f"Span bounds must be whole seconds, got {value!r}.")
        if not 0 <= self.start < SECONDS_PER_DAY or not 0 < self.end <= SECONDS_PER_DAY:
            raise InvalidCalendar("hours", f"Span {self} is not within 00:00–24:00.")
        if self.start >= self.end:
            raise InvalidCalendar("hours", f"Span {self} must start before it ends.")

    @classmethod
    def of(cls, start: str | time, end: str | time) -> Span:
        """A span from two local clock times; ``end`` may be the string "24:00"."""
        return cls(_parse_clock(start, what="Start"), _parse_clock(end, what="End"))

    @classmethod
    def parse(cls, text: str) -> Span:
        """A span from "08:00-12:00" (a hyphen or an en dash between the two times)."""
        parts = re.split(r"\s*[-–]\s*", text.strip()) if isinstance(text, str) else []
        if len(parts) != 2:
            raise InvalidCalendar("hours", f"“{text}” is not a span like 08:00-12:00.")
        return cls.of(parts[0], parts[1])

    @property
    def seconds(self) -> int:
        return self.end - self.start

    def __str__(self) -> str:
        return f"{_format_clock(self.start)}–{_format_clock(self.end)}"


def _weekday_index(key: int | str) -> int:
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 6:
        return key
    if isinstance(key, str) and key[:3].lower() in _WEEKDAY_KEYS and len(key) >= 3:
        return _WEEKDAY_KEYS[key[:3].lower()]
    raise InvalidCalendar("hours", f"“{key}” is not a weekday (0–6 from Monday, or mon…sun).")


@dataclass(frozen=True)
class BusinessCalendar:
    """When the desk is open: weekly local hours in ``time_zone``, minus holidays.

    - ``week``: seven tuples of ``Span`` (Monday first); several spans a day are allowed but
      may not overlap (touching spans such as 08:00–12:00 and 12:00–13:00 are fine).
    - ``holidays``: one-off local dates, closed all day.
    - ``yearly_holidays``: ``(month, day)`` pairs closed every year (29 February only in leap
      years). Observed-on-Monday rules are not modelled: add the observed date as a one-off.

    Construction validates and normalises (spans sorted, collections made immutable); build
    one with ``BusinessCalendar.build(...)`` or ``BusinessCalendar.twenty_four_seven(...)``.
    Calendars are immutable and hashable, so callers may cache them per policy.
    """

    time_zone: str
    week: tuple[tuple[Span, ...], ...]
    holidays: frozenset[date] = frozenset()
    yearly_holidays: frozenset[tuple[int, int]] = frozenset()

    # Precomputed tables for the engine, derived from the fields above (not part of equality).
    zone: ZoneInfo = field(init=False, repr=False, compare=False)
    day_spans_us: tuple[tuple[tuple[int, int], ...], ...] = field(
        init=False, repr=False, compare=False
    )
    nominal_day_us: tuple[int, ...] = field(init=False, repr=False, compare=False)
    week_us: int = field(init=False, repr=False, compare=False)
    _prefix_us: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _one_off_days: tuple[int, ...] = field(init=False, repr=False, compare=False)
    # The open UTC intervals of days with a DST change, memoised by business_time (a few a
    # year; working them out is the one costly step of a long range).
    dst_day_memo: dict[int, tuple[tuple[int, int], ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    # Holidays as day numbers over a run of local years: (first day, end day, sorted, set).
    # Replaced whole (one attribute) when more years are needed, so readers never see half.
    _holiday_cover: tuple[int, int, tuple[int, ...], frozenset[int]] = field(
        init=False, repr=False, compare=False, default=(0, 0, (), frozenset())
    )

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # the dataclass is frozen; normalising happens only here
        set_(self, "zone", _load_zone(self.time_zone))
        set_(self, "week", _normalise_week(self.week))
        set_(self, "holidays", _normalise_dates(self.holidays))
        set_(self, "yearly_holidays", _normalise_yearly(self.yearly_holidays))

        day_spans = tuple(_merge_touching(day) for day in self.week)
        nominal = tuple(sum(end - start for start, end in day) for day in day_spans)
        if not any(nominal):
            raise InvalidCalendar("hours", "The calendar has no business hours on any day.")
        # Two weeks of running totals, so the sum over any run of < 7 days starting on any
        # weekday is one subtraction (see nominal_range_us).
        prefix = [0]
        for index in range(14):
            prefix.append(prefix[-1] + nominal[index % 7])
        set_(self, "day_spans_us", day_spans)
        set_(self, "nominal_day_us", nominal)
        set_(self, "week_us", sum(nominal))
        set_(self, "_prefix_us", tuple(prefix))
        set_(self, "_one_off_days", tuple(sorted(day_number(d) for d in self.holidays)))

    # -- constructors ---------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        time_zone: str,
        hours: Mapping[int | str, Iterable[Span | str]],
        *,
        holidays: Iterable[date] = (),
        yearly_holidays: Iterable[tuple[int, int]] = (),
    ) -> BusinessCalendar:
        """A calendar from friendly input.

        ``hours`` maps weekdays (0–6 from Monday, or "mon"…"sun") to spans given as ``Span``
        or "08:00-12:00"; weekdays left out are closed.
        """
        week: list[list[Span]] = [[] for _ in range(7)]
        for key, spans in hours.items():
            index = _weekday_index(key)
            if isinstance(spans, str):  # a lone "09:00-17:00" is one span, not characters
                spans = [spans]
            week[index].extend(s if isinstance(s, Span) else Span.parse(s) for s in spans)
        return cls(
            time_zone=time_zone,
            week=tuple(tuple(day) for day in week),
            holidays=frozenset(holidays),
            yearly_holidays=frozenset(yearly_holidays),
        )

    @classmethod
    def twenty_four_seven(cls, time_zone: str = "UTC") -> BusinessCalendar:
        """Always open, no holidays: business time equals elapsed wall-clock time."""
        whole_day = (Span(0, SECONDS_PER_DAY),)
        return cls(time_zone=time_zone, week=(whole_day,) * 7)

    # -- queries --------------------------------------------------------------------------

    def is_holiday(self, day: date) -> bool:
        """Whether the local date is closed all day as a one-off or yearly holiday."""
        return self.is_holiday_number(day_number(day))

    def is_holiday_number(self, day: int) -> bool:
        """``is_holiday`` for a day number."""
        first, end, _, days = self._holiday_cover
        if not first <= day < end:
            first, end, _, days = self._cover_holidays(day, day + 1)
        return day in days

    def holidays_between(self, first_day: int, end_day: int) -> tuple[int, ...]:
        """The holidays in ``[first_day, end_day)`` as ascending day numbers."""
        first, end, days, _ = self._holiday_cover
        if not (first <= first_day and end_day <= end):
            first, end, days, _ = self._cover_holidays(first_day, end_day)
        return days[bisect_left(days, first_day) : bisect_left(days, end_day)]

    def _cover_holidays(
        self, first_day: int, end_day: int
    ) -> tuple[int, int, tuple[int, ...], frozenset[int]]:
        first_year, last_year = _year_of(first_day), _year_of(max(first_day, end_day - 1))
        first, end, _, _ = self._holiday_cover
        if first < end:  # widen the years already covered rather than replace them
            first_year, last_year = (
                min(first_year, _year_of(first)),
                max(last_year, _year_of(end - 1)),
            )
        first, end = day_number(date(first_year, 1, 1)), day_number(date(last_year, 12, 31)) + 1
        one_off = self._one_off_days
        days = set(one_off[bisect_left(one_off, first) : bisect_left(one_off, end)])
        for year in range(first_year, last_year + 1):
            for month, day in self.yearly_holidays:
                if month == 2 and day == 29 and not _stdlib_calendar.isleap(year):
                    continue  # a 29 February holiday only exists in leap years
                days.add(day_number(date(year, month, day)))
        cover = (first, end, tuple(sorted(days)), frozenset(days))
        object.__setattr__(self, "_holiday_cover", cover)  # a cache, not a change of value
        return cover

    def nominal_range_us(self, first_day: int, end_day: int) -> int:
        """Open time of the weekdays in ``[first_day, end_day)``, ignoring holidays and DST."""
        count = end_day - first_day
        if count <= 0:
            return 0
        weeks, rest = divmod(count, 7)
        offset = weekday_of(first_day)
        return weeks * self.week_us + self._prefix_us[offset + rest] - self._prefix_us[offset]

    def __str__(self) -> str:
        days = "; ".join(
            f"{WEEKDAY_NAMES[i][:3]} " + ", ".join(str(s) for s in spans)
            for i, spans in enumerate(self.week)
            if spans
        )
        return f"{self.time_zone}: {days}"


def day_number(day: date) -> int:
    """Days since 1970-01-01 (the engine's numbering of local dates)."""
    return day.toordinal() - EPOCH_ORDINAL


def _year_of(day: int) -> int:
    return date.fromordinal(day + EPOCH_ORDINAL).year


def weekday_of(day: int) -> int:
    """Monday = 0 … Sunday = 6 of a day number (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


def _load_zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not name.strip():
        raise InvalidCalendar("time_zone", "Choose a time zone, such as Europe/Berlin.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:  # malformed key, not a TZif
        raise InvalidCalendar("time_zone", f"“{name}” is not a known time zone.") from error


def _normalise_week(week: object) -> tuple[tuple[Span, ...], ...]:
    if not isinstance(week, tuple | list) or len(week) != 7:
        raise InvalidCalendar("hours", "Weekly hours need seven days, Monday first.")
    days: list[tuple[Span, ...]] = []
    for index, spans in enumerate(week):
        if not all(isinstance(span, Span) for span in spans):
            raise InvalidCalendar("hours", f"{WEEKDAY_NAMES[index]}: every span must be a Span.")
        ordered = tuple(sorted(spans))
        for before, after in pairwise(ordered):
            if after.start < before.end:
                raise InvalidCalendar(
                    "hours", f"{WEEKDAY_NAMES[index]}: {before} overlaps {after}."
                )
        days.append(ordered)
    return tuple(days)


def _merge_touching(spans: tuple[Span, ...]) -> tuple[tuple[int, int], ...]:
    """Spans as microsecond pairs, with touching spans joined (12:00–13:00 + 13:00–14:00)."""
    merged: list[list[int]] = []
    for span in spans:
        start, end = span.start * US_PER_SECOND, span.end * US_PER_SECOND
        if merged and merged[-1][1] == start:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def _normalise_dates(holidays: Iterable[date]) -> frozenset[date]:
    days = frozenset(holidays)
    for day in days:
        if not isinstance(day, date) or isinstance(day, datetime):
            raise InvalidCalendar("holidays", f"A holiday is a date, got {day!r}.")
    return days


def _normalise_yearly(yearly: Iterable[tuple[int, int]]) -> frozenset[tuple[int, int]]:
    pairs = frozenset(tuple(pair) for pair in yearly)
    for pair in pairs:
        if len(pair) != 2 or not all(isinstance(p, int) and not isinstance(p, bool) for p in pair):
            raise InvalidCalendar("yearly_holidays", f"{pair!r} is not a (month, day) pair.")
        month, day = pair
        # 2000 is a leap year, so 29 February is accepted (it then applies in leap years only).
        if not 1 <= month <= 12 or not 1 <= day <= _stdlib_calendar.monthrange(2000, month)[1]:
            raise InvalidCalendar("yearly_holidays", f"{month}/{day} is not a day of the year.")
    return pairs  # type: ignore[return-value]
