"""Who sees which ticket (policies and the selectors built on them), and the ticket list:
constant query count, validated filters, cursor pagination."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
from dataclasses import dataclass

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import Role, Team, Tier, User
from frontline.accounts.services import team_membership_set
from frontline.core.errors import NotFound, ValidationError
from frontline.tickets import policies, selectors
from frontline.tickets.models import Ticket
from frontline.tickets.selectors import SLA_DUE, SORTS, TicketFilters
from frontline.tickets.services import ticket_assign, ticket_create, ticket_update
from tests.conftest import World
from tests.factories import AgentFactory, UserFactory, member


@dataclass
class Desk:
    world: World
    tickets: dict[str, Ticket]
    extra_users: dict[str, User]

    def users(self) -> dict[str, User]:
        names = [
            "alice", "arthur", "bob", "agent", "agent_l2", "hr_agent", "coordinator", "manager",
            "admin",
        ]  # fmt: skip
        people = {name: getattr(self.world, name) for name in names}
        return {**people, **self.extra_users}


def reload(user: User) -> User:
    """A fresh user object: the visibility scope is cached per object (per request)."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def desk(world: World) -> Desk:
    t: dict[str, Ticket] = {}
    t["alice_it"] = ticket_create(actor=world.alice, title="Alice's laptop")
    t["alice_hr"] = ticket_create(
        actor=world.agent, requester=world.alice, title="Alice's payslip", team=world.hr
    )
    t["bob_it"] = ticket_create(actor=world.bob, title="Bob's VPN")
    # HR served everyone when Bob's request came in; it serves only Acme now.
    world.hr.organizations.clear()
    t["bob_hr"] = ticket_create(
        actor=world.agent, requester=world.bob, title="Bob's leave", team=world.hr
    )
    world.hr.organizations.set([world.acme])
    t["bob_watched"] = ticket_create(actor=world.bob, title="Shared printer")
    ticket_update(
        actor=world.agent, ticket=t["bob_watched"], watcher_ids=[world.alice.pk], version=None
    )
    Team.objects.update(is_default=False)
    t["unrouted"] = ticket_create(actor=world.bob, title="Where does this go?")
    t["unrouted_watched"] = ticket_create(actor=world.bob, title="Alice knows about this")
    ticket_update(
        actor=world.coordinator,
        ticket=t["unrouted_watched"],
        watcher_ids=[world.alice.pk],
        version=None,
    )
    Team.objects.filter(pk=world.it.pk).update(is_default=True)

    hr_manager = member(
        AgentFactory(email="hrboss@desk.test", role=Role.MANAGER, full_name="Hal HR Boss"),
        world.hr,
    )
    hr_knowledge = member(
        AgentFactory(email="kb@desk.test", role=Role.KNOWLEDGE_MANAGER, full_name="Kay KB"),
        world.hr,
    )
    extra = {
        "hr_manager": hr_manager,
        "hr_knowledge": hr_knowledge,
        "teamless_agent": AgentFactory(email="new@desk.test", full_name="Nat New"),
        "teamless_coordinator": AgentFactory(
            email="triage@desk.test", role=Role.COORDINATOR, full_name="Tri Age"
        ),
        "disabled_agent": member(
            AgentFactory(email="gone@desk.test", full_name="Gone", is_active=False), world.it
        ),
        "disabled_admin": UserFactory(email="ex@desk.test", role=Role.ADMIN, is_active=False),
    }
    return Desk(world=world, tickets=t, extra_users=extra)


ALL = {"alice_it", "alice_hr", "bob_it", "bob_hr", "bob_watched", "unrouted", "unrouted_watched"}
IT = {"alice_it", "bob_it", "bob_watched"}
UNROUTED = {"unrouted", "unrouted_watched"}
EXPECTED: dict[str, set[str]] = {
    "alice": {"alice_it", "alice_hr", "bob_watched", "unrouted_watched"},
    "arthur": set(),
    "bob": {"bob_it", "bob_hr", "bob_watched", "unrouted", "unrouted_watched"},
    "agent": IT,
    "agent_l2": IT,
    "hr_agent": {"alice_hr"},  # HR serves Acme only: Bob's (Globex) HR ticket is out of reach
    "hr_knowledge": {"alice_hr"},
    "coordinator": IT | UNROUTED,
    "teamless_coordinator": UNROUTED,
    "teamless_agent": set(),
    "manager": IT | UNROUTED,
    "hr_manager": {"alice_hr", "bob_hr"} | UNROUTED,  # a manager's remit ignores the org
    "admin": ALL,
    "disabled_agent": set(),
    "disabled_admin": set(),
}


