"""Automation periodic jobs: time rules, and tickets held by unavailable agents going back to
the queue."""

from __future__ import annotations

from django.tasks import task

from frontline.automation import engine, routing
from frontline.core.scheduler import every


@task()
def run_time_rules() -> int:
    """Fire the time rules that are due; return how many firings."""
    return engine.run_time_rules()


@task()
def release_unavailable() -> int:
    """Unassign tickets held by agents unavailable for longer than their team allows."""
    return routing.release_unavailable()


@every(300, "automation-time-rules")
def time_rules() -> None:
    run_time_rules.enqueue()


@every(300, "automation-release-unavailable")
def release() -> None:
    release_unavailable.enqueue()
