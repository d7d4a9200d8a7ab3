"""The desk's queue pages: what each queue shows, filters, constant query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.tickets import services
from tests.factories import CategoryFactory
from tests.web.helpers import flash_messages, new_ticket, signed_in, text_of


def numbers_on(response: Any) -> set[int]:
    return {t.number for t in response.context["page"].items} if response.context["page"] else set()


def make_varied_tickets(world: Any, count: int, start: int = 0) -> None:
    """Tickets from several requesters and organizations, with tags and some assignees."""
    requesters = [world.alice, world.arthur, world.bob]
    for i in range(start, start + count):
        new_ticket(
            requesters[i % 3],
            title=f"Varied ticket {i}",
            actor=world.agent,
            tags=[f"tag{i}", "shared"],
            assignee=[None, world.agent, world.agent_l2][i % 3],
        )


def queries_for(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_queue_page_runs_the_same_number_of_queries_for_5_and_25_tickets(world: Any) -> None:
    client = signed_in(world.agent)
    make_varied_tickets(world, 5)
    queries_for(client, "/desk/queues/team/")  # warm per-process caches (content types etc.)
    few = queries_for(client, "/desk/queues/team/")
    make_varied_tickets(world, 20, start=5)
    response = client.get("/desk/queues/team/")
    assert len(response.context["page"].items) == 25
    many = queries_for(client, "/desk/queues/team/")
    assert few == many


def test_unassigned_queue_shows_only_unassigned_open_tickets_of_my_teams(world: Any) -> None:
    waiting = new_ticket(world.alice, title="Nobody has this")
    taken = new_ticket(world.arthur, title="Someone has this")
    services.ticket_claim(actor=world.agent_l2, ticket=taken, version=taken.version)
    hr_ticket = new_ticket(world.alice, title="Payslip", category=CategoryFactory(team=world.hr))
    response = signed_in(world.agent).get("/desk/queues/unassigned/")
    assert response.status_code == 200
    assert numbers_on(response) == {waiting.number}
    assert "Nobody has this" in text_of(response)
    assert hr_ticket.number not in numbers_on(response)


def test_my_queue_shows_what_is_assigned_to_me(world: Any) -> None:
    mine = new_ticket(world.alice, title="Mine", actor=world.agent, assignee=world.agent)
    new_ticket(world.alice, title="Not mine")
    response = signed_in(world.agent).get("/desk/queues/mine/")
    assert numbers_on(response) == {mine.number}
    assert response.context["counts"]["mine"] == 1
    assert response.context["counts"]["unassigned"] == 1


def test_status_and_priority_filters_narrow_the_list(world: Any) -> None:
    urgent = new_ticket(world.alice, title="Server down", impact="high", urgency="high")
    calm = new_ticket(world.alice, title="New mouse please")
    client = signed_in(world.agent)
    assert numbers_on(client.get("/desk/queues/team/", {"priority": urgent.priority})) == {
        urgent.number
    }
    services.ticket_transition(
        actor=world.agent, ticket=calm, status="pending", pending_reason="requester", version=1
    )
    assert numbers_on(client.get("/desk/queues/team/", {"status": "pending"})) == {calm.number}


def test_search_finds_a_ticket_by_number_and_by_title_words(world: Any) -> None:
    first = new_ticket(world.alice, title="VPN drops every hour")
    second = new_ticket(world.alice, title="Keyboard missing keys")
    client = signed_in(world.agent)
    assert numbers_on(client.get("/desk/queues/team/", {"text": f"#{second.number}"})) == {
        second.number
    }
    assert numbers_on(client.get("/desk/queues/team/", {"text": "vpn"})) == {first.number}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "bogus"}, "Select a valid choice"),
        ({"team": "abc"}, "Select a valid choice"),
        ({"sort": "password"}, "Select a valid choice"),
        ({"text": "x" * 201}, "at most 200 characters"),
    ],
)
def test_an_invalid_filter_shows_a_form_message_not_an_error_page(
    world: Any, params: dict[str, str], message: str
) -> None:
    new_ticket(world.alice)
    response = signed_in(world.agent).get("/desk/queues/team/", params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert message in text_of(response)
    assert response.context["page"] is None


def test_a_broken_cursor_shows_a_message_not_an_error_page(world: Any) -> None:
    new_ticket(world.alice)
    response = signed_in(world.agent).get("/desk/queues/team/", {"cursor": "not-a-cursor"})
    assert response.status_code == 200
    assert any("cursor is not valid" in m for m in flash_messages(response))


def test_the_next_page_link_continues_where_the_first_page_ended(world: Any) -> None:
    for i in range(27):
        new_ticket(world.alice, title=f"Ticket {i}")
    client = signed_in(world.agent)
    first = client.get("/desk/queues/team/", {"sort": "number"})
    assert len(first.context["page"].items) == 25
    second = client.get("/desk/queues/team/" + first.context["next_url"])
    assert len(second.context["page"].items) == 2
    assert numbers_on(first).isdisjoint(numbers_on(second))


def test_an_unknown_queue_goes_to_my_queue(world: Any) -> None:
    response = signed_in(world.agent).get("/desk/queues/everything/")
    assert response.status_code == 302
    assert response["Location"] == "/desk/queues/mine/"


def test_sidebar_counts_partial_shows_the_counts(world: Any) -> None:
    new_ticket(world.alice)
    new_ticket(world.bob)
    response = signed_in(world.agent).get("/desk/counts/")
    assert response.status_code == 200
    assert 'data-queue="unassigned">2<' in response.content.decode()


def test_another_team_agent_does_not_see_the_ticket_in_any_queue(world: Any) -> None:
    ticket = new_ticket(world.alice, title="IT only")
    response = signed_in(world.hr_agent).get("/desk/queues/team/", {"text": str(ticket.number)})
    assert response.status_code == 200
    assert numbers_on(response) == set()


def test_the_polled_sidebar_keeps_the_current_queue_highlighted(world: Any) -> None:
    client = signed_in(world.agent)
    page = client.get("/desk/queues/team/").content.decode()
    assert 'hx-get="/desk/counts/?current=team"' in page
    polled = client.get("/desk/counts/", {"current": "team"}).content.decode()
    assert '<a href="/desk/queues/team/" aria-current="page">' in polled
    assert polled.count('aria-current="page"') == 1
    assert (
        'aria-current="page"'
        not in client.get("/desk/counts/", {"current": "bogus"}).content.decode()
    )