def visible_names(desk: Desk, user: User) -> set[str]:
    ids = set(selectors.tickets_visible_to(reload(user)).values_list("pk", flat=True))
    return {name for name, ticket in desk.tickets.items() if ticket.pk in ids}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_role_sees_exactly_its_tickets(desk: Desk, who: str) -> None:
    user = desk.users()[who]
    assert visible_names(desk, user) == EXPECTED[who]


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_ticket_for_finds_visible_tickets_and_hides_the_rest(desk: Desk, who: str) -> None:
    user = reload(desk.users()[who])
    for name, ticket in desk.tickets.items():
        if name in EXPECTED[who]:
            assert selectors.ticket_for(user, ticket.number).pk == ticket.pk
        else:
            with pytest.raises(NotFound):
                selectors.ticket_for(user, ticket.number)


def test_members_of_a_sharing_organization_see_each_others_tickets(desk: Desk) -> None:
    world = desk.world
    assert visible_names(desk, world.arthur) == set()
    world.acme.shares_tickets = True
    world.acme.save()
    assert visible_names(desk, world.arthur) == {"alice_it", "alice_hr"}
    assert selectors.ticket_for(reload(world.arthur), desk.tickets["alice_it"].number)
    # Globex does not share: Bob's colleagues see nothing of his.
    colleague = UserFactory(email="gina@globex.test", orgs=[world.globex])
    assert visible_names(desk, colleague) == set()


@pytest.mark.parametrize("shares", [False, True])
def test_list_and_single_ticket_rules_agree_for_every_user_and_ticket(
    desk: Desk, shares: bool
) -> None:
    desk.world.acme.shares_tickets = shares
    desk.world.acme.save()
    disagreements = []
    for name, user in desk.users().items():
        user = reload(user)
        listed = set(selectors.tickets_visible_to(user).values_list("pk", flat=True))
        for ticket_name, ticket in desk.tickets.items():
            one = policies.can_view_ticket(user, Ticket.objects.get(pk=ticket.pk))
            if one != (ticket.pk in listed):
                disagreements.append((name, ticket_name, one))
    assert disagreements == []


def test_assignee_keeps_seeing_a_ticket_assigned_to_them(desk: Desk) -> None:
    world = desk.world
    ticket = desk.tickets["alice_hr"]
    hr_l2 = member(AgentFactory(email="hr2@desk.test", full_name="Hr Two"), world.hr, Tier.L2)
    ticket_assign(actor=world.hr_agent, ticket=ticket, assignee=hr_l2, version=None)
    assert "alice_hr" in visible_names(desk, hr_l2)
    assert policies.can_view_ticket(reload(hr_l2), Ticket.objects.get(pk=ticket.pk))


def test_joining_a_team_widens_what_the_same_user_object_sees(desk: Desk) -> None:
    newcomer = AgentFactory(email="fresh@desk.test", full_name="Fresh")
    assert not selectors.tickets_visible_to(newcomer).exists()
    team_membership_set(actor=desk.world.admin, team=desk.world.it, user=newcomer)
    assert {t.pk for t in selectors.tickets_visible_to(newcomer)} == {
        desk.tickets[name].pk for name in IT
    }


@pytest.mark.parametrize("number", ["abc", "", "99999999", "#"])
def test_ticket_for_unknown_or_malformed_numbers_is_not_found(world: World, number: str) -> None:
    with pytest.raises(NotFound):
        selectors.ticket_for(world.admin, number)


def test_ticket_for_accepts_the_hash_reference(world: World) -> None:
    ticket = ticket_create(actor=world.alice, title="x")
    assert selectors.ticket_for(world.alice, ticket.reference) == ticket


def test_requesters_see_only_the_milestones_of_the_history(world: World) -> None:
    ticket = ticket_create(actor=world.alice, title="x")
    ticket_update(actor=world.agent, ticket=ticket, title="y", version=None)
    assert [e.kind for e in selectors.ticket_history(world.alice, ticket)] == ["created"]
    kinds = [e.kind for e in selectors.ticket_history(world.agent, ticket)]
    assert kinds == ["created", "field_changed"]


# --- The ticket list ------------------------------------------------------------------------


def make_tickets(world: World, count: int) -> list[Ticket]:
    return [
        ticket_create(
            actor=world.agent,
            requester=world.alice if i % 2 else world.bob,
            title=f"Ticket {i}",
            tags=[f"tag{i % 3}", "bulk"],
            assignee=world.agent if i % 3 == 0 else None,
            impact=["low", "medium", "high"][i % 3],
        )
        for i in range(count)
    ]


def queries_for_a_full_page(user: User) -> int:
    with CaptureQueriesContext(connection) as captured:
        page = selectors.ticket_list(reload(user), limit=100)
        for ticket in page.items:  # what a list page touches
            _ = (ticket.requester.email, ticket.team, ticket.assignee, ticket.category)
            _ = (ticket.organization, list(ticket.tag_names))
    return len(captured)


