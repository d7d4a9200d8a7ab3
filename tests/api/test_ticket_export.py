"""GET /tickets/export: the list's filters and scope, streamed whole as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import User
from frontline.tickets.exports import COLUMNS
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_create, ticket_transition
from tests.api.conftest import Api, problem
from tests.conftest import World
from tests.factories import CategoryFactory

ApiFactory = Callable[[User | None], Api]


def body_of(response: Any) -> str:
    assert response.status_code == 200, getattr(response, "content", response)
    return b"".join(response.streaming_content).decode("utf-8")


def exported(response: Any) -> list[dict[str, Any]]:
    assert response["Content-Type"] == "application/json"
    items: list[dict[str, Any]] = json.loads(body_of(response))
    return items


def test_json_is_valid_and_complete(
    api: ApiFactory, world: World, bulk_tickets: Callable[..., list[Ticket]]
) -> None:
    rows = bulk_tickets(30)
    items = exported(api(world.agent).get("/tickets/export", {"format": "json"}))
    assert sorted(i["number"] for i in items) == sorted(t.number for t in rows)
    assert all(list(item) == [key for key, _ in COLUMNS] for item in items)
    first = next(i for i in items if i["number"] == rows[0].number)
    assert first["team"] == "IT"
    assert first["requester_email"] == "alice@acme.test"
    assert first["tags"] == ["bulk"]
    assert first["status"] == "new"
    assert first["created_at"].startswith(str(rows[0].created_at.year))


def test_json_is_the_default_and_csv_is_neutralised(
    api: ApiFactory, world: World, make_ticket: Callable[..., Ticket]
) -> None:
    for title in ("=1+2", "+SUM(A1)", "-1", "@cmd", "Fine"):
        make_ticket(title=title)
    assert len(exported(api(world.agent).get("/tickets/export"))) == 5
    response = api(world.agent).get("/tickets/export", {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body_of(response).lstrip("\ufeff"))))
    titles = {row[rows[0].index("Title")] for row in rows[1:]}
    assert titles == {"'=1+2", "'+SUM(A1)", "'-1", "'@cmd", "Fine"}


def test_exports_are_scoped_like_the_list(
    api: ApiFactory, world: World, make_ticket: Callable[..., Ticket]
) -> None:
    alices = make_ticket(title="Alice's")
    arthurs = make_ticket(title="Arthur's", requester=world.arthur, actor=world.arthur)
    bobs = make_ticket(title="Bob's", requester=world.bob, actor=world.bob)
    hr = make_ticket(title="Payslip", category=CategoryFactory(team=world.hr))

    def numbers(user: User) -> set[int]:
        return {i["number"] for i in exported(api(user).get("/tickets/export"))}

    assert numbers(world.alice) == {alices.number, hr.number}
    assert numbers(world.bob) == {bobs.number}
    assert numbers(world.agent) == {alices.number, arthurs.number, bobs.number}
    assert numbers(world.hr_agent) == {hr.number}
    assert numbers(world.admin) == {alices.number, arthurs.number, bobs.number, hr.number}


def test_filters_and_sort_are_the_lists(
    api: ApiFactory, world: World, make_ticket: Callable[..., Ticket]
) -> None:
    a = make_ticket(title="One")
    b = make_ticket(title="Two", impact="high", urgency="high")
    c = ticket_create(actor=world.agent, requester=world.bob, title="Three", tags=["vpn"])
    ticket_transition(actor=world.agent, ticket=a, status="resolved", version=None)
    client = api(world.agent)
    assert [
        i["number"] for i in exported(client.get("/tickets/export", {"status": "resolved"}))
    ] == [a.number]
    assert [i["number"] for i in exported(client.get("/tickets/export", {"priority": "p1"}))] == [
        b.number
    ]
    assert [i["number"] for i in exported(client.get("/tickets/export", {"tag": "vpn"}))] == [
        c.number
    ]
    both = exported(client.get("/tickets/export?status=new&status=resolved&sort=-number"))
    assert [i["number"] for i in both] == sorted([a.number, b.number, c.number], reverse=True)


def test_unknown_or_bad_parameters_are_422(api: ApiFactory, world: World) -> None:
    client = api(world.agent)
    for params, field in (
        ({"colour": "red"}, "colour"),
        ({"limit": "5"}, "limit"),
        ({"cursor": "abc"}, "cursor"),
        ({"status": "sleeping"}, "status"),
        ({"sort": "title"}, "sort"),
        ({"format": "xlsx"}, "format"),
        ({"updated_since": "2026-01-01T00:00:00"}, "updated_since"),
    ):
        response = client.get("/tickets/export", params)
        assert response.status_code == 422, params
        assert field in problem(response)["errors"], (params, response.json())
    assert api(None).get("/tickets/export").status_code == 401


def queries(client: Api) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        items = exported(client.get("/tickets/export"))
    return len(captured), len(items)


def test_constant_queries_for_10_and_50_rows(
    api: ApiFactory, world: World, bulk_tickets: Callable[..., list[Ticket]]
) -> None:
    client = api(world.agent)
    bulk_tickets(10)
    queries(client)  # warm per-process caches
    few, count = queries(client)
    assert count == 10
    bulk_tickets(40, requester=world.bob, organization=world.globex)
    many, count = queries(client)
    assert count == 50
    assert few == many
