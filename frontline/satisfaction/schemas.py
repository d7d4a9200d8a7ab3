"""API v1 shapes for satisfaction surveys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from frontline.api.schemas import Input
from frontline.satisfaction.models import SurveyRequest, SurveyResponse


class SurveyAnswerIn(Input):
    rating: int = Field(description="1 (very poor) to 5 (excellent).")
    comment: str = ""
    answers: dict[str, Any] = Field(
        default_factory=dict, description="Answers to the extra questions, by question key."
    )


class SurveyResponseOut(Schema):
    rating: int
    comment: str
    answers: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    changeable_until: dt.datetime


class TicketSurveyOut(Schema):
    ticket: int = Field(description="The ticket's number.")
    sent_at: dt.datetime | None = Field(description="When the requester was asked; null: never.")
    expires_at: dt.datetime | None
    response: SurveyResponseOut | None


def response_out(response: SurveyResponse | None) -> dict[str, Any] | None:
    if response is None:
        return None
    return {
        "rating": response.rating,
        "comment": response.comment,
        "answers": response.answers,
        "created_at": response.created_at,
        "updated_at": response.updated_at,
        "changeable_until": response.changeable_until,
    }


def ticket_survey_out(
    number: int, survey: SurveyRequest | None, response: SurveyResponse | None
) -> dict[str, Any]:
    return {
        "ticket": number,
        "sent_at": survey.sent_at if survey else None,
        "expires_at": survey.expires_at if survey else None,
        "response": response_out(response),
    }
