"""SLA maths benchmark: per-call cost of the business-time engine and of SLA clocks.

    uv run python bench/sla_bench.py            # the defaults: 20 000 calls a case, 100 000 clocks
    uv run python bench/sla_bench.py --calls 5000 --clocks 10000 --seed 7

Pure Python, no database. Prints, per case, the mean and the 50th/99th percentile time of
one call, measured over random inputs drawn from a few realistic calendars (Berlin office
hours with holidays, New York with a lunch break, Sydney, 24×7 UTC):

- business_seconds_between over a typical range (up to 5 days) and a long one (about a year);
- add_business_seconds for a typical target (up to 3 business days) and a long one (a
  business year, i.e. a due time about a year out);
- SlaClock.state for N random clocks (0–2 pauses, some still paused, warning at 75%), as the
  SLA services would recompute every open ticket: the total time and the time per clock.

The first call in a zone loads that zone's offset changes for the years it touches (a few
hundred microseconds per zone and year, once per process); that cold cost is reported
separately and excluded from the per-call figures.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial

from frontline.sla import (
    BusinessCalendar,
    SlaClock,
    add_business_seconds,
    business_seconds_between,
)
from frontline.sla.zones import zone_table

HOUR = 3600
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
NOW = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)  # a Monday just after Europe's spring switch


def calendars() -> list[BusinessCalendar]:
    german_holidays = [(1, 1), (5, 1), (10, 3), (12, 24), (12, 25), (12, 26), (12, 31)]
    easter = [date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)]
    return [
        BusinessCalendar.build(
            "Europe/Berlin",
            {day: "09:00-17:00" for day in WEEKDAYS},
            holidays=easter,
            yearly_holidays=german_holidays,
        ),
        BusinessCalendar.build(
            "America/New_York",
            {day: ["08:00-12:00", "13:00-17:30"] for day in WEEKDAYS},
            yearly_holidays=[(1, 1), (7, 4), (12, 25)],
        ),
        BusinessCalendar.build(
            "Australia/Sydney",
            {**{day: "08:30-17:00" for day in WEEKDAYS}, "sat": "09:00-12:00"},
            yearly_holidays=[(1, 26), (4, 25), (12, 25), (12, 26)],
        ),
        BusinessCalendar.twenty_four_seven("UTC"),
    ]


def instant(rng: random.Random) -> datetime:
    """A random moment in the 60 days before NOW, to the microsecond."""
    return NOW - timedelta(microseconds=rng.randrange(60 * 86_400 * 1_000_000))


def timed(calls: list[Callable[[], object]]) -> tuple[list[float], float]:
    """Wall-clock seconds taken by each call, and the CPU seconds of them all."""
    clock = time.perf_counter
    timings = []
    cpu = time.process_time()
    for call in calls:
        started = clock()
        call()
        timings.append(clock() - started)
    return timings, time.process_time() - cpu


def report(name: str, measured: tuple[list[float], float]) -> None:
    timings, cpu = measured
    ordered = sorted(timings)
    mean = statistics.fmean(ordered) * 1e6
    p50 = ordered[len(ordered) // 2] * 1e6
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e6
    cpu_mean = cpu / len(ordered) * 1e6
    print(f"  {name:<50} {mean:8.1f} {cpu_mean:8.1f} {p50:8.1f} {p99:8.1f} {len(ordered):>8,}")


def warm_up(cals: list[BusinessCalendar]) -> float:
    """Load every zone's offset changes for the years the benchmark touches; the seconds."""
    started = time.perf_counter()
    for calendar in cals:
        table = zone_table(calendar.zone)
        for year in range(2024, 2030):
            table.offset_at(int((datetime(year, 6, 1, tzinfo=UTC).timestamp()) * 1_000_000))
    return time.perf_counter() - started


def random_clock(rng: random.Random, cals: list[BusinessCalendar]) -> SlaClock:
    started = NOW - timedelta(seconds=rng.randrange(30 * 86_400))
    target = rng.choice([1, 2, 4, 8, 24, 40]) * HOUR
    pauses: list[tuple[datetime, datetime | None]] = []
    moment = started
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        begin = moment + timedelta(seconds=rng.randrange(3 * 86_400))
        if begin >= NOW:
            break
        end = begin + timedelta(seconds=rng.randrange(2 * 86_400))
        if end >= NOW or rng.random() < 0.15:
            pauses.append((begin, None))
            break
        pauses.append((begin, end))
        moment = end
    return SlaClock(rng.choice(cals), target, started, pauses, 0.75)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000, help="random calls per case")
    parser.add_argument("--clocks", type=int, default=100_000, help="SLA clocks to recompute")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cals = calendars()

    print(f"Python {platform.python_version()} on {platform.machine()}, seed {args.seed}")
    print(f"cold start: zone offset tables for 4 zones × 6 years: {warm_up(cals) * 1e3:.1f} ms")
    print("  times per call in µs: wall-clock mean, CPU mean, wall-clock p50 and p99")
    print(f"  {'case':<50} {'mean':>8} {'cpu':>8} {'p50':>8} {'p99':>8} {'calls':>8}")

    def between(days: tuple[float, float]) -> list[Callable[[], object]]:
        calls: list[Callable[[], object]] = []
        for _ in range(args.calls):
            calendar, start = rng.choice(cals), instant(rng)
            end = start + timedelta(days=rng.uniform(*days))
            calls.append(partial(business_seconds_between, calendar, start, end))
        return calls

    def adding(seconds: tuple[int, int]) -> list[Callable[[], object]]:
        calls: list[Callable[[], object]] = []
        for _ in range(args.calls):
            calendar, start = rng.choice(cals), instant(rng)
            amount = rng.randint(*seconds)
            calls.append(partial(add_business_seconds, calendar, start, amount))
        return calls

    report("business_seconds_between, range ≤ 5 days", timed(between((0, 5))))
    report("business_seconds_between, range 300–400 days", timed(between((300, 400))))
    report("add_business_seconds, target ≤ 3 business days", timed(adding((1, 24 * HOUR))))
    report(
        "add_business_seconds, a business year (~1 year out)",
        timed(adding((2000 * HOUR, 2100 * HOUR))),
    )

    clocks = [random_clock(rng, cals) for _ in range(args.clocks)]
    report(
        "SlaClock.state, one random clock",
        timed([partial(sla.state, NOW) for sla in clocks[: args.calls]]),
    )
    wall, cpu = time.perf_counter(), time.process_time()
    states = [sla.state(NOW) for sla in clocks]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    breached = sum(state.breached for state in states)
    paused = sum(state.paused for state in states)
    print(
        f"recomputing {args.clocks:,} clocks: {wall:.2f} s wall-clock ({cpu:.2f} s CPU), "
        f"{wall / args.clocks * 1e6:.1f} µs a clock; {breached:,} breached, {paused:,} paused"
    )


if __name__ == "__main__":
    main()
