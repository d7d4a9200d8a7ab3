"""Display filters for report numbers: durations, percentages, ratings."""

from __future__ import annotations

from typing import Any

from django import template

from frontline.reports import charts

register = template.Library()


@register.filter
def duration(seconds: Any) -> str:
    """Seconds as 45 s / 12 min / 3.5 h / 2.1 d; — for none."""
    return charts.duration(None if seconds is None else float(seconds))


@register.filter
def percent(share: Any) -> str:
    """A share (0..1) as a percentage; — for none."""
    return charts.percent(None if share is None else float(share))


@register.filter
def decimal2(value: Any) -> str:
    return "—" if value is None else f"{float(value):.2f}"


@register.filter
def get(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
