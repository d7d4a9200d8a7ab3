"""Demo survey answers: a request for every resolved demo ticket, answers for a share of
them with varied ratings at the story's moments, and nothing twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core import mail

from frontline.satisfaction.demo import load_demo_surveys
from frontline.satisfaction.models import SurveyRequest, SurveyResponse
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_create, ticket_transition
from tests.conftest import World


def test_demo_surveys_are_varied_and_loaded_once(world: World) -> None:
    resolved: list[Ticket] = []
    for i in range(40):
        ticket = ticket_create(actor=world.alice, title=f"Demo {i}")
        resolved.append(
            ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
        )
    still_open = ticket_create(actor=world.alice, title="Open one")
    Ticket.objects.filter(pk__in=[t.pk for t in resolved]).update(
        resolved_at=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    )
    outbox = len(mail.outbox)

    assert load_demo_surveys(["alice@acme.test"]) == 40
    assert load_demo_surveys(["alice@acme.test"]) == 0  # idempotent

    assert SurveyRequest.objects.count() == 40
    assert not SurveyRequest.objects.filter(ticket=still_open).exists()
    responses = list(SurveyResponse.objects.all())
    assert 15 <= len(responses) <= 35  # about two in three answered
    assert len({r.rating for r in responses}) >= 3
    assert any(r.comment for r in responses)
    sent = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    assert all(sent < r.created_at < sent + dt.timedelta(days=4) for r in responses)
    assert (
        SurveyRequest.objects.get(ticket_id=responses[0].ticket_id).used_at
        == responses[0].created_at
    )
    assert SurveyRequest.objects.filter(sent_at=sent).count() == 40
    assert len(mail.outbox) == outbox  # the demo mails nobody


def test_the_subscriber_leaves_demo_surveys_alone(
    world: World, dispatch: Callable[[], None]
) -> None:
    ticket = ticket_create(actor=world.alice, title="Demo")
    ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    load_demo_surveys(["alice@acme.test"])
    dispatch()
    assert SurveyRequest.objects.filter(ticket=ticket).count() == 1
    assert not [m for m in mail.outbox if "How did we do" in m.subject]
