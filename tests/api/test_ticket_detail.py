"""GET /tickets/{number} and its history: the conversation, attachments, links, watchers,
what requesters may not see, and 404 for tickets outside the caller's scope."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import User
from frontline.tickets.models import Ticket
from frontline.tickets.schemas import History, TicketDetail
from frontline.tickets.services import (
    attachment_upload,
    ticket_create,
    ticket_link,
    ticket_merge,
    ticket_note,
    ticket_reply,
)
from tests.api.conftest import Api, problem
from tests.conftest import World
from tests.factories import CategoryFactory, CustomFieldFactory

ApiFactory = Callable[[User | None], Api]


def test_detail_has_the_conversation_links_watchers_and_fields(
    api: ApiFactory, world: World
) -> None:
    hardware = CategoryFactory(team=world.it, name="Hardware")
    laptops = CategoryFactory(team=world.it, name="Laptops", parent=hardware)
    CustomFieldFactory(category=hardware, key="asset", label="Asset tag")
    ticket = ticket_create(
        actor=world.agent,
        requester=world.alice,
        title="Screen flickers",
        description="Since Monday",
        category=laptops,
        custom_fields={"asset": "A-17"},
        tags=["screen"],
        watcher_ids=[world.arthur.pk],
    )
    upload = attachment_upload(actor=world.agent, content=b"log", filename="dmesg.txt")
    ticket_reply(actor=world.agent, ticket=ticket, body="Try this", attachment_ids=[upload.uuid])
    other = ticket_create(actor=world.agent, requester=world.alice, title="Dock dead")
    ticket_link(actor=world.agent, source=other, target=ticket, kind="caused_by")

    response = api(world.agent).get(f"/tickets/{ticket.number}")
    assert response.status_code == 200
    body = response.json()
    TicketDetail.model_validate(body)
    assert body["description"] == "Since Monday"
    assert body["category"] == {"id": laptops.pk, "name": "Laptops", "path": "Hardware › Laptops"}
    assert body["custom_fields"] == {"asset": "A-17"}
    assert body["tags"] == ["screen"]
    assert [w["email"] for w in body["watchers"]] == ["arthur@acme.test"]
    assert body["merged_into"] is None
    first, reply = body["messages"]
    assert first["body"] == "Since Monday"
    assert first["author"]["email"] == "alice@acme.test"
    assert reply["kind"] == "public"
    (attachment,) = reply["attachments"]
    assert attachment == {
        "id": str(upload.uuid),
        "filename": "dmesg.txt",
        "content_type": "text/plain",
        "size": 3,
        "url": f"/attachments/{upload.uuid}/",
    }
    (link,) = body["links"]
    assert link["kind"] == "caused_by"
    assert link["direction"] == "inbound"
    assert link["ticket"]["number"] == other.number


def test_requesters_never_get_internal_notes(api: ApiFactory, world: World) -> None:
    ticket = ticket_create(actor=world.alice, title="Badge broken")
    upload = attachment_upload(actor=world.agent, content=b"secret", filename="notes.txt")
    ticket_note(
        actor=world.agent, ticket=ticket, body="Internal: VIP", attachment_ids=[upload.uuid]
    )
    ticket_reply(actor=world.agent, ticket=ticket, body="On it")

    for_requester = api(world.alice).get(f"/tickets/{ticket.number}").json()
    assert [m["body"] for m in for_requester["messages"]] == ["Badge broken", "On it"]
    assert "Internal: VIP" not in str(for_requester)
    assert str(upload.uuid) not in str(for_requester)

    for_desk = api(world.agent).get(f"/tickets/{ticket.number}").json()
    kinds = [m["kind"] for m in for_desk["messages"]]
    assert kinds == ["public", "internal", "public"]


def test_merged_ticket_points_at_its_target(api: ApiFactory, world: World) -> None:
    source = ticket_create(actor=world.alice, title="Wifi down")
    target = ticket_create(actor=world.arthur, title="No wifi on floor 2")
    ticket_merge(actor=world.agent, source=source, target=target, version=None)
    body = api(world.alice).get(f"/tickets/{source.number}").json()
    assert body["merged_into"] == target.number
    assert body["status"] == "closed"


def test_history_is_complete_for_the_desk_and_milestones_for_requesters(
    api: ApiFactory, world: World
) -> None:
    ticket = ticket_create(actor=world.alice, title="Mouse")
    ticket_note(actor=world.agent, ticket=ticket, body="Checking stock")
    api(world.agent).post(f"/tickets/{ticket.number}/claim", {"version": 2})

    desk = api(world.agent).get(f"/tickets/{ticket.number}/history")
    assert desk.status_code == 200
    History.model_validate(desk.json())
    kinds = [e["kind"] for e in desk.json()["items"]]
    assert kinds == ["created", "noted", "assigned"]
    assigned = desk.json()["items"][-1]
    assert assigned["actor"]["email"] == "agent@desk.test"
    assert assigned["new"] == world.agent.pk

    requester = api(world.alice).get(f"/tickets/{ticket.number}/history").json()
    assert [e["kind"] for e in requester["items"]] == ["created"]


@pytest.mark.parametrize("path", ["", "/history"])
def test_tickets_outside_the_scope_answer_404_like_missing_ones(
    api: ApiFactory, world: World, path: str
) -> None:
    alices = ticket_create(actor=world.alice, title="Alice's")
    hr = ticket_create(actor=world.agent, requester=world.alice, title="HR", team=world.hr)
    missing = api(world.admin).get(f"/tickets/424242{path}")
    assert missing.status_code == 404
    for user, number in [
        (world.bob, alices.number),  # another organization's requester
        (world.arthur, alices.number),  # a colleague, when the organization does not share
        (world.hr_agent, alices.number),  # an agent of another team
        (world.agent, hr.number),  # IT agent, HR ticket
    ]:
        response = api(user).get(f"/tickets/{number}{path}")
        assert response.status_code == 404, (user, number)
        assert problem(response)["detail"] == problem(missing)["detail"]  # no existence oracle
    assert api(world.hr_agent).get(f"/tickets/{hr.number}{path}").status_code == 200
    assert api(world.manager).get(f"/tickets/{alices.number}{path}").status_code == 200


def test_a_watcher_requester_sees_the_ticket(api: ApiFactory, world: World) -> None:
    ticket = ticket_create(
        actor=world.agent, requester=world.alice, title="Shared", watcher_ids=[world.bob.pk]
    )
    assert api(world.bob).get(f"/tickets/{ticket.number}").status_code == 200
    assert Ticket.objects.count() == 1


def test_detail_query_count_does_not_grow_with_the_conversation(
    api: ApiFactory, world: World
) -> None:
    ticket = ticket_create(actor=world.alice, title="Long thread")
    client = api(world.agent)
    client.get("/users/me")

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/tickets/{ticket.number}").status_code == 200
        return len(queries)

    def add_messages(count: int) -> None:
        for n in range(count):
            upload = attachment_upload(actor=world.agent, content=b"x", filename=f"{n}.txt")
            ticket_reply(
                actor=world.agent, ticket=ticket, body=f"r{n}", attachment_ids=[upload.uuid]
            )
            ticket_note(actor=world.agent_l2, ticket=ticket, body=f"n{n}")

    add_messages(1)
    before = measure()
    add_messages(5)
    assert measure() == before
    assert len(client.get(f"/tickets/{ticket.number}").json()["messages"]) == 13
