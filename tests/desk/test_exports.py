"""The desk's CSV export of a queue: the filters on screen, the agent's scope, formula cells
neutralised, and a query count that does not grow with the rows."""

from __future__ import annotations

import csv
import io
from typing import Any

from asgiref.sync import async_to_sync
from django.db import connection
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext

from frontline.tickets.exports import HEADER
from frontline.tickets.models import Tag, Ticket
from frontline.tickets.numbering import reserve_ticket_numbers
from tests.conftest import World
from tests.factories import CategoryFactory
from tests.web.helpers import new_ticket, signed_in


def read_csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="tickets-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def column(rows: list[list[str]], name: str) -> list[str]:
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


def bulk(world: World, count: int, **fields: Any) -> list[Ticket]:
    fields.setdefault("requester", world.alice)
    fields.setdefault("organization", world.acme)
    fields.setdefault("team", world.it)
    rows = Ticket.objects.bulk_create(
        [Ticket(number=n, title=f"Bulk {n}", **fields) for n in reserve_ticket_numbers(count)]
    )
    tag, _ = Tag.objects.get_or_create(name="bulk")
    Ticket.tags.through.objects.bulk_create(
        [Ticket.tags.through(ticket_id=t.pk, tag_id=tag.pk) for t in rows]
    )
    return rows


def test_the_export_has_every_column_and_the_values(world: World) -> None:
    category = CategoryFactory(team=world.it, name="Printers")
    ticket = new_ticket(
        world.alice,
        title="Printer jammed",
        actor=world.agent,
        category=category,
        tags=["paper", "floor-2"],
        assignee=world.agent,
    )
    rows = read_csv(signed_in(world.agent).get("/desk/queues/team/export.csv"))
    assert rows[0] == HEADER
    assert HEADER == [
        "Number", "Title", "Status", "Priority", "Type", "Team", "Tier", "Assignee",
        "Requester", "Requester email", "Organization", "Category", "Channel", "Created",
        "Updated", "First response", "Resolved", "Tags",
    ]  # fmt: skip
    (row,) = rows[1:]
    record = dict(zip(rows[0], row, strict=True))
    assert record["Number"] == str(ticket.number)
    assert record["Title"] == "Printer jammed"
    assert record["Status"] == "New"
    assert record["Team"] == "IT"
    assert record["Assignee"] == "Ann Agent"
    assert record["Requester"] == "Alice Archer"
    assert record["Requester email"] == "alice@acme.test"
    assert record["Organization"] == "Acme"
    assert record["Category"] == "Printers"
    assert record["Tags"] == "floor-2, paper"
    assert record["Created"].startswith(str(ticket.created_at.year))
    assert record["Resolved"] == ""


def test_formula_cells_are_neutralised(world: World) -> None:
    titles = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "Plain title"]
    for title in titles:
        new_ticket(world.alice, title=title)
    rows = read_csv(signed_in(world.agent).get("/desk/queues/team/export.csv"))
    exported = set(column(rows, "Title"))
    assert exported == {"'" + t for t in titles[:4]} | {"Plain title"}


def test_an_agent_never_exports_another_teams_ticket(world: World) -> None:
    mine = new_ticket(world.alice, title="IT thing")
    hr = new_ticket(world.alice, title="Payslip", category=CategoryFactory(team=world.hr))
    for queue in ("team", "unassigned", "pending", "resolved", "mine"):
        numbers = column(
            read_csv(signed_in(world.agent).get(f"/desk/queues/{queue}/export.csv")), "Number"
        )
        assert str(hr.number) not in numbers, queue
    team = column(read_csv(signed_in(world.agent).get("/desk/queues/team/export.csv")), "Number")
    assert team == [str(mine.number)]
    hr_rows = read_csv(signed_in(world.hr_agent).get("/desk/queues/team/export.csv"))
    assert column(hr_rows, "Number") == [str(hr.number)]


def test_the_filters_on_screen_are_applied(world: World) -> None:
    urgent = new_ticket(world.alice, title="Server down", impact="high", urgency="high")
    new_ticket(world.alice, title="Mouse squeaks")
    tagged = new_ticket(world.bob, title="VPN", actor=world.agent, tags=["vpn"])
    client = signed_in(world.agent)
    p1 = read_csv(client.get("/desk/queues/team/export.csv?priority=p1"))
    assert column(p1, "Number") == [str(urgent.number)]
    vpn = read_csv(client.get("/desk/queues/team/export.csv?tag=vpn"))
    assert column(vpn, "Number") == [str(tagged.number)]
    words = read_csv(client.get("/desk/queues/team/export.csv?text=squeaks"))
    assert column(words, "Title") == ["Mouse squeaks"]
    by_number = read_csv(client.get("/desk/queues/team/export.csv?sort=number"))
    assert column(by_number, "Number") == sorted(column(by_number, "Number"), key=int)


def test_the_queue_page_links_to_the_export_with_its_filters(world: World) -> None:
    page = signed_in(world.agent).get("/desk/queues/team/?priority=p1&tag=vpn&cursor=abc")
    html = page.content.decode()
    assert 'href="/desk/queues/team/export.csv?priority=p1&amp;tag=vpn"' in html


def test_bad_filters_export_nothing(world: World) -> None:
    response = signed_in(world.agent).get("/desk/queues/team/export.csv?team=999999")
    assert response.status_code == 302
    assert response["Location"].startswith("/desk/queues/team/?")


def test_requesters_cannot_export_from_the_desk(world: World) -> None:
    response = signed_in(world.alice).get("/desk/queues/team/export.csv")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def queries_for_export(client: Any, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        rows = read_csv(client.get(url))
    return len(captured), len(rows) - 1


def test_the_export_runs_the_same_number_of_queries_for_10_and_50_tickets(world: World) -> None:
    client = signed_in(world.agent)
    bulk(world, 10)
    queries_for_export(client, "/desk/queues/team/export.csv")  # warm per-process caches
    few, count = queries_for_export(client, "/desk/queues/team/export.csv")
    assert count == 10
    bulk(world, 40, requester=world.bob, organization=world.globex)
    many, count = queries_for_export(client, "/desk/queues/team/export.csv")
    assert count == 50
    assert few == many


def test_served_over_asgi_the_export_is_still_streamed(world: World, recwarn: Any) -> None:
    """Django's ASGI handler would read a sync iterator whole into memory; the export hands
    it an async one instead (the complete rows arrive, and Django does not warn)."""
    bulk(world, 30)

    async def fetch() -> tuple[bool, bytes]:
        client = AsyncClient()
        await client.aforce_login(world.agent)
        response = await client.get("/desk/queues/team/export.csv")
        assert response.status_code == 200
        return response.is_async, b"".join([part async for part in response.streaming_content])

    is_async, body = async_to_sync(fetch)()
    assert is_async
    rows = list(csv.reader(io.StringIO(body.decode("utf-8").lstrip("\ufeff"))))
    assert len(rows) == 31
    assert not [w for w in recwarn.list if "consume" in str(w.message)]
