"""``{% sla_badge ticket %}`` and ``{% sla_details ticket %}``: a ticket's SLA in the desk."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from frontline.sla.models import METRICS, ClockState, Metric
from frontline.sla.selectors import badge, format_duration, live_state, sla_of, tier_periods

register = template.Library()


@register.inclusion_tag("sla/_badge.html")
def sla_badge(ticket: Any) -> dict[str, Any]:
    """The badge of the most urgent clock (reads the loaded ``sla`` row)."""
    return {"badge": badge(sla_of(ticket))}


@register.inclusion_tag("sla/_details.html")
def sla_details(ticket: Any) -> dict[str, Any]:
    """Each clock's state, due and met times, and the time spent at each tier."""
    row = sla_of(ticket)
    if row is None:
        return {"rows": []}
    now = timezone.now()
    rows = []
    for metric in METRICS:
        state = live_state(row, metric, now)
        if not state:
            continue
        paused = getattr(row, f"{metric}_paused_seconds")
        rows.append(
            {
                "label": Metric(metric).label,
                "state": ClockState(state).label,
                "due_at": getattr(row, f"{metric}_due_at"),
                "met_at": getattr(row, f"{metric}_met_at"),
                "paused": format_duration(paused) if paused else "",
            }
        )
    periods = list(tier_periods(ticket))
    for period in periods:
        seconds = period.business_seconds
        period.business = format_duration(seconds) if seconds else ""  # type: ignore[attr-defined]
    return {"rows": rows, "policy": row.policy.name, "periods": periods}
