"""Routing: who of a team gets a ticket (round robin, fewest open tickets, skills), and giving
tickets held by unavailable agents back to the queue.

Only available agents are picked: active desk users, members of the ticket's team at the
ticket's tier, whose status is online and who are not out of office today by their dates.
Assignments are system writes through ``ticket_assign`` with
``origin={"by": "routing", "mode": ...}``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from frontline.accounts.models import User
from frontline.automation.models import (
    AgentSkill,
    AgentStatus,
    Availability,
    RoutingCursor,
    RoutingMode,
    TeamRouting,
)
from frontline.core.errors import DomainError
from frontline.tickets.lifecycle import OPEN_STATUSES
from frontline.tickets.models import Category, Ticket, TicketEvent
from frontline.tickets.services import system_message, ticket_assign

log = logging.getLogger(__name__)


def is_available(status: AgentStatus | None, today: dt.date) -> bool:
    """Online and not out of office today (no row: online)."""
    if status is None:
        return True
    if status.status != Availability.ONLINE:
        return False
    return not out_of_office(status, today)


def out_of_office(status: AgentStatus, today: dt.date) -> bool:
    """Whether today lies within the agent's out-of-office dates (either end may be open)."""
    if status.away_from is None and status.away_until is None:
        return False
    start = status.away_from or dt.date.min
    end = status.away_until or dt.date.max
    return start <= today <= end


def unavailable_since(status: AgentStatus | None, now: dt.datetime) -> dt.datetime | None:
    """Since when the agent is unavailable (None while available)."""
    if status is None or is_available(status, now.date()):
        return None
    if status.status != Availability.ONLINE:
        return status.updated_at
    start = status.away_from or now.date()
    return dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)


def eligible_agents(ticket: Ticket, *, today: dt.date | None = None) -> list[User]:
    """Available members of the ticket's team at its tier, by id."""
    return eligible_for(ticket.team_id, ticket.tier, today=today)


def eligible_for(team_id: int | None, tier: str, *, today: dt.date | None = None) -> list[User]:
    """Available members of team ``team_id`` at ``tier``, by id."""
    if team_id is None:
        return []
    today = today or timezone.now().date()
    members = list(
        User.objects.filter(
            memberships__team_id=team_id,
            memberships__tier=tier,
            is_active=True,
        )
        .select_related("agent_status")
        .order_by("id")
    )
    return [
        user
        for user in members
        if user.is_agent_like and is_available(getattr(user, "agent_status", None), today)
    ]


