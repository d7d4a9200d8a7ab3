"""The API list's rows: the same page, order, cursor and shape as the desk's model rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontline.core import statements
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
            team=world.hr if i in (1, 5) else None,  # Alice (Acme): HR serves Acme only
        )
        if i % 4:
            sla_recompute(ticket)
        else:
            TicketSla.objects.filter(ticket=ticket).delete()
    assert TicketSla.objects.exists()


@pytest.mark.usefixtures("tickets")
@pytest.mark.parametrize("who", ["admin", "agent", "alice", "hr_agent"])
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
    assert {r.team for r in rows} == {world.it, world.hr}
    assert {name for r in rows for name in r.tag_names} == {"bulk", "tag0", "tag1", "tag2"}
    assert all(r.created_at.tzinfo is not None for r in rows)  # converted, also on SQLite


@pytest.mark.usefixtures("tickets")
def test_one_query_for_any_page_length(world: World) -> None:
    for limit in (3, 10, 12):
        with CaptureQueriesContext(connection) as captured:
            selectors.ticket_list_rows(world.admin, limit=limit)
        assert len(captured) == 1 + 4  # the page, and the four cached tables (cache off)


def _filters(world: World, case: str, variant: int) -> selectors.TicketFilters:
    """Two variants of each filter shape: the second call reuses the first one's statement."""
    since = timezone.now() - dt.timedelta(minutes=5 if variant else 60)
    cases = {
        "status": selectors.TicketFilters(status=[["new"], ["open"]][variant]),
        "statuses": selectors.TicketFilters(status=[["new", "open"], ["open", "pending"]][variant]),
        "team": selectors.TicketFilters(team=[[world.it.pk], [world.hr.pk]][variant]),
        "assignee me": selectors.TicketFilters(assignee=["me"]),
        "assignee id or none": selectors.TicketFilters(
            assignee=[[str(world.agent.pk), "none"], [str(world.admin.pk), "none"]][variant]
        ),
        "tag": selectors.TicketFilters(tag=[["TAG1 "], ["bulk"]][variant]),
        "two tags": selectors.TicketFilters(tag=[["tag1", "bulk"], ["tag0", "bulk"]][variant]),
        "priority and type": selectors.TicketFilters(
            priority=[["p1", "p2"], ["p3", "p4"]][variant], type=["incident"]
        ),
        "updated since": selectors.TicketFilters(updated_since=since),
        "number": selectors.TicketFilters(text=["#1", "3"][variant]),
        "title words": selectors.TicketFilters(text=["icket 1", "ticket 1_"][variant]),
        "requester and organization": selectors.TicketFilters(
            requester=[[world.alice.pk], [world.bob.pk]][variant],
            organization=[[world.acme.pk], [world.globex.pk]][variant],
        ),
    }
    return cases[case]


CASES = (
    "status", "statuses", "team", "assignee me", "assignee id or none", "tag", "two tags",
    "priority and type", "updated since", "number", "title words", "requester and organization",
)  # fmt: skip


@pytest.mark.usefixtures("tickets")
@pytest.mark.parametrize("who", ["admin", "agent", "alice", "hr_agent", "coordinator"])
@pytest.mark.parametrize("case", CASES)
def test_filtered_rows_match_model_rows_with_other_values_of_the_same_shape(
    world: World, who: str, case: str
) -> None:
    user = getattr(world, who)
    for variant in (0, 1):
        filters = _filters(world, case, variant)
        models = selectors.ticket_list(user, filters, sort="number", limit=100)
        rows = selectors.ticket_list_rows(user, filters, sort="number", limit=100)
        assert [r.number for r in rows.items] == [t.number for t in models.items]
        expected = selectors.tickets_filtered(user, filters).order_by("number")
        assert [r.number for r in rows.items] == list(expected.values_list("number", flat=True))


@pytest.mark.usefixtures("tickets")
def test_a_statement_serves_other_users_of_the_same_shape(world: World) -> None:
    """Alice's page, then Bob's: the statement compiled for Alice's scope must not leak."""
    alice = selectors.ticket_list_rows(world.alice, sort="number", limit=100).items
    bob = selectors.ticket_list_rows(world.bob, sort="number", limit=100).items
    assert alice
    assert bob
    assert {r.requester.pk for r in alice} == {world.alice.pk}
    assert {r.requester.pk for r in bob} == {world.bob.pk}


@pytest.mark.usefixtures("tickets")
@pytest.mark.parametrize("who", ["admin", "agent", "alice", "hr_agent", "coordinator"])
def test_every_filter_but_title_words_is_compiled_once(
    world: World, who: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statements, "_compiled", {})
    user = getattr(world, who)
    for case in CASES:
        for cursor in (None, selectors.ticket_list_rows(user, limit=1).next_cursor):
            selectors.ticket_list_rows(user, _filters(world, case, 0), cursor=cursor, limit=1)
    compiled = [entry for entry in statements._compiled.values() if entry != "empty"]
    uncompilable = [entry for entry in compiled if entry == "uncompilable"]
    # The title words, with and without a cursor: ``icontains`` wraps them in %...%.
    assert len(uncompilable) == 2
    assert len(compiled) - len(uncompilable) >= len(CASES)


def test_no_rows_no_query(db: None) -> None:
    with CaptureQueriesContext(connection) as captured:
        assert list_rows([]) == []
    assert len(captured) == 0


@pytest.mark.usefixtures("tickets")
def test_repeated_values_make_no_new_shape_and_long_lists_are_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each list length is another compiled statement: a caller must not be able to fill a
    process with them (the reviewer measured ~90 KB a shape)."""
    monkeypatch.setattr(statements, "_compiled", {})
    for times in range(1, 60):
        selectors.ticket_list_rows(world.agent, selectors.TicketFilters(status=["new"] * times))
    assert len(statements._compiled) == 1
    too_many = [str(pk) for pk in range(1, selectors.MAX_FILTER_VALUES + 2)]
    with pytest.raises(selectors.ValidationError) as raised:
        selectors.ticket_list_rows(world.agent, selectors.TicketFilters(team=too_many))
    assert set(raised.value.errors) == {"team"}


@pytest.mark.usefixtures("tickets")
def test_past_the_cap_new_shapes_use_the_orm(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statements, "_compiled", {})
    monkeypatch.setattr(statements, "MAX_SHAPES", 1)
    selectors.ticket_list_rows(world.agent)
    filters = selectors.TicketFilters(status=["new"])
    rows = selectors.ticket_list_rows(world.agent, filters, sort="number", limit=100)
    assert len(statements._compiled) == 1
    expected = selectors.tickets_filtered(world.agent, filters).order_by("number")
    assert [r.number for r in rows.items] == list(expected.values_list("number", flat=True))
