"""The search index follows tickets through their events, once per change."""

from __future__ import annotations

from typing import Any

import pytest

from frontline.search.index import search
from frontline.search.models import SearchDocument
from frontline.tickets.events import dispatch_pending
from frontline.tickets.models import TicketEvent
from frontline.tickets.services import ticket_create, ticket_reply
from tests.conftest import World


@pytest.fixture
def index_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    from frontline.search import subscribers

    calls: list[list[int]] = []
    real = subscribers.ticket_index

    def counting(*, ticket_ids: list[int]) -> Any:
        calls.append(list(ticket_ids))
        return real(ticket_ids=ticket_ids)

    monkeypatch.setattr(subscribers, "ticket_index", counting)
    return calls


def test_a_change_with_several_events_is_indexed_once(
    world: World, index_calls: list[list[int]]
) -> None:
    ticket = ticket_create(
        actor=world.agent,
        requester=world.alice,
        title="Projector in room 4 flickers",
        tags=["hardware"],
        assignee=world.agent,
    )
    assert TicketEvent.objects.filter(ticket=ticket).count() >= 2
    dispatch_pending()
    assert index_calls == [[ticket.pk]]
    hits = search("ticket", "projector flickers", within=None)
    assert [h.object_id for h in hits] == [ticket.pk]
    assert SearchDocument.objects.filter(kind="person", object_id=world.alice.pk).exists()


def test_each_later_change_is_indexed_again(world: World, index_calls: list[list[int]]) -> None:
    ticket = ticket_create(actor=world.agent, requester=world.alice, title="Printer jam")
    dispatch_pending()
    ticket_reply(actor=world.alice, ticket=ticket, body="Now the toner light blinks too")
    dispatch_pending()
    assert index_calls == [[ticket.pk], [ticket.pk]]
    assert [h.object_id for h in search("ticket", "toner", within=None)] == [ticket.pk]