def _loads(users: list[User]) -> dict[int, int]:
    rows = (
        Ticket.objects.filter(assignee__in=users, status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    counts = {row["assignee_id"]: row["n"] for row in rows}
    return {user.pk: counts.get(user.pk, 0) for user in users}


def _least_loaded(users: list[User], simulation: Simulation | None = None) -> User | None:
    if not users:
        return None
    if simulation is not None:  # counted once per batch, plus what the batch handed out
        loads = {u.pk: simulation.loads.get(u.pk, 0) + simulation.given.get(u.pk, 0) for u in users}
    else:
        loads = _loads(users)
    return min(users, key=lambda user: (loads[user.pk], user.pk))


def _skilled(
    category: Category | None,
    language: str,
    users: list[User],
    simulation: Simulation | None = None,
) -> list[User]:
    """Agents whose skills cover the category (or an ancestor) and the language."""
    language = (language or "").lower()
    chosen = users
    if category is not None:
        path = [node.pk for node in category.ancestors()]
        if simulation is not None:
            skilled = {u.pk for u in users if simulation.skills.get(u.pk, set()).intersection(path)}
        else:
            skilled = set(
                AgentSkill.objects.filter(user__in=users, category_id__in=path).values_list(
                    "user_id", flat=True
                )
            )
        chosen = [u for u in chosen if u.pk in skilled]
    if language:

        def speaks(user: User) -> bool:
            status = getattr(user, "agent_status", None)
            languages = [str(x).lower() for x in (status.languages if status else [])]
            return not languages or language in languages

        chosen = [u for u in chosen if speaks(u)]
    return chosen


def _next_after(users: list[User], last: int) -> User | None:
    return next((u for u in users if u.pk > last), users[0] if users else None)


def _round_robin(team_id: int, tier: str, users: list[User]) -> User | None:
    """The next agent after the team/tier cursor; the cursor moves under a row lock."""
    if not users:
        return None
    with transaction.atomic():
        RoutingCursor.objects.get_or_create(team_id=team_id, tier=tier)
        cursor = RoutingCursor.objects.select_for_update().get(team_id=team_id, tier=tier)
        chosen = _next_after(users, cursor.last_user_id)
        assert chosen is not None
        cursor.last_user_id = chosen.pk
        cursor.save(update_fields=["last_user_id"])
    return chosen


@dataclass
class Simulation:
    """What a preview of several routing decisions remembers between them (dry runs): the
    round-robin cursors it would have moved and the tickets it would have handed out, so
    predictions for a batch equal what live routing does one ticket after the other."""

    cursors: dict[tuple[int, str], int] = field(default_factory=dict)
    given: dict[int, int] = field(default_factory=dict)
    # Read once per team and tier, not once per ticket: a dry run of a routing rule over a
    # thousand tickets costs the queries of a few.
    members: dict[tuple[int, str], list[User]] = field(default_factory=dict)
    loads: dict[int, int] = field(default_factory=dict)
    skills: dict[int, set[int]] = field(default_factory=dict)

    def eligible(self, team_id: int, tier: str) -> list[User]:
        """``eligible_for``, with their open tickets and skills, read on first use."""
        key = (team_id, tier)
        if key not in self.members:
            users = eligible_for(team_id, tier)
            self.members[key] = users
            fresh = [u for u in users if u.pk not in self.loads]
            if fresh:
                self.loads.update(_loads(fresh))
                for user in fresh:
                    self.skills.setdefault(user.pk, set())
                for user_id, category_id in AgentSkill.objects.filter(user__in=fresh).values_list(
                    "user_id", "category_id"
                ):
                    self.skills[user_id].add(category_id)
        return self.members[key]


def choose(
    *,
    mode: str,
    team_id: int | None,
    tier: str,
    category: Category | None = None,
    language: str = "",
    advance: bool = True,
    simulation: Simulation | None = None,
) -> User | None:
    """The agent ``mode`` picks among the available members of ``team_id`` at ``tier`` for a
    ticket of ``category`` from a requester speaking ``language``; None when nobody is.

    The one routing decision, used live (``advance=True`` moves the round-robin cursor) and by
    previews (``advance=False`` writes nothing; pass a ``simulation`` to preview a batch).
    """
    if mode == RoutingMode.MANUAL or team_id is None:
        return None
    users = (
        simulation.eligible(team_id, tier)
        if simulation is not None
        else eligible_for(team_id, tier)
    )
    chosen: User | None = None
    if mode == RoutingMode.ROUND_ROBIN:
        if advance:
            chosen = _round_robin(team_id, tier, users)
        else:
            key = (team_id, tier)
            if simulation is not None and key in simulation.cursors:
                last = simulation.cursors[key]
            else:
                cursor = RoutingCursor.objects.filter(team_id=team_id, tier=tier).first()
                last = cursor.last_user_id if cursor else 0
            chosen = _next_after(users, last)
            if simulation is not None and chosen is not None:
                simulation.cursors[key] = chosen.pk
    elif mode == RoutingMode.LEAST_LOAD:
        chosen = _least_loaded(users, simulation=simulation)
    elif mode == RoutingMode.SKILLS:
        chosen = _least_loaded(
            _skilled(category, language, users, simulation), simulation=simulation
        )
    if simulation is not None and chosen is not None:
        simulation.given[chosen.pk] = simulation.given.get(chosen.pk, 0) + 1
    return chosen


def pick_agent(ticket: Ticket, mode: str, *, advance: bool = True) -> User | None:
    """The agent ``mode`` gives the ticket, or None (manual, or nobody eligible).

    ``advance=False`` predicts a round-robin pick without moving the cursor (dry runs).
    """
    return choose(
        mode=mode,
        team_id=ticket.team_id,
        tier=ticket.tier,
        category=ticket.category if ticket.category_id is not None else None,
        language=ticket.requester.language or "",
        advance=advance,
    )


def mode_for(team_id: int | None) -> str:
    if team_id is None:
        return RoutingMode.MANUAL
    routing = TeamRouting.objects.filter(team_id=team_id).only("mode").first()
    return routing.mode if routing else RoutingMode.MANUAL


def route_ticket(
    ticket: Ticket | int,
    *,
    source_event: int | None = None,
    mode: str | None = None,
    origin: Mapping[str, Any] | None = None,
) -> User | None:
    """Assign an unassigned open ticket by its team's routing mode (or ``mode``); return the
    agent, or None when it stays in the queue. Idempotent: an assigned ticket is left alone.

    ``origin`` extends the history data (a rule's "assign by routing" passes its own).
    """
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    current = Ticket.objects.select_related("requester", "category").filter(pk=pk).first()
    if current is None or current.assignee_id is not None or current.status not in OPEN_STATUSES:
        return None
    chosen_mode = mode or mode_for(current.team_id)
    agent = pick_agent(current, chosen_mode)
    if agent is None:
        return None
    data: dict[str, Any] = {"by": "routing", "mode": chosen_mode}
    if source_event is not None:
        data["source"] = source_event
    if origin:
        data = {**data, **origin, "routing_mode": chosen_mode}
    try:
        ticket_assign(actor=None, ticket=current, assignee=agent, version=None, origin=data)
    except DomainError as error:  # assigned meanwhile, or not assignable: leave it
        log.info("routing skipped #%s: %s", current.number, error)
        return None
    return agent


def route_on_event(event: TicketEvent) -> User | None:
    """Route after ``created`` and ``escalated`` (a new team or tier has no assignee)."""
    if event.kind not in ("created", "escalated"):
        return None
    data = event.data or {}
    origin: dict[str, Any] | None = None
    if data.get("by") == "rule":  # keep the chain depth for the rules' loop protection
        origin = {"depth": data.get("depth", 0), "caused_by_rule": data.get("rule")}
    return route_ticket(event.ticket_id, source_event=event.pk, origin=origin)


def release_unavailable(*, now: dt.datetime | None = None) -> int:
    """Put back in the queue the open tickets held by agents who became unavailable more than
    their team's ``unassign_after`` minutes ago; return how many."""
    now = now or timezone.now()
    released = 0
    for routing in TeamRouting.objects.filter(unassign_after__isnull=False).select_related("team"):
        assert routing.unassign_after is not None
        held = (
            Ticket.objects.filter(team=routing.team, status__in=OPEN_STATUSES)
            .exclude(assignee__isnull=True)
            .filter(Q(assignee__agent_status__isnull=False))
            .select_related("assignee__agent_status")
        )
        for ticket in held:
            status = getattr(ticket.assignee, "agent_status", None)
            since = unavailable_since(status, now)
            if since is None or now - since < dt.timedelta(minutes=routing.unassign_after):
                continue
            agent = ticket.assignee
            if agent is None:
                continue
            try:
                with transaction.atomic():
                    ticket_assign(
                        actor=None,
                        ticket=ticket,
                        assignee=None,
                        version=None,
                        origin={"by": "routing", "reason": "unavailable", "from": agent.pk},
                    )
                    system_message(
                        ticket,
                        f"Back in the queue: {agent} has been unavailable for more than "
                        f"{routing.unassign_after} minutes.",
                    )
            except DomainError as error:
                log.info("could not release #%s: %s", ticket.number, error)
                continue
            released += 1
    return released
