"""Plain-dict snapshots of tickets and events, the input of the pure condition module.

``snapshots`` loads many tickets in a fixed number of queries (the dry run and the time sweep
use it); ``snapshot`` is one ticket. Business time in the current status is measured on the
calendar of the ticket's SLA policy (24×7 when it has none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from frontline.sla.business_time import business_seconds_between
from frontline.sla.calendar import SECONDS_PER_DAY, BusinessCalendar
from frontline.sla.models import TicketSla
from frontline.tickets.models import Category, Ticket, TicketEvent

TWENTY_FOUR_SEVEN = BusinessCalendar.twenty_four_seven()


def with_status_since(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Annotate ``status_since``: when the ticket's last status change happened."""
    last_change = (
        TicketEvent.objects.filter(ticket_id=OuterRef("pk"), kind__in=("status_changed", "merged"))
        .order_by("-at", "-id")
        .values("at")[:1]
    )
    return queryset.annotate(status_since=Subquery(last_change))


def business_day_seconds(calendar: BusinessCalendar) -> int:
    """The length of a business day: the longest day of the calendar's week (24 h for 24×7)."""
    longest = max((sum(span.seconds for span in day) for day in calendar.week), default=0)
    return longest or SECONDS_PER_DAY


def _calendars(ticket_ids: list[int]) -> dict[int, BusinessCalendar]:
    rows = TicketSla.objects.filter(ticket_id__in=ticket_ids).select_related("policy__calendar")
    return {row.ticket_id: row.policy.calendar.business_calendar() for row in rows}


def _category_paths(tickets: Iterable[Ticket]) -> dict[int, list[int]]:
    """Ancestor chains (root … self) of the tickets' categories, from one query."""
    parents = dict(Category.objects.values_list("id", "parent_id"))
    paths: dict[int, list[int]] = {}
    for ticket in tickets:
        if ticket.category_id is None or ticket.category_id in paths:
            continue
        chain: list[int] = []
        node: int | None = ticket.category_id
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        paths[ticket.category_id] = list(reversed(chain))
    return paths


def snapshots(tickets: list[Ticket], now: dt.datetime | None = None) -> dict[int, dict[str, Any]]:
    """Snapshots by ticket id. Tickets should come with ``requester`` selected, ``tags``
    prefetched and ``status_since`` annotated (``with_status_since``)."""
    now = now or timezone.now()
    calendars = _calendars([t.pk for t in tickets])
    paths = _category_paths(tickets)
    out: dict[int, dict[str, Any]] = {}
    for ticket in tickets:
        since = getattr(ticket, "status_since", None) or ticket.created_at
        calendar = calendars.get(ticket.pk, TWENTY_FOUR_SEVEN)
        in_status = business_seconds_between(calendar, since, now) if since < now else 0
        out[ticket.pk] = {
            "id": ticket.pk,
            "number": ticket.number,
            "status": ticket.status,
            "pending_reason": ticket.pending_reason,
            "priority": ticket.priority,
            "type": ticket.type,
            "channel": ticket.channel,
            "tier": ticket.tier,
            "team": ticket.team_id,
            "assignee": ticket.assignee_id,
            "organization": ticket.organization_id,
            "requester": ticket.requester_id,
            "requester_email": ticket.requester.email,
            "language": ticket.requester.language,
            "category": ticket.category_id,
            "category_path": paths.get(ticket.category_id, []) if ticket.category_id else [],
            "tags": sorted(tag.name for tag in ticket.tags.all()),
            "watchers": sorted(user.pk for user in ticket.watchers.all()),
            "title": ticket.title,
            "description": ticket.description,
            "custom_fields": dict(ticket.custom_fields or {}),
            "created_at": ticket.created_at,
            "updated_at": ticket.updated_at,
            "status_since": since,
            "hours_since_created": (now - ticket.created_at).total_seconds() / 3600,
            "hours_since_updated": (now - ticket.updated_at).total_seconds() / 3600,
            "business_hours_in_status": in_status / 3600,
            "business_days_in_status": in_status / business_day_seconds(calendar),
        }
    return out


def ticket_rows(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What ``snapshots`` needs, loaded up front."""
    return with_status_since(
        queryset.select_related("requester").prefetch_related("tags", "watchers")
    )


def snapshot(ticket_id: int, now: dt.datetime | None = None) -> dict[str, Any] | None:
    ticket = ticket_rows(Ticket.objects.filter(pk=ticket_id)).first()
    if ticket is None:
        return None
    return snapshots([ticket], now)[ticket.pk]


def event_dict(event: TicketEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "field": event.field,
        "old": event.old,
        "new": event.new,
        "data": dict(event.data or {}),
    }
