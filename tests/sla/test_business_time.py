"""Business-time arithmetic on hand-worked examples: DST in both directions and hemispheres,
holidays, several spans a day, spans ending at midnight, long ranges."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from frontline.sla import (
    BusinessCalendar,
    add_business_seconds,
    add_business_time,
    business_seconds_between,
    business_time_between,
    is_business_time,
    next_business_start,
)

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def nine_to_five(
    zone: str = "Europe/Berlin",
    *,
    holidays: Iterable[date] = (),
    yearly_holidays: Iterable[tuple[int, int]] = (),
) -> BusinessCalendar:
    return BusinessCalendar.build(
        zone,
        {day: "09:00-17:00" for day in WEEKDAYS},
        holidays=holidays,
        yearly_holidays=yearly_holidays,
    )


def berlin(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=BERLIN)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# -- due times -------------------------------------------------------------------------------


def test_a_four_hour_target_opened_friday_at_four_is_due_monday_at_noon() -> None:
    due = add_business_seconds(nine_to_five(), berlin(2025, 6, 13, 16), 4 * HOUR)
    assert due == berlin(2025, 6, 16, 12)
    assert due.tzinfo is UTC


def test_the_march_switch_does_not_change_the_due_time_in_local_hours() -> None:
    # Friday 16:00 CET (15:00 UTC); clocks spring forward on Sunday 30 March.
    start = berlin(2025, 3, 28, 16)
    due = add_business_seconds(nine_to_five(), start, 4 * HOUR)
    assert due == berlin(2025, 3, 31, 12) == utc(2025, 3, 31, 10)
    assert business_seconds_between(nine_to_five(), start, due) == 4 * HOUR
    assert due - start == timedelta(hours=67)  # one wall-clock hour fewer than in June


def test_the_october_switch_does_not_change_the_due_time_in_local_hours() -> None:
    start = berlin(2025, 10, 24, 16)  # CEST, 14:00 UTC; clocks fall back on Sunday 26 October
    due = add_business_seconds(nine_to_five(), start, 4 * HOUR)
    assert due == berlin(2025, 10, 27, 12) == utc(2025, 10, 27, 11)
    assert due - start == timedelta(hours=69)


def test_a_target_that_runs_out_at_closing_time_is_due_at_closing_time() -> None:
    due = add_business_seconds(nine_to_five(), berlin(2025, 6, 13, 16), HOUR)
    assert due == berlin(2025, 6, 13, 17)  # not Monday 09:00


def test_the_clock_starts_at_the_next_opening_when_started_outside_hours() -> None:
    saturday = berlin(2025, 6, 14, 10)
    assert add_business_seconds(nine_to_five(), saturday, HOUR) == berlin(2025, 6, 16, 10)


def test_a_target_of_zero_is_due_at_once_even_outside_hours() -> None:
    saturday = berlin(2025, 6, 14, 10)
    assert add_business_seconds(nine_to_five(), saturday, 0) == saturday


def test_several_spans_a_day_skip_the_lunch_break() -> None:
    calendar = BusinessCalendar.build(
        "Europe/Berlin", {day: ["08:00-12:00", "13:00-17:30"] for day in WEEKDAYS}
    )
    monday = berlin(2025, 6, 16)
    assert business_seconds_between(calendar, monday, berlin(2025, 6, 17)) == 8.5 * HOUR
    assert add_business_seconds(calendar, berlin(2025, 6, 16, 11), 2 * HOUR) == berlin(
        2025, 6, 16, 14
    )
    assert add_business_seconds(calendar, berlin(2025, 6, 16, 11), HOUR) == berlin(2025, 6, 16, 12)


# -- the DST rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "span", "hours"),
    [
        # Clocks skip an hour: only the time that really passes counts.
        ("Europe/Berlin", date(2025, 3, 30), "00:00-06:00", 5),
        ("Europe/Berlin", date(2025, 3, 30), "02:00-03:00", 0),
        ("America/New_York", date(2025, 3, 9), "01:30-02:30", 0.5),
        ("Australia/Sydney", date(2025, 10, 5), "00:00-06:00", 5),
        ("America/Santiago", date(2025, 9, 7), "00:00-02:00", 1),  # the switch is at midnight
        # Clocks repeat an hour: it is open both times round.
        ("Europe/Berlin", date(2025, 10, 26), "00:00-06:00", 7),
        ("Europe/Berlin", date(2025, 10, 26), "02:00-03:00", 2),
        ("America/New_York", date(2025, 11, 2), "01:00-03:00", 3),
        ("Australia/Sydney", date(2025, 4, 6), "00:00-06:00", 7),
        ("America/Santiago", date(2025, 4, 5), "23:00-24:00", 2),
        # Office hours on the day of a night-time switch are unaffected.
        ("Europe/Berlin", date(2025, 3, 30), "09:00-17:00", 8),
        ("Europe/Berlin", date(2025, 10, 26), "09:00-17:00", 8),
        ("America/New_York", date(2025, 3, 9), "09:00-17:00", 8),
    ],
)
def test_a_span_over_a_dst_change_counts_the_real_time_that_passes(
    zone: str, day: date, span: str, hours: float
) -> None:
    calendar = BusinessCalendar.build(zone, {day.weekday(): span})
    around = datetime(day.year, day.month, day.day, tzinfo=UTC)
    total = business_seconds_between(calendar, around - timedelta(days=2), around + timedelta(3))
    assert total == hours * HOUR


@pytest.mark.parametrize(("day", "hours"), [(date(2025, 3, 30), 23), (date(2025, 10, 26), 25)])
def test_twenty_four_seven_counts_the_wall_clock_day(day: date, hours: int) -> None:
    calendar = BusinessCalendar.twenty_four_seven("Europe/Berlin")
    midnight = datetime(day.year, day.month, day.day, tzinfo=BERLIN)
    next_midnight = datetime(day.year, day.month, day.day + 1, tzinfo=BERLIN)
    assert business_seconds_between(calendar, midnight, next_midnight) == hours * HOUR


def test_both_passes_through_a_repeated_hour_are_open() -> None:
    calendar = BusinessCalendar.build("Europe/Berlin", {"sun": "02:00-02:30"})
    assert is_business_time(calendar, utc(2025, 10, 26, 0, 15))  # 02:15 CEST
    assert is_business_time(calendar, utc(2025, 10, 26, 1, 15))  # 02:15 CET
    assert not is_business_time(calendar, utc(2025, 10, 26, 0, 45))  # 02:45 CEST
    assert next_business_start(calendar, utc(2025, 10, 26, 0, 45)) == utc(2025, 10, 26, 1)


# -- holidays ------------------------------------------------------------------------------------


def test_christmas_as_a_yearly_holiday_moves_the_due_time_past_it() -> None:
    calendar = nine_to_five(yearly_holidays=[(12, 25)])
    christmas_eve = berlin(2026, 12, 24, 16)  # a Thursday; the 25th is a Friday
    assert add_business_seconds(calendar, christmas_eve, 4 * HOUR) == berlin(2026, 12, 28, 12)
    assert add_business_seconds(calendar, berlin(2031, 12, 24, 16), 4 * HOUR) == berlin(
        2031, 12, 26, 12
    )


def test_a_one_off_holiday_adds_to_the_yearly_ones() -> None:
    calendar = nine_to_five(yearly_holidays=[(12, 25)], holidays=[date(2026, 12, 28)])
    due = add_business_seconds(calendar, berlin(2026, 12, 24, 16), 4 * HOUR)
    assert due == berlin(2026, 12, 29, 12)


def test_a_holiday_is_a_whole_local_date_in_the_calendars_zone() -> None:
    new_york = BusinessCalendar.build(
        "America/New_York",
        {day: "00:00-24:00" for day in range(7)},
        holidays=[date(2025, 12, 25)],
    )
    assert is_business_time(new_york, utc(2025, 12, 25, 4, 59))  # 24 Dec, 23:59 in New York
    assert not is_business_time(new_york, utc(2025, 12, 25, 5))  # 25 Dec, 00:00
    assert not is_business_time(new_york, utc(2025, 12, 26, 4, 59))
    assert is_business_time(new_york, utc(2025, 12, 26, 5))
    assert business_seconds_between(new_york, utc(2025, 12, 24), utc(2025, 12, 27)) == 48 * HOUR


# -- spans ending at midnight --------------------------------------------------------------------


def test_a_span_ending_at_midnight_runs_on_into_the_next_days_span() -> None:
    calendar = BusinessCalendar.build("UTC", {"mon": "20:00-24:00", "tue": "00:00-04:00"})
    assert business_seconds_between(calendar, utc(2025, 6, 2, 22), utc(2025, 6, 3, 2)) == 4 * HOUR
    assert add_business_seconds(calendar, utc(2025, 6, 2, 23), HOUR) == utc(2025, 6, 3)
    assert add_business_seconds(calendar, utc(2025, 6, 2, 23), 2 * HOUR) == utc(2025, 6, 3, 1)
    assert is_business_time(calendar, utc(2025, 6, 3))
    assert not is_business_time(calendar, utc(2025, 6, 3, 4))


# -- instants ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "opening"),
    [
        (berlin(2025, 6, 14, 10), berlin(2025, 6, 16, 9)),  # Saturday → Monday
        (berlin(2025, 6, 17, 10), berlin(2025, 6, 17, 10)),  # open: the moment itself
        (berlin(2025, 6, 13, 17), berlin(2025, 6, 16, 9)),  # closing time is closed
        (berlin(2025, 6, 13, 8, 59, 59), berlin(2025, 6, 13, 9)),
    ],
)
def test_next_business_start(moment: datetime, opening: datetime) -> None:
    assert next_business_start(nine_to_five(), moment) == opening
    assert is_business_time(nine_to_five(), moment) == (moment == opening)


# -- long ranges ---------------------------------------------------------------------------------


def test_a_whole_year_counts_its_working_days() -> None:
    calendar = nine_to_five(yearly_holidays=[(12, 25), (1, 1)])
    # 2025 has 261 weekdays; New Year's Day (Wednesday) and Christmas (Thursday) are off.
    year = business_seconds_between(calendar, berlin(2025, 1, 1), berlin(2026, 1, 1))
    assert year == 259 * 8 * HOUR
    assert add_business_seconds(calendar, berlin(2025, 1, 1), year) == berlin(2025, 12, 31, 17)


def test_decades_add_up_year_by_year() -> None:
    calendar = nine_to_five("America/New_York", yearly_holidays=[(7, 4), (12, 25)])
    years = [datetime(y, 1, 1, tzinfo=ZoneInfo("America/New_York")) for y in range(2020, 2041)]
    by_year = sum(business_seconds_between(calendar, a, b) for a, b in pairwise(years))
    assert business_seconds_between(calendar, years[0], years[-1]) == by_year
    assert add_business_seconds(calendar, years[0], by_year) <= years[-1]


# -- contract --------------------------------------------------------------------------------


def test_any_aware_datetime_is_accepted_and_utc_comes_back() -> None:
    due = add_business_time(nine_to_five(), berlin(2025, 6, 16, 9), timedelta(minutes=90))
    assert due.tzinfo is UTC
    assert due == utc(2025, 6, 16, 8, 30)
    assert next_business_start(nine_to_five(), berlin(2025, 6, 14)).tzinfo is UTC


def test_sub_second_amounts_are_exact() -> None:
    start = berlin(2025, 6, 13, 16, 59, 59, 250_000)
    assert business_time_between(nine_to_five(), start, berlin(2025, 6, 16, 9, 0, 1)) == (
        timedelta(seconds=1, microseconds=750_000)
    )
    assert business_seconds_between(nine_to_five(), start, berlin(2025, 6, 16, 9, 0, 1)) == 1


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2025, 6, 16, 9)
    calendar = nine_to_five()
    with pytest.raises(ValueError, match="Naive datetime"):
        business_seconds_between(calendar, naive, berlin(2025, 6, 17))
    with pytest.raises(ValueError, match="Naive datetime"):
        add_business_seconds(calendar, naive, 60)
    with pytest.raises(ValueError, match="Naive datetime"):
        is_business_time(calendar, naive)
    with pytest.raises(ValueError, match="Naive datetime"):
        next_business_start(calendar, naive)


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError, match="whole number ≥ 0"):
        add_business_seconds(nine_to_five(), berlin(2025, 6, 16), -1)
    with pytest.raises(ValueError, match="negative"):
        add_business_time(nine_to_five(), berlin(2025, 6, 16), timedelta(microseconds=-1))


def test_a_calendar_closed_for_good_says_so_instead_of_searching_forever() -> None:
    leap_year = [date(2028, 1, 1) + timedelta(days=n) for n in range(366)]
    calendar = nine_to_five(yearly_holidays=[(day.month, day.day) for day in leap_year])
    with pytest.raises(ValueError, match="no business time"):
        add_business_seconds(calendar, berlin(2025, 6, 16), HOUR)
    with pytest.raises(ValueError, match="no business time"):
        add_business_seconds(calendar, berlin(2025, 6, 16), 10**9)  # the week-jumping path
    with pytest.raises(ValueError, match="no business time"):
        next_business_start(calendar, berlin(2025, 6, 16))
