"""The desk's named queues (selectors): what each shows, and all their counts in one query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from frontline.accounts.models import User
from frontline.tickets.lifecycle import OPEN_STATUSES
from frontline.tickets.policies import scope_for
from frontline.tickets.selectors import TicketFilters, tickets_visible_to

RECENT = dt.timedelta(days=7)


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    sort: str = "-updated_at"


QUEUES = [
    Queue("mine", "My open tickets"),
    Queue("unassigned", "Unassigned in my teams", sort="-priority"),
    Queue("team", "All open in my teams"),
    Queue("pending", "Pending"),
    Queue("resolved", "Recently resolved"),
]
QUEUE_KEYS = {queue.key: queue for queue in QUEUES}


def _team_ids(user: User) -> list[int]:
    return sorted(scope_for(user).team_ids)


def queue_filters(user: User, key: str, base: TicketFilters | None = None) -> TicketFilters:
    """The filters a named queue stands for, on top of the agent's own filters."""
    f = base or TicketFilters()
    teams = f.team or _team_ids(user)
    if key == "mine":
        return replace(f, assignee=["me"], status=f.status or list(OPEN_STATUSES))
    if key == "unassigned":
        return replace(f, assignee=["none"], team=teams, status=f.status or list(OPEN_STATUSES))
    if key == "team":
        return replace(f, team=teams, status=f.status or list(OPEN_STATUSES))
    if key == "pending":
        return replace(f, team=teams, status=["pending"])
    if key == "resolved":
        return replace(f, team=teams, status=["resolved"], resolved_since=timezone.now() - RECENT)
    return f


COUNTS_FRESH_FOR = 10  # seconds; the sidebar polls every 30 s


def queue_counts(user: User) -> dict[str, int]:
    """Every queue's count, at most COUNTS_FRESH_FOR seconds old.

    Counting scans every open ticket the agent may see (about 20 ms at 100k tickets), so a
    page load reuses a count computed moments ago instead of scanning again.
    """
    key = f"desk:counts:{user.pk}"
    counts = cache.get(key)
    if counts is None:
        counts = _count_queues(user)
        cache.set(key, counts, COUNTS_FRESH_FOR)
    return counts


def _count_queues(user: User) -> dict[str, int]:
    """Every queue's count in a single aggregate query over the user's visible tickets."""
    teams = _team_ids(user)
    in_teams = Q(team_id__in=teams) if teams else Q()
    open_ = Q(status__in=OPEN_STATUSES)
    conditions = {
        "mine": open_ & Q(assignee_id=user.pk),
        "unassigned": open_ & Q(assignee__isnull=True) & in_teams,
        "team": open_ & in_teams,
        "pending": Q(status="pending") & in_teams,
        "resolved": Q(status="resolved", resolved_at__gte=timezone.now() - RECENT) & in_teams,
    }
    relevant = open_ | Q(status="resolved", resolved_at__gte=timezone.now() - RECENT)
    return (
        tickets_visible_to(user)
        .filter(relevant)
        .aggregate(**{key: Count("pk", filter=condition) for key, condition in conditions.items()})
    )
