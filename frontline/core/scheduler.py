"""Periodic jobs. Each job runs at most once per period however many schedulers are running:
a scheduler claims the period by inserting a (job, slot) row, and the unique constraint lets
only one insert win. Jobs are enqueued as tasks, so the workers do the work."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import db
from django.db import IntegrityError, transaction
from django.utils import timezone

from frontline.core.models import ScheduledRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    enqueue: Callable[[], Any]


_jobs: dict[str, Job] = {}


def every(seconds: int, name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register ``enqueue`` (a function that enqueues the job's task) to run every N seconds."""

    def register(func: Callable[[], Any]) -> Callable[[], Any]:
        _jobs[name] = Job(name=name, every_seconds=seconds, enqueue=func)
        return func

    return register


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def claim(job: Job, now: float) -> bool:
    """True if this scheduler won the job's current period."""
    slot = int(now // job.every_seconds) * job.every_seconds
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(job=job.name, slot=slot)
    except IntegrityError:
        return False
    return True


def tick(now: float | None = None) -> list[str]:
    """Enqueue every job whose current period nobody has claimed yet; return their names."""
    now = time.time() if now is None else now
    fired = []
    for job in jobs():
        if claim(job, now):
            try:
                job.enqueue()
                fired.append(job.name)
            except Exception:
                log.exception("could not enqueue periodic job %s", job.name)
    return fired


def prune(older_than_seconds: int = 7 * 86400) -> int:
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    deleted, _ = ScheduledRun.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def run_forever(interval: float = 5.0) -> None:  # pragma: no cover - a loop around tick()
    """Tick every ``interval`` seconds until stopped. A failing tick (the database busy or
    briefly away) is logged and retried on the next one: the scheduler never dies of it."""
    log.info("scheduler started with jobs: %s", ", ".join(j.name for j in jobs()))
    last_prune = 0.0
    while True:
        try:
            tick()
            if time.time() - last_prune > 3600:
                prune()
                last_prune = time.time()
        except Exception:
            log.exception("scheduler tick failed; trying again in %.0f s", interval)
            db.close_old_connections()
        time.sleep(interval)
