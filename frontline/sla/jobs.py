"""SLA periodic job: clocks cross their warning and due times without any ticket event, so
a minute-by-minute sweep records sla_warning / sla_breached (each exactly once)."""

from __future__ import annotations

from django.tasks import task

from frontline.core.scheduler import every
from frontline.sla import services


@task()
def fire_sla_timers() -> int:
    """Record the warnings and breaches that fell due; return how many."""
    return services.sla_fire_due()


@every(60, "sla-timers")
def sla_timers() -> None:
    fire_sla_timers.enqueue()
