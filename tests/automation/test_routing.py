"""Routing: round robin and least load spread work evenly over 1,000 tickets, unavailable
agents are skipped, skills (category subtree and language) are respected, routing happens on
creation and escalation, and tickets of agents who went away return to the queue."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import time_machine

from frontline.accounts.models import Team, Tier, User
from frontline.automation import routing
from frontline.automation import services as automation
from frontline.automation.models import (
    AgentSkill,
    AgentStatus,
    Availability,
    RoutingCursor,
    RoutingMode,
    TeamRouting,
)
from frontline.tickets import services as tickets
from frontline.tickets.lifecycle import OPEN_STATUSES
from frontline.tickets.models import Status, Ticket, TicketEvent
from frontline.tickets.numbering import next_ticket_number
from tests.automation.conftest import fresh
from tests.conftest import World
from tests.factories import AgentFactory, CategoryFactory, TeamFactory, UserFactory, member

MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def desk(db: None) -> tuple[Team, list[User]]:
    team: Any = TeamFactory(name="Service desk")
    agents = [member(AgentFactory(full_name=f"Agent {i}"), team) for i in range(4)]  # type: ignore[arg-type]
    return team, agents


def bulk_tickets(team: Team, requester: Any, count: int, **fields: Any) -> list[Ticket]:
    rows = [
        Ticket(
            number=next_ticket_number(),
            title=f"Ticket {i}",
            requester=requester,
            team=team,
            **fields,
        )
        for i in range(count)
    ]
    return Ticket.objects.bulk_create(rows)


def loads(agents: list[User]) -> list[int]:
    counts = Counter(
        Ticket.objects.filter(assignee__in=agents, status__in=OPEN_STATUSES).values_list(
            "assignee_id", flat=True
        )
    )
    return [counts.get(a.pk, 0) for a in agents]


def away(user: User, **fields: Any) -> AgentStatus:
    row, _ = AgentStatus.objects.update_or_create(user=user, defaults=fields)
    return row


def test_round_robin_spreads_1000_tickets_evenly_and_skips_the_unavailable(
    desk: tuple[Team, list[User]],
) -> None:
    team, agents = desk
    requester = UserFactory()
    away(agents[3], status=Availability.AWAY)
    TeamRouting.objects.create(team=team, mode=RoutingMode.ROUND_ROBIN)
    for ticket in bulk_tickets(team, requester, 1000):
        assert routing.route_ticket(ticket) is not None
    counts = loads(agents)
    assert counts[3] == 0  # away: never picked
    assert sum(counts) == 1000
    assert max(counts[:3]) - min(counts[:3]) <= 1
    cursor = RoutingCursor.objects.get(team=team, tier=Tier.L1)
    assert cursor.last_user_id in {a.pk for a in agents[:3]}


def test_least_load_balances_including_work_already_held(
    desk: tuple[Team, list[User]],
) -> None:
    team, agents = desk
    requester = UserFactory()
    held = bulk_tickets(team, requester, 30)
    Ticket.objects.filter(pk__in=[t.pk for t in held]).update(assignee=agents[0])
    # Closed tickets do not count as load.
    closed = bulk_tickets(team, requester, 20, status=Status.CLOSED)
    Ticket.objects.filter(pk__in=[t.pk for t in closed]).update(assignee=agents[1])
    away(agents[2], status=Availability.ONLINE, away_from=MONDAY.date(), away_until=None)
    TeamRouting.objects.create(team=team, mode=RoutingMode.LEAST_LOAD)
    with time_machine.travel(MONDAY, tick=False):
        for ticket in bulk_tickets(team, requester, 970):
            routing.route_ticket(ticket)
    counts = loads(agents)
    assert counts[2] == 0  # out of office from today, open-ended
    assert sum(counts) == 1000
    assert max(counts[0], counts[1], counts[3]) - min(counts[0], counts[1], counts[3]) <= 1


def test_only_members_at_the_tickets_tier_are_picked(world: World) -> None:
    TeamRouting.objects.create(team=world.it, mode=RoutingMode.ROUND_ROBIN)
    for user in (world.agent, world.coordinator, world.manager):
        away(user, status=Availability.AWAY)
    ticket = bulk_tickets(world.it, world.alice, 1, tier=Tier.L2)[0]
    assert routing.route_ticket(ticket) == world.agent_l2
    l1 = bulk_tickets(world.it, world.alice, 1)[0]
    assert routing.route_ticket(l1) is None  # everyone at L1 is away: stays in the queue
    assert fresh(l1).assignee_id is None


def test_skills_respect_the_category_subtree_and_the_language(
    desk: tuple[Team, list[User]],
) -> None:
    team, agents = desk
    hardware: Any = CategoryFactory(team=team, name="Hardware")
    printers: Any = CategoryFactory(team=team, name="Printers", parent=hardware)
    software: Any = CategoryFactory(team=team, name="Software")
    AgentSkill.objects.create(user=agents[0], category=hardware)
    AgentSkill.objects.create(user=agents[1], category=printers)
    AgentSkill.objects.create(user=agents[2], category=software)
    away(agents[1], status=Availability.ONLINE, languages=["de"])
    TeamRouting.objects.create(team=team, mode=RoutingMode.SKILLS)
    english = UserFactory(language="en")
    german = UserFactory(language="de")
    printer_tickets = bulk_tickets(team, english, 40, category=printers)
    for ticket in printer_tickets:
        routing.route_ticket(ticket)
    # Agent 0 (hardware, any language) gets every English printer ticket; agent 1 speaks
    # only German; agent 2 has no hardware skill; agent 3 has no skills at all.
    assert loads(agents) == [40, 0, 0, 0]
    german_tickets = bulk_tickets(team, german, 40, category=printers)
    for ticket in german_tickets:
        routing.route_ticket(ticket)
    assert loads(agents) == [40, 40, 0, 0]  # least load among the two skilled
    soft = bulk_tickets(team, german, 3, category=software)
    for ticket in soft:
        routing.route_ticket(ticket)
    assert loads(agents)[2] == 3
    orphan = CategoryFactory(team=team, name="Facilities")
    nobody = bulk_tickets(team, english, 1, category=orphan)[0]
    assert routing.route_ticket(nobody) is None


def test_new_tickets_and_escalations_are_routed_as_the_system(
    world: World, open_ticket: Callable[..., Ticket], act: Callable[..., Any]
) -> None:
    TeamRouting.objects.create(team=world.it, mode=RoutingMode.ROUND_ROBIN)
    ticket = open_ticket()
    assert ticket.assignee_id is not None
    event = TicketEvent.objects.get(ticket=ticket, kind="assigned")
    assert event.actor is None
    assert event.data["by"] == "routing"
    assert event.data["mode"] == "round_robin"
    act(
        tickets.ticket_escalate,
        actor=world.agent,
        ticket=fresh(ticket),
        reason="Needs L2",
        version=None,
    )
    assert fresh(ticket).assignee == world.agent_l2  # the only L2 member
    # Delivering the creation event again does not reassign.
    before = TicketEvent.objects.filter(ticket=ticket, kind="assigned").count()
    routing.route_on_event(TicketEvent.objects.get(ticket=ticket, kind="created"))
    assert TicketEvent.objects.filter(ticket=ticket, kind="assigned").count() == before


def test_manual_teams_are_not_routed(world: World, open_ticket: Callable[..., Ticket]) -> None:
    assert open_ticket().assignee_id is None
    TeamRouting.objects.create(team=world.it, mode=RoutingMode.MANUAL)
    assert open_ticket().assignee_id is None


def test_tickets_of_an_agent_who_went_away_return_to_the_queue_after_the_delay(
    world: World, open_ticket: Callable[..., Ticket], act: Callable[..., Any]
) -> None:
    TeamRouting.objects.create(team=world.it, mode=RoutingMode.MANUAL, unassign_after=30)
    with time_machine.travel(MONDAY, tick=False) as clock:
        ticket = open_ticket(assignee=world.agent)
        solved = open_ticket(assignee=world.agent)
        act(
            tickets.ticket_transition,
            actor=world.agent,
            ticket=solved,
            status="resolved",
            version=None,
        )
        automation.agent_status_set(actor=world.agent, status=Availability.AWAY)
        clock.shift(dt.timedelta(minutes=29))
        assert routing.release_unavailable() == 0
        clock.shift(dt.timedelta(minutes=2))
        assert routing.release_unavailable() == 1
        assert routing.release_unavailable() == 0  # idempotent
    assert fresh(ticket).assignee_id is None
    assert fresh(solved).assignee == world.agent  # resolved tickets stay
    event = TicketEvent.objects.filter(ticket=ticket, kind="assigned").latest("id")
    assert event.actor is None
    assert event.data["reason"] == "unavailable"
    line = ticket.messages.filter(kind="system").last()
    assert line is not None
    assert "Back in the queue" in line.body


def test_out_of_office_dates_make_an_agent_unavailable_only_on_those_days(world: World) -> None:
    row = away(world.agent, away_from=dt.date(2026, 3, 3), away_until=dt.date(2026, 3, 4))
    assert routing.is_available(row, dt.date(2026, 3, 2))
    assert not routing.is_available(row, dt.date(2026, 3, 3))
    assert not routing.is_available(row, dt.date(2026, 3, 4))
    assert routing.is_available(row, dt.date(2026, 3, 5))
    assert routing.is_available(None, dt.date(2026, 3, 5))
