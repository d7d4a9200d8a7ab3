"""API v1: satisfaction surveys.

``GET /tickets/{number}/survey`` is scoped like the ticket (404 when it is not visible).
``POST /survey/{token}`` answers a survey by its mailed token, without other credentials.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from frontline.api.schemas import ERRORS, actor
from frontline.satisfaction import selectors, services
from frontline.satisfaction.schemas import (
    SurveyAnswerIn,
    SurveyResponseOut,
    TicketSurveyOut,
    response_out,
    ticket_survey_out,
)
from frontline.tickets.selectors import ticket_for

router = Router(tags=["Satisfaction surveys"])


def _errors(*codes: int) -> dict[int, Any]:
    return {code: ERRORS[code] for code in codes}


@router.get("/tickets/{number}/survey", response={200: TicketSurveyOut, **_errors(401, 404)})
def ticket_survey(request: HttpRequest, number: int) -> dict[str, Any]:
    """The ticket's satisfaction survey: when it was sent and the requester's answer."""
    ticket = ticket_for(actor(request), number)
    survey, response = selectors.survey_for_ticket(ticket)
    return ticket_survey_out(ticket.number, survey, response)


@router.post(
    "/survey/{token}",
    auth=None,
    response={200: SurveyResponseOut, **_errors(404, 409, 422)},
)
def answer_survey(request: HttpRequest, token: str, payload: SurveyAnswerIn) -> dict[str, Any]:
    """Rate a ticket with the token from the survey mail (no other credentials needed).

    Changes the answer for 7 days after it was first given, then 409. An unknown or expired
    token is a 404; a rating outside 1-5 or a bad extra answer is a 422 naming the field.
    """
    response = services.survey_respond(
        actor=None,
        token=token,
        rating=payload.rating,
        comment=payload.comment,
        answers=payload.answers,
    )
    out = response_out(response)
    assert out is not None
    return out
