from collections.abc import Iterable
from datetime import date, datetime, time

import pytest

from frontline.sla import BusinessCalendar, InvalidCalendar, Span

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def office(
    *, holidays: Iterable[date] = (), yearly_holidays: Iterable[tuple[int, int]] = ()
) -> BusinessCalendar:
    return BusinessCalendar.build(
        "Europe/Berlin",
        {day: ["08:00-12:00", "13:00-17:30"] for day in WEEKDAYS},
        holidays=holidays,
        yearly_holidays=yearly_holidays,
    )


def test_a_calendar_is_built_from_friendly_input_and_keeps_its_spans_in_order() -> None:
    calendar = BusinessCalendar.build(
        "Europe/Berlin",
        {"Monday": ["13:00-17:30", "08:00–12:00"], 5: "10:00-14:00"},
        holidays=[date(2025, 5, 1)],
        yearly_holidays=[(12, 25)],
    )
    assert calendar.week[0] == (Span.of("08:00", "12:00"), Span.of("13:00", "17:30"))
    assert calendar.week[5] == (Span.of("10:00", "14:00"),)
    assert calendar.week[1] == ()
    assert calendar.holidays == frozenset({date(2025, 5, 1)})
    assert calendar.yearly_holidays == frozenset({(12, 25)})
    assert str(calendar) == "Europe/Berlin: Mon 08:00–12:00, 13:00–17:30; Sat 10:00–14:00"


def test_equal_calendars_are_equal_and_hashable() -> None:
    assert office() == office()
    assert len({office(), office()}) == 1


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("08:00-12:00", 8 * 3600, 12 * 3600),
        ("8:30 – 9:45", 8 * 3600 + 1800, 9 * 3600 + 2700),
        ("20:00-24:00", 20 * 3600, 86_400),
        ("00:00-24:00", 0, 86_400),
        ("09:00:30-09:00:45", 9 * 3600 + 30, 9 * 3600 + 45),
    ],
)
def test_spans_parse_clock_times_up_to_midnight(text: str, start: int, end: int) -> None:
    assert Span.parse(text) == Span(start, end)


def test_a_span_accepts_datetime_times() -> None:
    assert Span.of(time(8), time(12, 30)) == Span(8 * 3600, 12 * 3600 + 1800)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("17:00-09:00", "must start before it ends"),
        ("09:00-09:00", "must start before it ends"),
        ("24:00-24:00", "not within 00:00–24:00"),
        ("08:00-25:00", "not a time between 00:00 and 24:00"),
        ("08:60-09:00", "not a time between 00:00 and 24:00"),
        ("08:00", "not a span like"),
        ("eight-nine", "not a time like"),
    ],
)
def test_a_bad_span_is_refused_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(InvalidCalendar, match=problem) as info:
        Span.parse(text)
    assert info.value.field == "hours"


def test_overlapping_spans_are_refused_naming_the_day_and_the_spans() -> None:
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar.build("UTC", {"tue": ["08:00-12:00", "11:00-13:00"]})
    assert str(info.value) == "Tuesday: 08:00–12:00 overlaps 11:00–13:00."
    assert info.value.field == "hours"


def test_touching_spans_are_allowed() -> None:
    calendar = BusinessCalendar.build("UTC", {"mon": ["08:00-12:00", "12:00-13:00"]})
    assert calendar.nominal_day_us[0] == 5 * 3600 * 1_000_000


def test_an_invalid_calendar_is_a_value_error() -> None:
    assert issubclass(InvalidCalendar, ValueError)


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "", "../etc/passwd", "Europe/", "Europe", "zone.tab"]
)
def test_an_unknown_time_zone_is_refused(zone: str) -> None:
    with pytest.raises(InvalidCalendar) as info:
        BusinessCalendar.build(zone, {"mon": ["09:00-17:00"]})
    assert info.value.field == "time_zone"


def test_a_calendar_without_any_hours_is_refused() -> None:
    with pytest.raises(InvalidCalendar, match="no business hours") as info:
        BusinessCalendar.build("UTC", {})
    assert info.value.field == "hours"


@pytest.mark.parametrize("key", ["funday", 7, -1, "mo"])
def test_an_unknown_weekday_is_refused(key: object) -> None:
    with pytest.raises(InvalidCalendar, match="is not a weekday"):
        BusinessCalendar.build("UTC", {key: ["09:00-17:00"]})  # type: ignore[dict-item]


def test_a_week_needs_seven_days() -> None:
    with pytest.raises(InvalidCalendar, match="seven days"):
        BusinessCalendar("UTC", week=((Span(0, 3600),),) * 5)


@pytest.mark.parametrize("pair", [(2, 30), (13, 1), (0, 5), (4, 31)])
def test_an_impossible_yearly_holiday_is_refused(pair: tuple[int, int]) -> None:
    with pytest.raises(InvalidCalendar) as info:
        office(yearly_holidays=[pair])
    assert info.value.field == "yearly_holidays"


def test_a_holiday_must_be_a_date_not_a_moment() -> None:
    with pytest.raises(InvalidCalendar) as info:
        office(holidays=[datetime(2025, 12, 24, 12)])
    assert info.value.field == "holidays"


def test_the_29th_of_february_is_a_holiday_in_leap_years_only() -> None:
    calendar = office(yearly_holidays=[(2, 29)])
    assert calendar.is_holiday(date(2028, 2, 29))
    assert not calendar.is_holiday(date(2027, 2, 28))
    assert not calendar.is_holiday(date(2027, 3, 1))


def test_one_off_and_yearly_holidays_are_both_holidays() -> None:
    calendar = office(holidays=[date(2025, 5, 1)], yearly_holidays=[(12, 25)])
    assert calendar.is_holiday(date(2025, 5, 1))
    assert not calendar.is_holiday(date(2026, 5, 1))
    assert calendar.is_holiday(date(2025, 12, 25))
    assert calendar.is_holiday(date(2031, 12, 25))


def test_twenty_four_seven_is_open_all_day_every_day() -> None:
    calendar = BusinessCalendar.twenty_four_seven("America/New_York")
    assert calendar.week == ((Span(0, 86_400),),) * 7
    assert calendar.time_zone == "America/New_York"
    assert not calendar.holidays
