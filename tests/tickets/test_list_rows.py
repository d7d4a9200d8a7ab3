"""The API list's rows: the same page, order, cursor and shape as the desk's model rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.sla.models import TicketSla
from frontline.sla.services import install_default_policy, sla_recompute
from frontline.tickets import selectors
from frontline.tickets.list_rows import list_rows
from frontline.tickets.schemas import ticket_item
from frontline.tickets.services import ticket_create
from tests.conftest import World


@pytest.fixture
def tickets(world: World) -> None:
    install_default_policy()
    for i in range(12):
        ticket = ticket_create(
            actor=world.agent,
            requester=world.alice if i % 2 else world.bob,
            title=f"Ticket {i}",
            tags=[f"tag{i % 3}", "bulk"][: 1 + i % 2],
            assignee=world.agent if i % 3 == 0 else None,
            impact=["low", "medium", "high"][i % 3],
            urgency=["low", "high"][i % 2],
        )
        if i % 4:
            sla_recompute(ticket)
        else:
            TicketSla.objects.filter(ticket=ticket).delete()
    assert TicketSla.objects.exists()


@pytest.mark.usefixtures("tickets")
@pytest.mark.parametrize("who", ["admin", "agent", "alice"])
@pytest.mark.parametrize("sort", sorted(selectors.SORTS))
def test_rows_render_exactly_like_model_rows_page_after_page(
    world: World, who: str, sort: str
) -> None:
    user = getattr(world, who)
    cursor_models = cursor_rows = None
    seen = 0
    while True:
        models = selectors.ticket_list(user, sort=sort, cursor=cursor_models, limit=5)
        rows = selectors.ticket_list_rows(user, sort=sort, cursor=cursor_rows, limit=5)
        assert [ticket_item(r) for r in rows.items] == [ticket_item(t) for t in models.items]
        assert rows.next_cursor == models.next_cursor
        seen += len(rows.items)
        if models.next_cursor is None:
            break
        cursor_models, cursor_rows = models.next_cursor, rows.next_cursor
    assert seen == len(selectors.tickets_visible_to(user))


@pytest.mark.usefixtures("tickets")
def test_rows_carry_tags_sla_and_cached_relations(world: World) -> None:
    rows = selectors.ticket_list_rows(world.admin, limit=100).items
    assert any(r.sla is not None for r in rows)
    assert any(r.sla is None for r in rows)
    with_assignee = [r for r in rows if r.assignee is not None]
    assert with_assignee
    assert all(r.assignee == world.agent for r in with_assignee)
    assert all(r.team == world.it for r in rows)
    assert {name for r in rows for name in r.tag_names} == {"bulk", "tag0", "tag1", "tag2"}
    assert all(r.created_at.tzinfo is not None for r in rows)  # converted, also on SQLite


@pytest.mark.usefixtures("tickets")
def test_two_queries_for_any_page_length(world: World) -> None:
    for limit in (3, 10, 12):
        with CaptureQueriesContext(connection) as captured:
            selectors.ticket_list_rows(world.admin, limit=limit)
        assert len(captured) == 2 + 4  # ids, columns, and the four cached tables (cache off)


def test_no_ids_no_query(db: None) -> None:
    with CaptureQueriesContext(connection) as captured:
        assert list_rows([]) == []
    assert len(captured) == 0
