"""Resolving a ticket asks its requester to rate it: once per ticket, by mail, with a
link per score whose token is stored only as a hash."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import time_machine

from frontline.accounts.models import hash_token
from frontline.satisfaction.models import SurveyRequest
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_create, ticket_transition
from tests.conftest import World
from tests.satisfaction.conftest import survey_mails, survey_token


def test_resolving_creates_one_request_and_mails_the_requester(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    ticket = resolved(title="VPN drops")
    survey = SurveyRequest.objects.get(ticket=ticket)
    assert survey.requester == world.alice
    assert survey.sent_at is not None
    assert survey.expires_at > survey.sent_at + dt.timedelta(days=29)
    (message,) = survey_mails(ticket)
    assert message.to == ["Alice Archer <alice@acme.test>"]
    assert "VPN drops" in message.body
    token = survey_token(ticket)
    for score in range(1, 6):  # one link per score: one click picks it
        assert f"/survey/{token}/?rating={score}" in message.body
    assert survey.token_hash == hash_token(token)
    assert token not in survey.token_hash  # only the hash is stored


def test_resolving_twice_sends_no_second_survey(
    world: World, resolved: Callable[..., Ticket], dispatch: Callable[[], None]
) -> None:
    ticket = resolved()
    ticket = ticket_transition(actor=world.agent, ticket=ticket, status="open", version=None)
    ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    dispatch()
    assert SurveyRequest.objects.filter(ticket=ticket).count() == 1
    assert len(survey_mails(ticket)) == 1


def test_an_event_handed_on_twice_sends_one_survey(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    from frontline.satisfaction.subscribers import send_survey_on_resolve

    ticket = resolved()
    event = ticket.events.get(kind="status_changed", new="resolved")
    send_survey_on_resolve(event)  # at-least-once delivery: the same event again
    assert SurveyRequest.objects.filter(ticket=ticket).count() == 1
    assert len(survey_mails(ticket)) == 1


def test_other_status_changes_send_nothing(world: World, dispatch: Callable[[], None]) -> None:
    ticket = ticket_create(actor=world.alice, title="Pending one")
    ticket_transition(
        actor=world.agent, ticket=ticket, status="pending", pending_reason="requester", version=None
    )
    dispatch()
    assert not SurveyRequest.objects.exists()
    assert survey_mails(ticket) == []


def test_a_ticket_reopened_before_the_event_is_handed_on_is_not_surveyed(
    world: World, dispatch: Callable[[], None]
) -> None:
    ticket = ticket_create(actor=world.alice, title="Flaky")
    ticket = ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    ticket_transition(actor=world.alice, ticket=ticket, status="open", version=None)
    dispatch()
    assert not SurveyRequest.objects.filter(ticket=ticket).exists()


def test_a_very_late_event_sends_nothing(world: World, dispatch: Callable[[], None]) -> None:
    with time_machine.travel(dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC), tick=False):
        ticket = ticket_create(actor=world.alice, title="Old")
        ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        dispatch()
    assert not SurveyRequest.objects.filter(ticket=ticket).exists()
