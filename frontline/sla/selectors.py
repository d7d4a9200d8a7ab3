"""Reading SLA state: a ticket's row, the badge the desk shows, the API shape, tier periods.

Nothing here queries per ticket of a page: lists prefetch ``sla`` (one query) and these
functions read what is loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone

from frontline.sla.models import METRICS, ClockState, TicketSla, TierPeriod
from frontline.tickets.models import Ticket

LIVE = (ClockState.RUNNING, ClockState.BREACHED)


def sla_of(ticket: Ticket) -> TicketSla | None:
    """The ticket's SLA row (from the prefetch cache when loaded), or ``None``."""
    try:
        row: TicketSla = ticket.sla
        return row
    except ObjectDoesNotExist:
        return None


def sla_rows(ticket_ids: list[int]) -> dict[int, TicketSla]:
    """SLA rows of many tickets in one query, by ticket id."""
    return {row.ticket_id: row for row in TicketSla.objects.filter(ticket_id__in=ticket_ids)}


def tier_periods(ticket: Ticket) -> QuerySet[TierPeriod]:
    """Time spent at each team and tier, oldest first."""
    return TierPeriod.objects.filter(ticket=ticket).select_related("team").order_by("started_at")


def live_state(row: TicketSla, metric: str, now: dt.datetime) -> str:
    """The stored state, promoted to "breached" once a running clock's due time has passed
    (between recomputes, the periodic job flags it within a minute)."""
    state = str(getattr(row, f"{metric}_state"))
    due = getattr(row, f"{metric}_due_at")
    if state == ClockState.RUNNING and due is not None and due < now:
        return ClockState.BREACHED
    return state


def format_duration(seconds: float) -> str:
    """A short human duration: "45m", "3h 05m", "2d 4h"."""
    seconds = int(abs(seconds))
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


@dataclass(frozen=True)
class Badge:
    """What the desk shows for a ticket's SLA: the most urgent clock."""

    kind: str  # "overdue", "warning", "due", "paused" or "met"
    text: str
    title: str
    due_at: dt.datetime | None


def badge(row: TicketSla | None, now: dt.datetime | None = None) -> Badge | None:
    """The badge of the most urgent clock: overdue first, then the earliest due, then
    paused; "met" when every tracked clock is met; ``None`` without an SLA."""
    if row is None:
        return None
    now = now or timezone.now()
    live: list[tuple[dt.datetime, str]] = []
    paused: list[str] = []
    tracked = 0
    for metric in METRICS:
        state = live_state(row, metric, now)
        if state:
            tracked += 1
        due = getattr(row, f"{metric}_due_at")
        if state in LIVE and due is not None:
            live.append((due, metric))
        elif state == ClockState.PAUSED:
            paused.append(metric)
    if live:
        due, metric = min(live)
        name = metric.replace("_", " ")
        if due < now:
            late = format_duration((now - due).total_seconds())
            return Badge("overdue", f"Overdue {late}", f"{name} was due {due:%Y-%m-%d %H:%M}", due)
        warning_at = getattr(row, f"{metric}_warning_at")
        kind = "warning" if warning_at is not None and warning_at <= now else "due"
        left = format_duration((due - now).total_seconds())
        return Badge(kind, f"Due in {left}", f"{name} due {due:%Y-%m-%d %H:%M} UTC", due)
    if paused:
        metric = paused[0]
        remaining: int = getattr(row, f"{metric}_remaining_seconds") or 0
        text = f"Paused, {format_duration(max(remaining, 0))} left"
        return Badge("paused", text, f"{metric.replace('_', ' ')} clock paused", None)
    if tracked:
        return Badge("met", "SLA met", "Every SLA target is met", None)
    return None


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def sla_out(ticket: Ticket, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """The API shape of a ticket's SLA (``TicketSlaOut``), from the loaded row."""
    row = sla_of(ticket)
    if row is None:
        return None
    now = now or timezone.now()
    data: dict[str, Any] = {
        "policy": row.policy_id,
        "next_due_at": _iso(row.next_due_at),
        "computed_at": _iso(row.computed_at),
    }
    for metric in METRICS:
        state = live_state(row, metric, now)
        if not state:
            data[metric] = None
            continue
        data[metric] = {
            "state": state,
            "target_seconds": getattr(row, f"{metric}_target_seconds"),
            "started_at": _iso(getattr(row, f"{metric}_started_at")),
            "due_at": _iso(getattr(row, f"{metric}_due_at")),
            "warning_at": _iso(getattr(row, f"{metric}_warning_at")),
            "breached_at": _iso(
                getattr(row, f"{metric}_breached_at")
                or (getattr(row, f"{metric}_due_at") if state == ClockState.BREACHED else None)
            ),
            "met_at": _iso(getattr(row, f"{metric}_met_at")),
            "remaining_seconds": getattr(row, f"{metric}_remaining_seconds"),
            "paused_seconds": getattr(row, f"{metric}_paused_seconds"),
            "warned": getattr(row, f"{metric}_warning_fired_at") is not None,
        }
    return data
