"""The SLA clock on hand-worked examples: Berlin office hours 09:00–17:00, Monday to Friday,
a 4-business-hour target started Monday 2 June 2025 at 09:00, warning at 75%."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from frontline.sla import BusinessCalendar, SlaClock

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600
OFFICE = BusinessCalendar.build(
    "Europe/Berlin", {day: "09:00-17:00" for day in ["mon", "tue", "wed", "thu", "fri"]}
)


def monday(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, 6, 2, hour, minute, second, tzinfo=BERLIN)


def clock(
    *pauses: tuple[datetime, datetime | None], target: int = 4 * HOUR, share: float | None = 0.75
) -> SlaClock:
    return SlaClock(OFFICE, target, monday(9), list(pauses), share)


def test_a_running_clock_counts_business_time_and_projects_its_due_and_warning_times() -> None:
    state = clock().state(monday(11))
    assert state.elapsed_seconds == 2 * HOUR
    assert state.remaining_seconds == 2 * HOUR
    assert state.paused_seconds == 0
    assert not state.paused
    assert state.due_at == monday(13)
    assert state.warning_at == monday(12)
    assert not state.warned
    assert not state.breached
    assert state.now == monday(11)
    assert state.now.tzinfo is UTC


def test_the_warning_fires_at_three_quarters_of_the_target() -> None:
    assert not clock().state(monday(11, 59, 59)).warned
    assert clock().state(monday(12)).warned


def test_meeting_the_target_at_the_due_time_is_on_time_and_a_moment_later_is_a_breach() -> None:
    at_due = clock().state(monday(13))
    assert at_due.remaining_seconds == 0
    assert not at_due.breached
    assert at_due.breached_at is None

    late = clock().state(monday(13, 0, 1))
    assert late.breached
    assert late.breached_at == monday(13)
    assert late.remaining_seconds == -1


def test_a_breached_clock_counts_how_far_over_it_is_in_business_time() -> None:
    state = clock().state(datetime(2025, 6, 3, 10, tzinfo=BERLIN))  # Tuesday 10:00
    assert state.breached
    assert state.remaining_seconds == -5 * HOUR  # 13:00–17:00 Monday, 09:00–10:00 Tuesday


def test_a_pause_from_ten_to_half_past_eleven_moves_the_due_time_by_an_hour_and_a_half() -> None:
    paused = clock((monday(10), monday(11, 30)))
    state = paused.state(monday(12))
    assert state.due_at == monday(14, 30)
    assert state.warning_at == monday(13, 30)
    assert state.elapsed_seconds == int(1.5 * HOUR)  # 09:00–10:00 and 11:30–12:00
    assert state.paused_seconds == int(1.5 * HOUR)
    assert state.remaining_seconds == int(2.5 * HOUR)
    assert not state.paused


def test_while_paused_the_due_time_is_unknown_and_the_remaining_time_frozen() -> None:
    paused = clock((monday(10), None))
    at_noon, at_three = paused.state(monday(12)), paused.state(monday(15))
    for state in (at_noon, at_three):
        assert state.paused
        assert state.paused_since == monday(10)
        assert state.due_at is None
        assert state.warning_at is None  # 3 hours are needed, 1 has passed
        assert state.remaining_seconds == 3 * HOUR
        assert not state.breached
    assert at_three.paused_seconds == 5 * HOUR


def test_a_pause_is_open_until_now_reaches_its_end() -> None:
    # The same history looked at during the pause and after it.
    history = clock((monday(10), monday(11, 30)))
    during = history.state(monday(11))
    assert during.paused
    assert during.due_at is None
    after = history.state(monday(11, 30))
    assert not after.paused
    assert after.due_at == monday(14, 30)


def test_a_pause_that_begins_after_the_target_was_missed_keeps_the_breach() -> None:
    state = clock((monday(14), None)).state(monday(16))
    assert state.paused
    assert state.due_at == monday(13)
    assert state.breached
    assert state.breached_at == monday(13)
    assert state.remaining_seconds == -HOUR  # 13:00–14:00, then paused


def test_pauses_outside_business_hours_change_nothing() -> None:
    evening_to_morning = (monday(18), datetime(2025, 6, 3, 8, tzinfo=BERLIN))
    two_days = clock(evening_to_morning, target=16 * HOUR)
    state = two_days.state(datetime(2025, 6, 3, 12, tzinfo=BERLIN))
    assert state.due_at == datetime(2025, 6, 3, 17, tzinfo=BERLIN)
    assert state.paused_seconds == 0


def test_overlapping_pauses_count_once_and_parts_before_the_start_are_ignored() -> None:
    overlapping = clock(
        (monday(10, 30), monday(11, 30)), (monday(10), monday(11)), (monday(7), monday(9, 30))
    )
    state = overlapping.state(monday(12))
    assert state.paused_seconds == 2 * HOUR  # 09:00–09:30 and 10:00–11:30
    assert state.due_at == monday(15)


def test_an_empty_pause_is_no_pause() -> None:
    assert clock((monday(10), monday(10))).state(monday(12)).due_at == monday(13)


def test_a_target_of_zero_is_due_at_the_start() -> None:
    zero = clock(target=0)
    assert zero.state(monday(9)).due_at == monday(9)
    assert not zero.state(monday(9)).breached
    assert zero.state(monday(9, 0, 1)).breached


def test_without_a_warning_share_there_is_no_warning() -> None:
    state = clock(share=None).state(monday(16))
    assert state.warning_at is None
    assert not state.warned
    assert clock(share=None).warning_seconds is None


def test_looking_before_the_start_projects_from_the_start() -> None:
    state = clock().state(monday(8))
    assert state.elapsed_seconds == 0
    assert state.due_at == monday(13)


def test_a_clock_across_the_october_switch_with_a_pause() -> None:
    # Friday 24 October 16:00 CEST, 8 business hours; paused Monday 09:00–10:00 (CET by then).
    start = datetime(2025, 10, 24, 16, tzinfo=BERLIN)
    pause = (datetime(2025, 10, 27, 9, tzinfo=BERLIN), datetime(2025, 10, 27, 10, tzinfo=BERLIN))
    sla = SlaClock(OFFICE, 8 * HOUR, start, [pause], 0.5)
    state = sla.state(datetime(2025, 10, 27, 12, tzinfo=BERLIN))
    assert state.due_at == datetime(2025, 10, 27, 17, tzinfo=BERLIN)
    assert state.warning_at == datetime(2025, 10, 27, 13, tzinfo=BERLIN)
    assert state.elapsed_seconds == 3 * HOUR
    assert state.paused_seconds == HOUR


def test_a_list_of_pauses_becomes_a_tuple_so_the_clock_is_hashable() -> None:
    sla = clock((monday(10), None))
    assert isinstance(sla.pauses, tuple)
    assert hash(sla) == hash(clock((monday(10), None)))


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"target_seconds": -1}, "whole seconds ≥ 0"),
        ({"target_seconds": 1.5}, "whole seconds ≥ 0"),
        ({"started_at": datetime(2025, 6, 2, 9)}, "Naive datetime"),
        ({"warning_share": 0}, "warning share"),
        ({"warning_share": 1.5}, "warning share"),
        ({"pauses": [(monday(11), monday(10))]}, "ends before it begins"),
        ({"pauses": [(datetime(2025, 6, 2, 10), None)]}, "Naive datetime"),
        ({"pauses": [(monday(10),)]}, "pair"),
    ],
)
def test_invalid_clocks_are_refused(kwargs: dict[str, object], problem: str) -> None:
    arguments: dict[str, object] = {
        "calendar": OFFICE,
        "target_seconds": HOUR,
        "started_at": monday(9),
        **kwargs,
    }
    with pytest.raises(ValueError, match=problem):
        SlaClock(**arguments)  # type: ignore[arg-type]


def test_the_state_of_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="Naive datetime"):
        clock().state(datetime(2025, 6, 2, 12))
