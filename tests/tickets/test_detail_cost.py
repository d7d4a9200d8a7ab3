"""GET /api/v1/tickets/{number}: one statement reads the ticket and everything its detail
shows (watchers, links, messages, attachments), however many there are, and the bytes it
sends are what validation through ``TicketDetail`` renders (the endpoint skips that pass)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from frontline.accounts.models import User
from frontline.sla.models import Calendar, SlaPolicy, SlaTarget, TicketSla
from frontline.tickets import selectors
from frontline.tickets.events import dispatch_pending
from frontline.tickets.models import Ticket
from frontline.tickets.schemas import TicketDetail, ticket_detail
from frontline.tickets.services import (
    attachment_upload,
    ticket_create,
    ticket_link,
    ticket_note,
    ticket_reply,
)
from tests.api.conftest import Api
from tests.conftest import World
from tests.factories import CategoryFactory, CustomFieldFactory, UserFactory

# A fraction of a second under a millisecond: ".000" in some renderings, none in others.
ODD_MOMENT = dt.datetime(2026, 3, 2, 10, 0, 0, 417, tzinfo=dt.UTC)
RELATIONS = ('"tickets_attachment"', '"tickets_ticketlink"', '"tickets_ticket_watchers"')


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(ODD_MOMENT, tick=False):
        yield


def _conversation(world: World, ticket: Ticket, rounds: int) -> None:
    for n in range(rounds):
        uploads = [
            attachment_upload(actor=world.agent, content=b"x" * k, filename=f"{n}-{k}.txt")
            for k in range(1, 3)
        ]
        ticket_reply(
            actor=world.agent,
            ticket=ticket,
            body=f"reply {n}",
            attachment_ids=[u.uuid for u in uploads],
        )
        note = attachment_upload(actor=world.agent_l2, content=b"n", filename=f"note{n}.log")
        ticket_note(
            actor=world.agent_l2, ticket=ticket, body=f"note {n}", attachment_ids=[note.uuid]
        )
        ticket_reply(actor=world.alice, ticket=ticket, body=f"thanks {n}")


def _detail_queries(client: Api, number: int) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/tickets/{number}")
    assert response.status_code == 200
    conversation = [q["sql"] for q in queries.captured_queries if '"tickets_message"' in q["sql"]]
    return len(queries), conversation


@pytest.mark.parametrize("viewer", ["agent", "alice"])
def test_detail_query_count_is_the_same_for_a_short_and_a_long_ticket(
    world: World, viewer: str
) -> None:
    category = CategoryFactory(team=world.it, name="Hardware")
    small = ticket_create(actor=world.alice, title="Short", category=category)
    big = ticket_create(
        actor=world.agent,
        requester=world.alice,
        title="Long",
        category=category,
        team=world.it,
        tags=["vpn", "laptop"],
        watcher_ids=[world.arthur.pk, world.agent_l2.pk, world.coordinator.pk],
    )
    _conversation(world, big, rounds=7)  # 22 messages, 21 attachments
    for n in range(3):
        other = ticket_create(actor=world.alice, title=f"Related {n}")
        ticket_link(actor=world.agent, source=big, target=other, kind="related")
        ticket_link(actor=world.agent, source=other, target=big, kind="caused_by")
    user: User = getattr(world, viewer)
    client = Api(user)
    client.get("/users/me")  # the token's first use

    small_count, small_reads = _detail_queries(client, small.number)
    big_count, big_reads = _detail_queries(client, big.number)

    assert big_count == small_count
    assert len(small_reads) == 1
    # The conversation, attachments, links and watchers come in the ticket's own statement.
    assert len(big_reads) == 1
    assert all(relation in big_reads[0] for relation in RELATIONS)
    body = client.get(f"/tickets/{big.number}").json()
    assert len(body["links"]) == 6
    assert len(body["watchers"]) == 3
    expected = 22 if viewer == "agent" else 15  # requesters never get internal notes
    assert len(body["messages"]) == expected
    attachments = sum(len(m["attachments"]) for m in body["messages"])
    assert attachments == (21 if viewer == "agent" else 14)


def _validated(user: User, number: int) -> bytes:
    # What the endpoint sent while it let ninja validate its dict through TicketDetail.
    data = ticket_detail(selectors.ticket_detail_for(user, number))
    validated = TicketDetail.model_validate(data).model_dump()
    return json.dumps(validated, cls=NinjaJSONEncoder).encode()


def _sla_policy() -> None:
    office = Calendar.objects.create(
        name="Always", time_zone="UTC", hours={day: ["00:00-23:59"] for day in ("mon", "tue")}
    )
    policy = SlaPolicy.objects.create(name="Default", calendar=office)
    for priority in ("p1", "p2", "p3", "p4"):
        SlaTarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=30,
            next_response_minutes=60,
            resolution_minutes=240,
        )


def test_detail_bytes_are_what_the_schema_renders(
    world: World, frozen: None, django_capture_on_commit_callbacks: Any
) -> None:
    _sla_policy()
    hardware = CategoryFactory(team=world.it, name="Hardware")
    laptops = CategoryFactory(team=world.it, name="Laptops", parent=hardware)
    CustomFieldFactory(category=hardware, key="asset", label="Asset tag")
    zed = UserFactory(email="Zed@acme.test", full_name="", orgs=[world.acme])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(
            actor=world.agent,
            requester=world.alice,
            title='Screen <flickers> "again"',
            description="Since Monday ✓ \\ \n",
            category=laptops,
            custom_fields={"asset": "A-17 ✓"},
            tags=["screen", "a-tag"],
            watcher_ids=[world.arthur.pk, zed.pk, world.agent_l2.pk],
        )
        _conversation(world, ticket, rounds=2)
        ticket_link(
            actor=world.agent,
            source=ticket,
            target=ticket_create(actor=world.bob, title="Globex's"),
            kind="related",
        )
        dispatch_pending()
    assert TicketSla.objects.filter(ticket=ticket).exists()

    for user in (world.agent, world.alice, world.admin):
        response = Api(user).get(f"/tickets/{ticket.number}")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert response.content == _validated(user, ticket.number), user
        body = response.json()
        assert body["sla"] is not None
        assert body["created_at"] == "2026-03-02T10:00:00Z"
        assert body["messages"][0]["created_at"] == "2026-03-02T10:00:00.000Z"
        assert body["first_response_at"] == "2026-03-02T10:00:00.000Z"
        watchers = ticket.watchers.order_by("email", "id").values_list("email", flat=True)
        assert [w["email"] for w in body["watchers"]] == list(watchers)  # the database's order
        # Alice may not see Bob's ticket, so the link to it is left out for her alone.
        assert len(body["links"]) == (0 if user == world.alice else 1)


@pytest.mark.pg
def test_detail_statement_is_prepared_when_the_connection_allows_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = ticket_create(actor=world.alice, title="Prepared")
    ticket_reply(actor=world.agent, ticket=ticket, body="Once")
    client = Api(world.alice)
    first = client.get(f"/tickets/{ticket.number}").content
    connection.ensure_connection()
    monkeypatch.setattr(connection.connection, "prepare_threshold", 0)
    again = [client.get(f"/tickets/{ticket.number}").content for _ in range(3)]
    assert again == [first] * 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"tickets_message"' in statement for statement in prepared)


@pytest.mark.parametrize("number", ["99999999999999999999", "-9223372036854775809"])
def test_a_number_beyond_the_column_answers_404_like_a_missing_ticket(
    world: World, number: str
) -> None:
    client = Api(world.admin)
    response = client.get(f"/tickets/{number}")
    assert response.status_code == 404
    assert response.json()["detail"] == client.get("/tickets/424242").json()["detail"]