@pytest.mark.parametrize("who", ["admin", "agent", "alice"])
def test_list_query_count_does_not_grow_with_the_page(world: World, who: str) -> None:
    user = getattr(world, who)
    make_tickets(world, 10)
    small = queries_for_a_full_page(user)
    make_tickets(world, 90)
    assert len(selectors.ticket_list(reload(user), limit=100).items) > 10
    assert queries_for_a_full_page(user) == small


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (TicketFilters(status=["archived"]), "status"),
        (TicketFilters(priority=["p0"]), "priority"),
        (TicketFilters(tier=["l4"]), "tier"),
        (TicketFilters(type=["rant"]), "type"),
        (TicketFilters(channel=["fax"]), "channel"),
        (TicketFilters(assignee=["someone"]), "assignee"),
        (TicketFilters(updated_since=dt.datetime(2026, 1, 1)), "updated_since"),
    ],
)
def test_bad_filters_are_field_errors(world: World, filters: TicketFilters, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        selectors.ticket_list(world.agent, filters)
    assert field in info.value.errors


def encoded(value: object) -> str:
    """A cursor as a client could forge one: base64 of any JSON."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "!!!!",
        "W10",
        encoded([]),
        encoded({"a": 1}),
        encoded(["x", 1]),
        encoded(["p9", 1]),
        encoded([None, 1]),
        encoded(["p1", "7"]),
        encoded([1, 2, 3]),
    ],
)
@pytest.mark.parametrize("sort", ["-updated_at", "number", "-priority"])
def test_bad_cursors_are_field_errors(world: World, cursor: str, sort: str) -> None:
    make_tickets(world, 2)
    with pytest.raises(ValidationError) as info:
        selectors.ticket_list(world.agent, sort=sort, cursor=cursor)
    assert "cursor" in info.value.errors


@pytest.mark.parametrize("sort", ["title", "-id", "updated_at; DROP TABLE"])
def test_unknown_sort_is_a_field_error(world: World, sort: str) -> None:
    with pytest.raises(ValidationError) as info:
        selectors.ticket_list(world.agent, sort=sort)
    assert "sort" in info.value.errors


@pytest.mark.parametrize("limit", [0, 101, -5])
def test_limit_out_of_range_is_a_field_error(world: World, limit: int) -> None:
    with pytest.raises(ValidationError) as info:
        selectors.ticket_list(world.agent, limit=limit)
    assert "limit" in info.value.errors


def test_filters_narrow_the_list(world: World) -> None:
    tickets = make_tickets(world, 9)
    me = {t.pk for t in tickets if t.assignee_id == world.agent.pk}

    def listed(**kwargs: object) -> set[int]:
        page = selectors.ticket_list(world.agent, TicketFilters(**kwargs), limit=100)  # type: ignore[arg-type]
        return {t.pk for t in page.items}

    assert listed(assignee=["me"]) == me
    assert listed(assignee=["none"]) == {t.pk for t in tickets} - me
    assert listed(tag=["TAG1"]) == {t.pk for i, t in enumerate(tickets) if i % 3 == 1}
    assert listed(priority=["p3"]) == {t.pk for i, t in enumerate(tickets) if i % 3 == 2}
    assert listed(requester=[world.alice.pk]) == {t.pk for i, t in enumerate(tickets) if i % 2}
    assert listed(status=["resolved"]) == set()


T0 = dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)


def sort_value(ticket: Ticket, field: str) -> object:
    """The sorted-on value; these tickets have no SLA row, so ``sla_due`` ties on it."""
    return 0 if field == SLA_DUE else getattr(ticket, field)


def sort_key(sort: str) -> tuple[str, bool]:
    return SORTS[sort], sort.startswith("-")


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("limit", [1, 4, 7])
def test_cursor_pagination_walks_every_ticket_exactly_once(
    world: World, sort: str, limit: int
) -> None:
    # Several tickets share a timestamp (and a priority), so the tie-breaker is exercised;
    # whole seconds exercise cursors whose time has no microseconds.
    moments = [T0, T0, T0, T0 + dt.timedelta(seconds=1), T0 + dt.timedelta(microseconds=5)]
    for i, moment in zip(range(13), itertools.cycle(moments), strict=False):
        with time_machine.travel(moment, tick=False):
            ticket_create(
                actor=world.alice,
                title=f"T{i}",
                impact=["low", "high"][i % 2],
                urgency=["low", "medium", "high"][i % 3],
            )
    field, descending = sort_key(sort)
    everything = list(Ticket.objects.all())
    expected = [
        t.pk
        for t in sorted(everything, key=lambda t: (sort_value(t, field), t.pk), reverse=descending)
    ]

    seen: list[int] = []
    cursor = None
    for _ in range(100):
        page = selectors.ticket_list(world.alice, sort=sort, cursor=cursor, limit=limit)
        assert len(page.items) <= limit
        seen += [t.pk for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
