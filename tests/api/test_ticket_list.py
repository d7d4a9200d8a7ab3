"""GET /tickets: shape, filters, sorting, cursor pagination, strict parameters, scoping and a
query count that does not grow with the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import User
from frontline.tickets.models import Ticket
from frontline.tickets.schemas import TicketItem, TicketPage
from frontline.tickets.services import ticket_assign, ticket_create
from tests.api.conftest import Api, problem
from tests.conftest import World
from tests.factories import CategoryFactory

ApiFactory = Callable[[User | None], Api]


def numbers(response: object) -> list[int]:
    return [item["number"] for item in response.json()["items"]]  # type: ignore[attr-defined]


def test_items_have_the_documented_shape(
    api: ApiFactory, world: World, make_ticket: Callable[..., Ticket]
) -> None:
    category = CategoryFactory(team=world.it, name="Printers")
    ticket = make_ticket(category=category, impact="high", urgency="high")
    ticket_assign(actor=world.agent, ticket=ticket, assignee=world.agent_l2, version=None)
    response = api(world.agent).get("/tickets")
    assert response.status_code == 200
    page = response.json()
    TicketPage.model_validate(page)  # the OpenAPI schema describes what is sent
    (item,) = page["items"]
    assert set(item) == set(TicketItem.model_fields)
    assert item["number"] == ticket.number
    assert item["team"] == {"id": world.it.pk, "name": "IT"}
    assert item["organization"] == {"id": world.acme.pk, "name": "Acme"}
    alice = {"id": world.alice.pk, "email": "alice@acme.test", "name": "Alice Archer"}
    assert item["requester"] == alice
    assert item["assignee"]["email"] == "l2@desk.test"
    assert item["category"] == {"id": category.pk, "name": "Printers"}
    assert item["priority"] == "p1"
    assert item["version"] == 2
    assert item["created_at"].endswith("Z")
    assert page["next_cursor"] is None


def test_filters_repeat_and_combine(
    api: ApiFactory, world: World, make_ticket: Callable[..., Ticket]
) -> None:
    new = make_ticket(title="New one")
    mine = make_ticket(title="Mine")
    ticket_assign(actor=world.agent, ticket=mine, assignee=world.agent, version=None)
    tagged = ticket_create(actor=world.agent, requester=world.bob, title="Tagged", tags=["vpn"])
    client = api(world.agent)

    assert set(numbers(client.get("/tickets", {"assignee": "me"}))) == {mine.number}
    assert set(numbers(client.get("/tickets", {"assignee": "none"}))) == {new.number, tagged.number}
    both = client.get("/tickets", {"assignee": ["me", "none"]})
    assert set(numbers(both)) == {new.number, mine.number, tagged.number}
    assert numbers(client.get("/tickets", {"tag": "vpn"})) == [tagged.number]
    assert numbers(client.get("/tickets", {"organization": world.globex.pk})) == [tagged.number]
    assert numbers(client.get("/tickets", {"requester": world.bob.pk})) == [tagged.number]
    assert numbers(client.get("/tickets", {"status": ["open", "pending"]})) == []
    assert len(numbers(client.get("/tickets", {"status": ["new", "open"]}))) == 3
    assert len(numbers(client.get("/tickets", {"team": world.it.pk, "channel": "web"}))) == 3


def test_updated_since_needs_a_time_zone(
    api: ApiFactory, world: World, make_ticket: Callable[..., Ticket]
) -> None:
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        make_ticket(title="Old")
    recent = make_ticket(title="Recent")
    client = api(world.agent)
    since = client.get("/tickets", {"updated_since": "2026-06-01T00:00:00Z"})
    assert numbers(since) == [recent.number]
    naive = client.get("/tickets", {"updated_since": "2026-06-01T00:00:00"})
    assert naive.status_code == 422
    assert "updated_since" in problem(naive)["errors"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"stauts": "open"}, "stauts"),
        ({"status": "open", "team_id": "1"}, "team_id"),
        ({"sort": "title"}, "sort"),
        ({"sort": "password"}, "sort"),
        ({"status": "bogus"}, "status"),
        ({"assignee": "someone"}, "assignee"),
        ({"team": "IT"}, "team"),
        ({"team": "99999999999999999999999"}, "team"),  # beyond any database integer
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"updated_since": "yesterday"}, "updated_since"),
    ],
)
def test_bad_parameters_are_a_422_naming_them(
    api: ApiFactory, world: World, params: dict[str, str], field: str
) -> None:
    response = api(world.agent).get("/tickets", params)
    assert response.status_code == 422, response.content
    errors = problem(response)["errors"]
    assert any(key == field or key.startswith(f"{field}.") for key in errors), errors


def test_cursor_walks_every_ticket_once_in_order(
    api: ApiFactory, world: World, bulk_tickets: Callable[..., list[Ticket]]
) -> None:
    made = bulk_tickets(7)
    client = api(world.agent)
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        params: dict[str, str | int] = {"limit": 3, "sort": "number"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/tickets", params).json()
        seen += [item["number"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(t.number for t in made)
    newest_first = numbers(client.get("/tickets", {"sort": "-number", "limit": 2}))
    assert newest_first == sorted((t.number for t in made), reverse=True)[:2]


def test_default_page_is_25(
    api: ApiFactory, world: World, bulk_tickets: Callable[..., list[Ticket]]
) -> None:
    bulk_tickets(30)
    page = api(world.agent).get("/tickets").json()
    assert len(page["items"]) == 25
    assert page["next_cursor"]


def test_query_count_does_not_grow_with_the_page(
    api: ApiFactory, world: World, bulk_tickets: Callable[..., list[Ticket]]
) -> None:
    category = CategoryFactory(team=world.it, name="Network")
    client = api(world.agent)
    client.get("/users/me")  # the token's first use records it; later uses within a minute do not

    def count_queries(size: int) -> int:
        Ticket.objects.all().delete()
        bulk_tickets(size, assignee=world.agent_l2, category=category)
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/tickets", {"limit": 100})
        assert len(response.json()["items"]) == size
        return len(queries)

    assert count_queries(10) == count_queries(100)


def test_lists_are_scoped_to_what_each_user_may_see(
    api: ApiFactory, world: World, make_ticket: Callable[..., Ticket]
) -> None:
    alices = make_ticket(title="Alice's laptop")
    bobs = make_ticket(requester=world.bob, title="Bob's VPN")
    hr = ticket_create(actor=world.agent, requester=world.alice, title="Payslip", team=world.hr)
    unrouted = Ticket.objects.create(
        number=9999, title="Nowhere", requester=world.arthur, organization=world.acme
    )
    everyone = {alices.number, bobs.number, hr.number, unrouted.number}

    def visible(user: User) -> set[int]:
        return set(numbers(api(user).get("/tickets", {"limit": 100})))

    assert visible(world.alice) == {alices.number, hr.number}
    assert visible(world.bob) == {bobs.number}
    assert visible(world.arthur) == {unrouted.number}  # Acme does not share tickets
    assert visible(world.agent) == {alices.number, bobs.number}
    assert visible(world.hr_agent) == {hr.number}
    assert visible(world.coordinator) == {alices.number, bobs.number, unrouted.number}
    assert visible(world.manager) == {alices.number, bobs.number, unrouted.number}
    assert visible(world.admin) == everyone


def test_text_filter_finds_a_ticket_by_number_or_title_words(
    world: World, api: Callable[[User | None], Api]
) -> None:
    wanted = ticket_create(actor=world.alice, title="VPN drops every hour")
    ticket_create(actor=world.alice, title="Printer jam")
    by_words = api(world.agent).get("/tickets", {"text": "vpn drops"}).json()["items"]
    by_number = api(world.agent).get("/tickets", {"text": f"#{wanted.number}"}).json()["items"]
    assert [t["number"] for t in by_words] == [wanted.number]
    assert [t["number"] for t in by_number] == [wanted.number]
