"""The survey API: a ticket's survey scoped like the ticket, answering by token without other
credentials, problem+json for bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import time_machine

from frontline.satisfaction.models import SurveyQuestion, SurveyResponse
from frontline.satisfaction.schemas import SurveyResponseOut, TicketSurveyOut
from frontline.satisfaction.services import survey_respond
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_create
from tests.api.conftest import Api, problem
from tests.conftest import World
from tests.satisfaction.conftest import survey_token

START = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


def test_answer_by_token_without_credentials(resolved: Callable[..., Ticket]) -> None:
    ticket = resolved()
    token = survey_token(ticket)
    response = Api(None).post(f"/survey/{token}", {"rating": 5, "comment": "Great"})
    assert response.status_code == 200, response.content
    body = response.json()
    SurveyResponseOut.model_validate(body)
    assert (body["rating"], body["comment"], body["answers"]) == (5, "Great", {})
    assert SurveyResponse.objects.get(ticket=ticket).rating == 5


def test_bad_input_is_problem_json_naming_the_field(resolved: Callable[..., Ticket]) -> None:
    token = survey_token(resolved())
    SurveyQuestion.objects.create(key="effort", label="Effort", kind="scale")
    for body, field in (
        ({"rating": 7}, "rating"),
        ({"rating": 0}, "rating"),
        ({}, "rating"),
        ({"rating": 4, "answers": {"effort": 6}}, "answers.effort"),
        ({"rating": 4, "answers": {"nope": 1}}, "answers.nope"),
        ({"rating": 4, "extra": 1}, "extra"),
    ):
        response = Api(None).post(f"/survey/{token}", body)
        assert response.status_code == 422, body
        assert field in problem(response)["errors"], (body, response.json())
    assert not SurveyResponse.objects.exists()


def test_a_tampered_token_is_404(resolved: Callable[..., Ticket]) -> None:
    token = survey_token(resolved())
    response = Api(None).post(f"/survey/{token[:-2]}xx", {"rating": 5})
    assert response.status_code == 404
    assert problem(response)["status"] == 404


def test_a_change_after_seven_days_is_409(resolved: Callable[..., Ticket]) -> None:
    with time_machine.travel(START, tick=False):
        token = survey_token(resolved())
        assert Api(None).post(f"/survey/{token}", {"rating": 3}).status_code == 200
    with time_machine.travel(START + dt.timedelta(days=2), tick=False):
        assert Api(None).post(f"/survey/{token}", {"rating": 4}).status_code == 200
    with time_machine.travel(START + dt.timedelta(days=8), tick=False):
        response = Api(None).post(f"/survey/{token}", {"rating": 1})
    assert response.status_code == 409
    assert "closed" in problem(response)["detail"]
    assert SurveyResponse.objects.get().rating == 4


def test_ticket_survey_is_scoped_like_the_ticket(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    ticket = resolved()
    survey_respond(actor=None, token=survey_token(ticket), rating=2, comment="Slow")
    for user in (world.agent, world.manager, world.alice, world.admin):
        response = Api(user).get(f"/tickets/{ticket.number}/survey")
        assert response.status_code == 200, user
        body = response.json()
        TicketSurveyOut.model_validate(body)
        assert body["ticket"] == ticket.number
        assert body["sent_at"] is not None
        assert (body["response"]["rating"], body["response"]["comment"]) == (2, "Slow")
    for user in (world.bob, world.hr_agent, world.arthur):
        response = Api(user).get(f"/tickets/{ticket.number}/survey")
        assert response.status_code == 404, user
        problem(response)
    assert Api(None).get(f"/tickets/{ticket.number}/survey").status_code == 401


def test_a_ticket_never_surveyed_has_no_survey(world: World) -> None:
    ticket = ticket_create(actor=world.alice, title="Open")
    body = Api(world.agent).get(f"/tickets/{ticket.number}/survey").json()
    assert body == {"ticket": ticket.number, "sent_at": None, "expires_at": None, "response": None}
