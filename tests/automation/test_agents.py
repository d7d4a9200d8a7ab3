"""Agents' skills and availability outside the Django admin: services, who may (a team lead
for their own team's members, coordinators and admins for all; others get 404), the team's
agents page with its error paths, and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import Team, User
from frontline.automation import policies
from frontline.automation import services as automation
from frontline.automation.models import AgentSkill, AgentStatus, RoutingMode, TeamRouting
from frontline.automation.routing import route_ticket
from frontline.core.errors import NotFound, ValidationError
from frontline.tickets.models import Category
from frontline.tickets.services import ticket_create
from tests.api.conftest import Api, problem
from tests.conftest import World
from tests.factories import AgentFactory, CategoryFactory, member


@pytest.fixture
def led(world: World) -> World:
    """The manager leads IT."""
    Team.objects.filter(pk=world.it.pk).update(lead=world.manager)
    world.it.refresh_from_db()
    return world


@pytest.fixture
def cats(world: World) -> dict[str, Category]:
    hardware = CategoryFactory(team=world.it, name="Hardware")
    return {
        "hardware": hardware,
        "laptops": CategoryFactory(team=world.it, name="Laptops", parent=hardware),
        "network": CategoryFactory(team=world.it, name="Network"),
        "payroll": CategoryFactory(team=world.hr, name="Payroll"),
    }


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def skills(user: User) -> set[int]:
    return set(AgentSkill.objects.filter(user=user).values_list("category_id", flat=True))


# --- Services and policies --------------------------------------------------------------------


def test_a_team_lead_sets_skills_and_availability_of_their_members_only(
    led: World, cats: dict[str, Category]
) -> None:
    world = led
    automation.agent_routing_set(
        actor=world.manager,
        agent=world.agent,
        status="out_of_office",
        away_from=dt.date(2026, 12, 1),
        away_until=dt.date(2026, 12, 5),
        languages=["DE", "en", "de"],
        categories=[cats["hardware"], cats["network"]],
    )
    status = AgentStatus.objects.get(user=world.agent)
    assert (status.status, status.away_from, status.away_until, status.languages) == (
        "out_of_office",
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 5),
        ["de", "en"],
    )
    assert skills(world.agent) == {cats["hardware"].pk, cats["network"].pk}
    with pytest.raises(NotFound):  # HR is not the manager's team
        automation.agent_routing_set(actor=world.manager, agent=world.hr_agent, status="away")
    with pytest.raises(NotFound):  # agents manage nobody else
        automation.agent_skills_set(actor=world.agent, agent=world.agent_l2, categories=[])
    with pytest.raises(ValidationError) as caught:  # a lead gives only their teams' categories
        automation.agent_skills_set(
            actor=world.manager, agent=world.agent, categories=[cats["payroll"]]
        )
    assert "Payroll" in caught.value.errors["skills"][0]
    assert not AgentStatus.objects.filter(user=world.hr_agent).exists()
    assert policies.can_manage_agent(world.coordinator, world.hr_agent)
    assert not policies.can_manage_agent(world.manager, world.alice)  # not a desk user


def test_skills_outside_the_scope_are_kept_and_errors_write_nothing(
    world: World, cats: dict[str, Category]
) -> None:
    AgentSkill.objects.create(user=world.agent, category=cats["payroll"])
    automation.agent_skills_set(
        actor=world.admin, agent=world.agent, categories=[cats["laptops"]], team=world.it
    )
    assert skills(world.agent) == {cats["payroll"].pk, cats["laptops"].pk}
    with pytest.raises(ValidationError) as caught:
        automation.agent_routing_set(
            actor=world.admin,
            agent=world.agent,
            team=world.it,
            status="away",
            categories=[cats["payroll"]],  # not an IT category: the status is not saved either
        )
    assert "skills" in caught.value.errors
    assert not AgentStatus.objects.filter(user=world.agent).exists()
    with pytest.raises(ValidationError) as bad:
        automation.agent_routing_set(
            actor=world.admin,
            agent=world.agent,
            away_from=dt.date(2026, 5, 2),
            away_until=dt.date(2026, 5, 1),
        )
    assert "away_until" in bad.value.errors
    assert not AgentStatus.objects.filter(user=world.agent).exists()


def test_skills_set_on_the_desk_drive_skills_routing(
    world: World, cats: dict[str, Category]
) -> None:
    TeamRouting.objects.create(team=world.it, mode=RoutingMode.SKILLS)
    automation.agent_skills_set(
        actor=world.admin, agent=world.coordinator, categories=[cats["hardware"]]
    )
    ticket = ticket_create(
        actor=world.alice, requester=world.alice, title="Laptop", category=cats["laptops"]
    )
    assert route_ticket(ticket) == world.coordinator


# --- Page -------------------------------------------------------------------------------------


def test_the_team_agents_page_is_for_coordinators_admins_and_the_lead(led: World) -> None:
    world = led
    url = f"/automation/teams/{world.it.pk}/agents/"
    for user in (world.coordinator, world.admin, world.manager):
        assert browser(user).get(url).status_code == 200, user
    for user in (world.agent, world.hr_agent):
        assert browser(user).get(url).status_code == 404, user
    assert browser(world.manager).get(f"/automation/teams/{world.hr.pk}/agents/").status_code == 404
    assert browser(world.admin).get("/automation/teams/999999/agents/").status_code == 404
    assert browser(world.alice).get(url).status_code == 302  # requesters go to the portal
    page = browser(world.manager).get("/automation/availability/").content.decode()
    assert url in page  # the lead finds their team from their availability page


def test_saving_one_agent_on_the_page(led: World, cats: dict[str, Category]) -> None:
    world = led
    client = browser(world.manager)
    url = f"/automation/teams/{world.it.pk}/agents/"
    p = f"u{world.agent_l2.pk}"
    response = client.post(
        url,
        {
            "agent": world.agent_l2.pk,
            f"{p}-status": "away",
            f"{p}-languages": "en, fr",
            f"{p}-skills": [cats["network"].pk, cats["laptops"].pk],
        },
    )
    assert response.status_code == 302
    assert AgentStatus.objects.get(user=world.agent_l2).languages == ["en", "fr"]
    assert skills(world.agent_l2) == {cats["network"].pk, cats["laptops"].pk}
    page = client.get(url).content.decode()
    assert "Hardware › Laptops" in page
    assert "unavailable" in page


def test_page_errors_keep_the_input_and_save_nothing(led: World, cats: dict[str, Category]) -> None:
    world = led
    client = browser(world.manager)
    url = f"/automation/teams/{world.it.pk}/agents/"
    p = f"u{world.agent.pk}"
    base = {"agent": world.agent.pk, f"{p}-status": "online"}
    cases = [
        ({f"{p}-away_from": "2026-05-02", f"{p}-away_until": "2026-05-01"}, "comes after"),
        ({f"{p}-languages": "english!"}, "not a language code"),
        ({f"{p}-status": "asleep"}, "Select a valid choice"),
        ({f"{p}-skills": [cats["payroll"].pk]}, "Select a valid choice"),  # another team's
        ({f"{p}-away_from": "someday"}, "Enter a valid date"),
    ]
    for extra, message in cases:
        response = client.post(url, {**base, **extra})
        assert response.status_code == 200, extra
        page = response.content.decode()
        assert message in page, extra
        typed = next(iter(extra.values()))
        if isinstance(typed, str):
            assert typed.replace("!", "") in page  # what was typed is still there
    assert not AgentStatus.objects.filter(user=world.agent).exists()
    assert not AgentSkill.objects.exists()
    # An agent of another team, or nobody: 404.
    assert client.post(url, {"agent": world.hr_agent.pk}).status_code == 404
    assert client.post(url, {"agent": "x"}).status_code == 404


def test_the_page_runs_a_constant_number_of_queries(
    world: World, cats: dict[str, Category], django_assert_max_num_queries: Any
) -> None:
    for user in (world.agent, world.agent_l2, world.coordinator):
        AgentSkill.objects.create(user=user, category=cats["network"])
        AgentStatus.objects.create(user=user, languages=["en"])
    client = browser(world.admin)
    with django_assert_max_num_queries(14):
        client.get(f"/automation/teams/{world.it.pk}/agents/")


# --- API --------------------------------------------------------------------------------------


def test_agents_api_lists_reads_and_patches(led: World, cats: dict[str, Category]) -> None:
    world = led
    api = Api(world.manager)
    listed = api.get(f"/routing/teams/{world.it.pk}/agents")
    assert listed.status_code == 200
    by_id = {row["id"]: row for row in listed.json()}
    assert set(by_id) == {world.agent.pk, world.agent_l2.pk, world.coordinator.pk, world.manager.pk}
    assert by_id[world.agent_l2.pk]["tier"] == "l2"
    assert by_id[world.agent.pk]["status"] == "online"
    assert by_id[world.agent.pk]["available"] is True
    changed = api.patch(
        f"/routing/agents/{world.agent.pk}",
        {
            "status": "out_of_office",
            "away_from": "2026-12-01",
            "languages": ["en"],
            "skills": [cats["laptops"].pk],
        },
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["status"] == "out_of_office"
    assert body["away_from"] == "2026-12-01"
    assert body["skills"] == [cats["laptops"].pk]
    assert api.get(f"/routing/agents/{world.agent.pk}").json() == body
    cleared = api.patch(f"/routing/agents/{world.agent.pk}", {"away_from": None})
    assert cleared.json()["away_from"] is None
    assert cleared.json()["languages"] == ["en"]  # what was not sent is kept


def test_agents_api_errors_are_problem_json_and_404_for_others(
    led: World, cats: dict[str, Category]
) -> None:
    world = led
    api = Api(world.manager)
    url = f"/routing/agents/{world.agent.pk}"
    cases = [
        ({"status": "asleep"}, "status"),
        ({"skills": [cats["payroll"].pk]}, "skills"),
        ({"skills": [999999]}, "skills"),
        ({"away_from": "2026-05-02", "away_until": "2026-05-01"}, "away_until"),
        ({"colour": "blue"}, "colour"),
        ({"status": None}, "status"),
    ]
    for body, field in cases:
        response = api.patch(url, body)
        assert response.status_code == 422, body
        errors = problem(response)["errors"]
        assert any(field in key for key in errors), (body, errors)
    assert not AgentStatus.objects.filter(user=world.agent).exists()
    assert not AgentSkill.objects.exists()
    assert api.get(f"/routing/agents/{world.hr_agent.pk}").status_code == 404
    assert api.patch(f"/routing/agents/{world.hr_agent.pk}", {"status": "away"}).status_code == 404
    assert api.get(f"/routing/teams/{world.hr.pk}/agents").status_code == 404
    for user in (world.agent, world.alice):
        assert Api(user).get(f"/routing/teams/{world.it.pk}/agents").status_code == 404
        other = f"/routing/agents/{world.agent_l2.pk}"
        assert Api(user).patch(other, {"status": "away"}).status_code == 404
    assert Api(None).get(f"/routing/teams/{world.it.pk}/agents").status_code == 401
    assert Api(world.coordinator).get(f"/routing/teams/{world.hr.pk}/agents").status_code == 200


def test_the_page_and_the_api_list_cost_the_same_queries_for_more_agents(
    world: World, cats: dict[str, Category]
) -> None:
    client, api = browser(world.admin), Api(world.admin)

    def add(n: int) -> None:
        for _ in range(n):
            agent = member(AgentFactory(), world.it)
            AgentSkill.objects.create(user=agent, category=cats["network"])
            AgentSkill.objects.create(user=agent, category=cats["payroll"])  # another team's
            AgentStatus.objects.create(user=agent, languages=["en"])

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get(f"/automation/teams/{world.it.pk}/agents/").status_code == 200
        with CaptureQueriesContext(connection) as listed:
            assert api.get(f"/routing/teams/{world.it.pk}/agents").status_code == 200
        return len(page), len(listed)

    add(2)
    queries()  # the first API request also stamps the token's last use
    few = queries()
    add(8)
    assert queries() == few


def test_agents_api_refuses_ids_no_database_holds(led: World) -> None:
    api = Api(led.manager)
    url = f"/routing/agents/{led.agent.pk}"
    for body in ({"skills": [2**70]}, {"skills": [0]}, {"team": 2**70}):
        response = api.patch(url, body)
        assert response.status_code == 422, (body, response.content)
    assert not AgentSkill.objects.exists()


def test_an_agent_cannot_give_himself_skills(led: World, cats: dict[str, Category]) -> None:
    api = Api(led.agent)
    url = f"/routing/agents/{led.agent.pk}"
    assert api.patch(url, {"skills": [cats["network"].pk]}).status_code == 422
    assert api.patch(url, {"skills": [cats["network"].pk], "team": led.it.pk}).status_code == 404
    page = browser(led.agent).post(
        f"/automation/teams/{led.it.pk}/agents/",
        {
            "agent": led.agent.pk,
            f"u{led.agent.pk}-status": "online",
            f"u{led.agent.pk}-skills": cats["network"].pk,
        },
    )
    assert page.status_code == 404
    assert not AgentSkill.objects.exists()
