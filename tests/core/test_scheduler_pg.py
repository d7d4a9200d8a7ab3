"""Two schedulers on PostgreSQL, each with its own connection, ticking through the same
periods at the same instants: every job fires exactly once per period."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from frontline.core import scheduler

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]

START = 1_767_268_800.0  # 2026-01-01T12:00:00Z, a multiple of 3600
PERIODS = 30  # half an hour of minutes


def test_two_schedulers_fire_each_job_once_per_period(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "_jobs", {})
    fired: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()

    def job(name: str, seconds: int) -> None:
        def enqueue() -> None:
            with lock:
                fired[(name, int(now[threading.current_thread().name]) // seconds)] += 1

        scheduler.every(seconds, name)(enqueue)

    now: dict[str, float] = {}
    job("minutely", 60)
    job("five-minutely", 300)
    job("hourly", 3600)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run_scheduler() -> None:
        me = threading.current_thread().name
        try:
            for minute in range(PERIODS):
                now[me] = START + minute * 60 + 1
                barrier.wait(timeout=10)  # both tick the same period at the same instant
                scheduler.tick(now[me])
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_scheduler, name=f"scheduler-{i}") for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert all(count == 1 for count in fired.values()), fired
    assert sum(1 for name, _ in fired if name == "minutely") == PERIODS
    assert sum(1 for name, _ in fired if name == "five-minutely") == PERIODS // 5
    assert sum(1 for name, _ in fired if name == "hourly") == 1
