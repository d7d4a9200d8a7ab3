"""UTC-offset transitions of a time zone, found once per zone and UTC year, then cached.

``zoneinfo`` answers "what is the offset at this instant" but does not list its transitions,
and the business-time engine needs them: a local day with no transition maps its spans to UTC
with one constant offset, which is what lets it add up whole weeks without looking at them.

A year is sampled once a day and each change of offset is pinned to the second by bisection.
This misses only a pair of transitions less than a day apart that restore the same offset;
tzdata has none in the era a help desk deals with. Everything here works on integer
microseconds since the Unix epoch (UTC), the engine's timeline.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from frontline.sla.calendar import DAY_US, EPOCH_ORDINAL, US_PER_SECOND

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)
# The transitions that can touch a local day lie within this many days of its UTC midnight
# (offsets stay within ±15 hours).
_DAY_MARGIN = 2


@dataclass(frozen=True, slots=True)
class _Year:
    """The offset changes of one UTC year, in seconds."""

    first_offset: int  # at the year's first second
    starts: tuple[int, ...]  # transition instants, ascending
    offsets: tuple[int, ...]  # the offset from each transition on


@dataclass(frozen=True, slots=True)
class _Cover:
    """A run of loaded UTC years, flattened for bisection (µs throughout)."""

    lo: int  # the first loaded year's start
    hi: int  # the last loaded year's end
    first_year: int
    last_year: int
    starts: tuple[int, ...]  # transition instants
    offsets: tuple[int, ...]  # offsets[i] holds from starts[i - 1] to starts[i]
    irregular: tuple[int, ...]  # local days whose UTC extent contains a transition, ascending
    irregular_set: frozenset[int]
    day_lo: int  # irregular-day answers are complete for days in [day_lo, day_hi)
    day_hi: int


def utc_year_of(instant_us: int) -> int:
    return date.fromordinal(instant_us // DAY_US + EPOCH_ORDINAL).year


def _year_start_us(year: int) -> int:
    return (date(year, 1, 1).toordinal() - EPOCH_ORDINAL) * DAY_US


def _year_end_us(year: int) -> int:
    # date(10000, 1, 1) does not exist; the last representable year ends a day short.
    return _year_start_us(year + 1) if year < 9999 else _year_start_us(9999) + 364 * DAY_US


class ZoneTable:
    """Offsets and transitions of one zone on the microsecond timeline; years load lazily.

    Lookups read one immutable ``_Cover`` (a single attribute, so a reader never sees half an
    update); covering more years builds a new one under a lock.
    """

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()
        self._cover: _Cover | None = None

    def offset_at(self, instant_us: int) -> int:
        """The zone's UTC offset (µs) at an instant (µs since the epoch, UTC)."""
        cover = self._cover
        if cover is None or not cover.lo <= instant_us < cover.hi:
            cover = self._covering(instant_us, instant_us)
        return cover.offsets[bisect_right(cover.starts, instant_us)]

    def local_day(self, instant_us: int) -> int:
        """The local date (day number) of an instant."""
        return (instant_us + self.offset_at(instant_us)) // DAY_US

    def pieces(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """``[lo, hi)`` cut at each transition into ``(start, end, offset)`` pieces."""
        cover = self._covering(lo, hi)
        first, last = bisect_right(cover.starts, lo), bisect_left(cover.starts, hi)
        result: list[tuple[int, int, int]] = []
        cursor = lo
        for index in range(first, last):
            result.append((cursor, cover.starts[index], cover.offsets[index]))
            cursor = cover.starts[index]
        result.append((cursor, hi, cover.offsets[last]))
        return result

    def is_irregular(self, day: int) -> bool:
        """Whether a local day's UTC extent contains a transition."""
        cover = self._cover
        if cover is None or not cover.day_lo <= day < cover.day_hi:
            cover = self._covering_days(day, day + 1)
        return day in cover.irregular_set

    def irregular_days(self, first_day: int, end_day: int) -> tuple[int, ...]:
        """The irregular local days in ``[first_day, end_day)``, ascending."""
        cover = self._cover
        if cover is None or not (cover.day_lo <= first_day and end_day <= cover.day_hi):
            cover = self._covering_days(first_day, end_day)
        days = cover.irregular
        return days[bisect_left(days, first_day) : bisect_left(days, end_day)]

    # -- loading ----------------------------------------------------------------------------

    def _covering_days(self, first_day: int, end_day: int) -> _Cover:
        return self._covering(
            (first_day - _DAY_MARGIN) * DAY_US, (end_day + _DAY_MARGIN + 1) * DAY_US
        )

    def _covering(self, lo: int, hi: int) -> _Cover:
        """A cover that includes ``[lo, hi]``, extending the current one if need be."""
        cover = self._cover
        if cover is not None and cover.lo <= lo and hi < cover.hi:
            return cover
        with self._lock:
            cover = self._cover
            first, last = utc_year_of(lo), utc_year_of(hi)
            if cover is not None:
                first, last = min(first, cover.first_year), max(last, cover.last_year)
            cover = self._flatten(first, last)
            self._cover = cover
            return cover

    def _flatten(self, first_year: int, last_year: int) -> _Cover:
        years = [self._year(number) for number in range(first_year, last_year + 1)]
        starts: list[int] = []
        offsets = [years[0].first_offset]
        for number, year in zip(range(first_year, last_year + 1), years, strict=True):
            if year.first_offset != offsets[-1]:  # a change exactly at the turn of the year
                starts.append(_year_start_us(number) // US_PER_SECOND)
                offsets.append(year.first_offset)
            starts.extend(year.starts)
            offsets.extend(year.offsets)

        irregular: set[int] = set()
        for index, start in enumerate(starts):
            # The local day just before the change and the one at it (several, if the change
            # jumps across dates) see two offsets in their UTC extent.
            before = (start + offsets[index] - 1) * US_PER_SECOND // DAY_US
            after = (start + offsets[index + 1]) * US_PER_SECOND // DAY_US
            irregular.update(range(min(before, after), max(before, after) + 1))
        lo = _year_start_us(first_year)
        hi = _year_end_us(last_year)
        return _Cover(
            lo=lo,
            hi=hi,
            first_year=first_year,
            last_year=last_year,
            starts=tuple(s * US_PER_SECOND for s in starts),
            offsets=tuple(o * US_PER_SECOND for o in offsets),
            irregular=tuple(sorted(irregular)),
            irregular_set=frozenset(irregular),
            day_lo=lo // DAY_US + _DAY_MARGIN,
            day_hi=hi // DAY_US - _DAY_MARGIN - 1,
        )

    def _year(self, number: int) -> _Year:
        year = self._years.get(number)
        if year is None:
            year = self._years[number] = self._load(number)
        return year

    def _offset_s(self, second: int) -> int:
        moment = (
            datetime.fromtimestamp(second, self.zone)
            if second >= 0  # fromtimestamp is fastest, but not portable before 1970
            else (_EPOCH + second * _SECOND).astimezone(self.zone)
        )
        offset = moment.utcoffset()
        assert offset is not None  # a ZoneInfo always has an offset
        return offset // _SECOND

    def _load(self, number: int) -> _Year:
        first = _year_start_us(number) // US_PER_SECOND
        last = _year_end_us(number) // US_PER_SECOND
        starts: list[int] = []
        current = self._offset_s(first)
        offsets: list[int] = []
        previous = first
        for sample in [*range(first + 86_400, last, 86_400), last - 1]:
            # Pin every change between two samples; after one is found, look again from it,
            # in case the day holds a second transition to a different offset.
            while self._offset_s(sample) != current:
                low, high = previous, sample  # offset(low) == current != offset(high)
                while high - low > 1:
                    middle = (low + high) // 2
                    if self._offset_s(middle) == current:
                        low = middle
                    else:
                        high = middle
                current = self._offset_s(high)
                starts.append(high)
                offsets.append(current)
                previous = high
            previous = sample
        return _Year(
            first_offset=self._offset_s(first), starts=tuple(starts), offsets=tuple(offsets)
        )


_tables: dict[str, ZoneTable] = {}
_tables_lock = threading.Lock()


def zone_table(zone: ZoneInfo) -> ZoneTable:
    """The shared table of a zone (one per IANA key per process)."""
    table = _tables.get(zone.key)
    if table is None:
        with _tables_lock:
            table = _tables.setdefault(zone.key, ZoneTable(zone))
    return table
