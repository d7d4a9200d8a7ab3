"""The per-process reference cache: lists stop loading teams, organizations, categories,
assignees and scopes on every request, and still see every change at once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import Role, TeamMembership, User
from frontline.accounts.refs import DIRECTORY, TEAMS
from frontline.accounts.services import requester_for_email
from frontline.core.refcache import _KEY
from frontline.tickets import selectors
from frontline.tickets.services import ticket_create
from tests.conftest import World
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _cache_on(settings: Any) -> None:
    settings.FRONTLINE_REFCACHE = True
    settings.FRONTLINE_REFCACHE_CHECK_SECONDS = 0  # consult the shared generation every time


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # a new request loads the user anew


def list_queries(user: User) -> tuple[int, list[selectors.Ticket]]:
    with CaptureQueriesContext(connection) as captured:
        items = selectors.ticket_list(fresh(user)).items
        for t in items:
            _ = (t.team, t.organization, t.category, t.assignee, t.requester.email)
    return len(captured) - 1, items  # minus loading the user


def test_a_second_list_loads_nothing_but_the_page_and_its_tags(world: World) -> None:
    ticket_create(actor=world.agent, requester=world.alice, title="A", assignee=world.agent)
    first, _ = list_queries(world.agent)
    second, items = list_queries(world.agent)
    assert second == 1  # the page, with requester, SLA row and tag names in one statement
    assert first > second
    assert items[0].assignee == world.agent
    assert items[0].team == world.it


def test_a_renamed_team_shows_on_the_next_list(world: World) -> None:
    ticket_create(actor=world.agent, requester=world.alice, title="A")
    list_queries(world.agent)
    world.it.name = "Service Desk"
    world.it.save()
    _, items = list_queries(world.agent)
    assert items[0].team is not None
    assert items[0].team.name == "Service Desk"


def test_leaving_a_team_hides_its_tickets_on_the_next_request(world: World) -> None:
    ticket_create(actor=world.agent, requester=world.alice, title="A")
    assert len(list_queries(world.agent)[1]) == 1
    TeamMembership.objects.filter(user=world.agent).delete()
    assert list_queries(world.agent)[1] == []


def test_a_change_made_by_another_process_is_seen_through_the_shared_generation(
    world: World,
) -> None:
    TEAMS.rows()
    before = DIRECTORY.current()
    cache.set(_KEY.format("directory"), "bumped elsewhere", None)
    assert DIRECTORY.current() != before


def test_an_assignee_outside_the_cached_desk_users_is_still_loaded(world: World) -> None:
    ticket = ticket_create(actor=world.agent, requester=world.alice, title="A")
    # A requester as assignee (say, an agent since demoted): absent from the cached table.
    type(ticket).objects.filter(pk=ticket.pk).update(assignee=world.alice)
    _, items = list_queries(world.manager)
    assert items[0].assignee == world.alice


def shared_generation() -> object:
    return cache.get(_KEY.format("directory"))


def test_a_new_requester_leaves_every_process_cache_alone(world: World) -> None:
    before = shared_generation()
    requester = requester_for_email("new.requester@acme.test", full_name="New")
    assert shared_generation() == before
    assert list(requester.organizations.all()) == [world.acme]  # by the email's domain


def test_a_new_agent_or_a_changed_requester_reloads_the_directory(world: World) -> None:
    before = shared_generation()
    agent = UserFactory(email="new.agent@example.test", role=Role.AGENT)
    after_agent = shared_generation()
    assert after_agent != before
    world.alice.role = Role.AGENT
    world.alice.save()
    assert shared_generation() != after_agent
    agent.delete()
    assert shared_generation() != after_agent


def test_the_priority_matrix_is_read_once_and_an_edit_shows_at_once(world: World) -> None:
    from frontline.tickets.models import PriorityRule
    from frontline.tickets.services._common import matrix_priority

    matrix_priority("high", "high")
    with CaptureQueriesContext(connection) as captured:
        before = matrix_priority("high", "high")
    assert len(captured) == 0
    rule = PriorityRule.objects.get(impact="high", urgency="high")
    rule.priority = "p4" if before != "p4" else "p3"
    rule.save()
    assert matrix_priority("high", "high") == rule.priority


def test_a_requesters_organization_is_found_in_one_query(world: World) -> None:
    from frontline.accounts.selectors import organization_for_requester

    requester = fresh(world.alice)
    with CaptureQueriesContext(connection) as captured:
        org = organization_for_requester(requester)
    assert len(captured) == 1
    assert org is not None


def test_routing_a_new_ticket_reads_the_default_team_and_its_organizations_from_the_cache(
    world: World, django_assert_num_queries: Any
) -> None:
    from frontline.core.errors import ValidationError
    from frontline.tickets.services.create import route_team

    def route() -> object:
        return route_team(actor=world.alice, team=None, category=None, organization=world.acme)

    route()  # loads the teams and IT's organizations once
    with django_assert_num_queries(0):
        assert route() == world.it
    world.it.organizations.set([world.globex])  # IT now serves Globex only: seen at once
    with pytest.raises(ValidationError) as refused:
        route()
    assert "does not serve Acme" in str(refused.value.errors["team"])
    world.it.organizations.clear()
    world.it.is_default = False
    world.it.save()
    assert route() is None  # no default team any more
