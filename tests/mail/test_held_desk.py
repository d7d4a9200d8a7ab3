"""Held mail (from strangers) on the desk ticket page: the lazily loaded panel and the
accept / reject / new-ticket actions, with their permissions."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from frontline.accounts.models import User
from frontline.mail.ingest import mail_ingest
from frontline.mail.models import InboundMail, Source, State
from frontline.mail.selectors import PREVIEW_CHARS, held_mail_for
from frontline.tickets.models import MessageKind, Ticket
from tests.conftest import World
from tests.mail.mailbuild import build, new_id

pytestmark = pytest.mark.django_db


def pipe(raw: bytes) -> InboundMail:
    return mail_ingest(raw=raw, source=Source.PIPE)


def _ticket_and_held(body: str = "Same here, please fix.") -> tuple[Ticket, InboundMail]:
    original = new_id()
    first = pipe(build("alice@acme.test", message_id=original))
    assert first.ticket_id is not None
    ticket = Ticket.objects.get(pk=first.ticket_id)
    held = pipe(
        build("Colleague <colleague@acme.test>", "Re: Printer broken", body, in_reply_to=original)
    )
    assert held.state == State.HELD
    assert held.ticket_id == ticket.pk
    return ticket, held


def _panel_url(ticket: Ticket) -> str:
    return reverse("desk:held-mail", args=[ticket.number])


def _action(client: Client, ticket: Ticket, held: InboundMail, action: str) -> HttpResponse:
    url = reverse("desk:held-mail-action", args=[ticket.number, held.pk])
    return client.post(url, {"action": action})  # type: ignore[return-value]


def _flash(response: HttpResponse) -> list[tuple[str, str]]:
    return [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def _public(ticket: Ticket) -> list[str]:
    return list(
        ticket.messages.filter(kind=MessageKind.PUBLIC)
        .order_by("id")
        .values_list("body", flat=True)
    )


def test_the_ticket_page_loads_the_panel_lazily(world: World, client: Client) -> None:
    ticket, _ = _ticket_and_held()
    client.force_login(world.agent)
    page = client.get(reverse("desk:ticket", args=[ticket.number])).content.decode()
    assert f'hx-get="{_panel_url(ticket)}"' in page


def test_an_agent_sees_the_held_mail_and_accepts_it(world: World, client: Client) -> None:
    ticket, held = _ticket_and_held()
    client.force_login(world.agent)
    panel = client.get(_panel_url(ticket))
    assert panel.status_code == 200
    text = panel.content.decode()
    assert "colleague@acme.test" in text
    assert "Re: Printer broken" in text
    assert "Same here, please fix." in text
    assert reverse("desk:held-mail-action", args=[ticket.number, held.pk]) in text

    response = _action(client, ticket, held, "accept")
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:ticket", args=[ticket.number])
    assert [level for level, _ in _flash(response)] == ["success"]
    held.refresh_from_db()
    assert held.state == State.PROCESSED
    assert held.decided_by == world.agent
    assert _public(ticket)[-1] == "Same here, please fix."
    reply = ticket.messages.filter(kind=MessageKind.PUBLIC).order_by("-id").first()
    assert reply is not None
    assert reply.author is not None
    assert reply.author.email == "colleague@acme.test"
    assert ticket.watchers.filter(email="colleague@acme.test").exists()
    # nothing held any more: the panel is empty
    assert client.get(_panel_url(ticket)).content == b""


def test_reject_drops_the_mail_without_a_reply(world: World, client: Client) -> None:
    ticket, held = _ticket_and_held()
    before = _public(ticket)
    client.force_login(world.agent)
    response = _action(client, ticket, held, "reject")
    assert response.status_code == 302
    assert [level for level, _ in _flash(response)] == ["success"]
    held.refresh_from_db()
    assert held.state == State.IGNORED  # "rejected" is stored as ignored, decided by the agent
    assert held.decided_by == world.agent
    assert _public(ticket) == before


def test_new_ticket_from_a_held_mail(world: World, client: Client) -> None:
    ticket, held = _ticket_and_held()
    before = _public(ticket)
    client.force_login(world.agent)
    response = _action(client, ticket, held, "ticket")
    assert response.status_code == 302
    (level, text), *_ = _flash(response)
    held.refresh_from_db()
    assert held.state == State.PROCESSED
    assert held.ticket_id is not None
    assert held.ticket_id != ticket.pk
    new = Ticket.objects.get(pk=held.ticket_id)
    assert level == "success"
    assert f"#{new.number}" in text
    assert new.requester.email == "colleague@acme.test"
    assert _public(ticket) == before


@pytest.mark.parametrize("who", ["hr_agent", "alice"])
def test_others_get_404_and_nothing_changes(world: World, client: Client, who: str) -> None:
    ticket, held = _ticket_and_held()
    client.force_login(getattr(world, who))
    assert client.get(_panel_url(ticket)).status_code == 404
    for action in ("accept", "reject", "ticket"):
        assert _action(client, ticket, held, action).status_code == 404
    held.refresh_from_db()
    assert held.state == State.HELD
    assert held_mail_for(getattr(world, who), ticket) == []


def test_a_held_mail_of_another_ticket_is_404(world: World, client: Client) -> None:
    ticket, _ = _ticket_and_held()
    other_ticket, other_held = _ticket_and_held()
    client.force_login(world.agent)
    assert _action(client, ticket, other_held, "accept").status_code == 404
    other_held.refresh_from_db()
    assert other_held.state == State.HELD
    assert other_ticket.pk != ticket.pk


@pytest.mark.parametrize(("first", "second"), [("accept", "reject"), ("reject", "accept")])
def test_acting_twice_gives_an_error_and_changes_nothing(
    world: World, client: Client, first: str, second: str
) -> None:
    ticket, held = _ticket_and_held()
    client.force_login(world.agent)
    assert _action(client, ticket, held, first).status_code == 302
    client.get(reverse("desk:ticket", args=[ticket.number]))  # shows (uses up) the first flash
    held.refresh_from_db()
    state, messages_before = held.state, _public(ticket)
    events_before = ticket.events.count()
    response = _action(client, ticket, held, second)
    assert response.status_code == 302
    flashes = _flash(response)
    assert [level for level, _ in flashes] == ["error"]
    assert "no longer held" in flashes[0][1]
    held.refresh_from_db()
    assert held.state == state
    assert _public(ticket) == messages_before
    assert ticket.events.count() == events_before


def test_an_unknown_action_changes_nothing(world: World, client: Client) -> None:
    ticket, held = _ticket_and_held()
    client.force_login(world.agent)
    response = _action(client, ticket, held, "delete")
    assert [level for level, _ in _flash(response)] == ["error"]
    held.refresh_from_db()
    assert held.state == State.HELD


def test_the_preview_is_short(world: World) -> None:
    ticket, _ = _ticket_and_held("word " * 500)
    (row,) = held_mail_for(world.agent, ticket)
    assert 0 < len(row.preview) <= PREVIEW_CHARS  # type: ignore[attr-defined]


def test_the_selector_runs_a_constant_number_of_queries(world: World) -> None:
    ticket, _ = _ticket_and_held()
    original = ticket.messages.order_by("id").first()
    assert original is not None

    def count() -> tuple[int, int]:
        fresh = Ticket.objects.get(pk=ticket.pk)
        agent = User.objects.get(pk=world.agent.pk)  # no access data cached from before
        with CaptureQueriesContext(connection) as ctx:
            rows = held_mail_for(agent, fresh)
        return len(ctx.captured_queries), len(rows)

    def add(n: int) -> None:
        for i in range(n):
            pipe(build(f"stranger{i}@evil.test", f"[#{ticket.number}] more", "x"))

    queries_few, rows_few = count()
    add(9)
    queries_many, rows_many = count()
    assert (rows_few, rows_many) == (1, 10)
    assert queries_few == queries_many


def test_a_decision_made_on_a_stale_copy_is_refused_and_changes_nothing(world: World) -> None:
    """Two agents decide at once: the second acts on a copy that still says 'held'."""
    from frontline.core.errors import InvalidTransition
    from frontline.mail.ingest import mail_accept, mail_reject

    ticket, held = _ticket_and_held()
    stale = InboundMail.objects.get(pk=held.pk)
    mail_reject(actor=world.agent, inbound=held)
    replies_before = _public(ticket)
    with pytest.raises(InvalidTransition):
        mail_accept(actor=world.agent_l2, inbound=stale)
    assert InboundMail.objects.get(pk=held.pk).state == State.IGNORED
    assert _public(ticket) == replies_before
