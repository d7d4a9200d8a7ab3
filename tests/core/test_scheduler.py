"""Periodic jobs fire once per period however many schedulers tick."""

from __future__ import annotations

from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from frontline.core import scheduler
from frontline.core.models import ScheduledRun
from frontline.tickets.models import TicketEvent
from frontline.tickets.services import ticket_create
from tests.conftest import World

NOON = 1_767_268_800.0  # 2026-01-01T12:00:00Z, a multiple of 60


class Counter:
    def __init__(self) -> None:
        self.runs = 0

    def __call__(self) -> None:
        self.runs += 1


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> dict[str, Counter]:
    """Two test jobs in place of the real ones (which are restored afterwards)."""
    monkeypatch.setattr(scheduler, "_jobs", {})
    minutely, hourly = Counter(), Counter()
    scheduler.every(60, "minutely")(minutely)
    scheduler.every(3600, "hourly")(hourly)
    return {"minutely": minutely, "hourly": hourly}


def test_each_job_fires_once_per_period_even_with_two_schedulers(
    db: None, jobs: dict[str, Counter]
) -> None:
    first = scheduler.tick(NOON)
    second = scheduler.tick(NOON + 1)  # another scheduler, same period
    assert first == ["hourly", "minutely"]
    assert second == []
    assert jobs["minutely"].runs == 1
    assert jobs["hourly"].runs == 1


def test_a_job_fires_again_in_the_next_period(db: None, jobs: dict[str, Counter]) -> None:
    scheduler.tick(NOON)
    scheduler.tick(NOON + 59)
    assert scheduler.tick(NOON + 60) == ["minutely"]
    assert scheduler.tick(NOON + 61) == []
    assert scheduler.tick(NOON + 3600) == ["hourly", "minutely"]
    assert jobs["minutely"].runs == 3
    assert jobs["hourly"].runs == 2


def test_a_job_that_cannot_be_enqueued_does_not_stop_the_others(
    db: None, jobs: dict[str, Counter]
) -> None:
    def broken() -> None:
        raise ConnectionError("broker down")

    scheduler.every(60, "aaa-broken")(broken)
    assert scheduler.tick(NOON) == ["hourly", "minutely"]
    assert jobs["minutely"].runs == 1


def test_prune_forgets_old_periods_only(db: None, jobs: dict[str, Counter]) -> None:
    scheduler.tick(NOON)
    ScheduledRun.objects.filter(job="hourly").update(created_at="2000-01-01T00:00:00Z")
    assert scheduler.prune(older_than_seconds=3600) == 1
    assert list(ScheduledRun.objects.values_list("job", flat=True)) == ["minutely"]


def test_the_real_schedule_sweeps_undispatched_events(world: World) -> None:
    ticket_create(actor=world.alice, title="Left behind by a crashed worker")
    assert TicketEvent.objects.filter(dispatched_at__isnull=True).count() == 1
    assert "dispatch-sweep" in scheduler.tick(NOON)
    assert TicketEvent.objects.filter(dispatched_at__isnull=True).count() == 0


@time_machine.travel(NOON + 5, tick=False)
def test_scheduler_command_ticks_once(db: None, jobs: dict[str, Counter]) -> None:
    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert out.getvalue().strip() == "fired: hourly, minutely"
    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert out.getvalue().strip() == "fired: nothing"
