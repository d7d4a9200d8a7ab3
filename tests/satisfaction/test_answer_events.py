"""Answering or changing a survey is a ticket event: in the history, and handed to subscribers
(the low-rating alert is one)."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from frontline.core.events import subscribe, unsubscribe
from frontline.desk.presenters import history
from frontline.satisfaction.services import survey_respond
from frontline.tickets.models import Ticket, TicketEvent
from tests.conftest import World
from tests.factories import PASSWORD
from tests.satisfaction.conftest import survey_token


def answered(ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events.filter(kind="survey_answered").order_by("id"))


def test_an_answer_and_a_change_are_recorded_with_the_requester_as_actor(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    ticket = resolved()
    token = survey_token(ticket)
    survey_respond(actor=None, token=token, rating=4, comment="Quick, thanks")
    survey_respond(actor=None, token=token, rating=2, comment="")
    first, change = answered(ticket)
    assert first.actor == world.alice  # the link carries no session: the requester answered
    assert (first.old, first.new) == (None, 4)
    assert first.data == {"score": 4, "comment": True, "changed": False}
    assert (change.old, change.new) == (4, 2)
    assert change.data == {"score": 2, "comment": False, "changed": True}
    ticket.refresh_from_db()
    assert ticket.version == 2  # created, resolved; an answer does not move the version


def test_sending_the_same_answer_again_records_nothing(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    ticket = resolved()
    token = survey_token(ticket)
    survey_respond(actor=None, token=token, rating=5)
    survey_respond(actor=None, token=token, rating=5)
    assert len(answered(ticket)) == 1


def test_subscribers_receive_the_answer(
    world: World, resolved: Callable[..., Ticket], dispatch: Callable[[], None]
) -> None:
    seen: list[dict[str, object]] = []

    def listener(event: TicketEvent) -> None:
        seen.append(event.data)

    subscribe("survey_answered")(listener)
    try:
        ticket = resolved()
        survey_respond(actor=world.alice, ticket=ticket, rating=3, comment="ok")
        dispatch()
    finally:
        unsubscribe(listener)
    assert seen == [{"score": 3, "comment": True, "changed": False}]


def test_the_desk_shows_the_rating_in_the_tickets_history(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    ticket = resolved()
    token = survey_token(ticket)
    survey_respond(actor=None, token=token, rating=4, comment="Fine")
    survey_respond(actor=None, token=token, rating=5, comment="")
    lines = [entry.text for entry in history(list(ticket.events.select_related("actor")))]
    assert "Rated the request 4/5 with a comment" in lines
    assert "Changed the rating to 5/5" in lines
    client = Client()
    assert client.login(email=world.agent.email, password=PASSWORD)
    page = client.get(f"/desk/tickets/{ticket.number}/")
    assert page.status_code == 200
    assert "Rated the request 4/5 with a comment" in page.content.decode()
