"""Reading surveys: by the link's token, for a ticket page, the questions to ask."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from frontline.accounts.models import hash_token
from frontline.core.errors import NotFound
from frontline.satisfaction import policies
from frontline.satisfaction.models import (
    CHANGE_WINDOW,
    SurveyQuestion,
    SurveyRequest,
    SurveyResponse,
)
from frontline.tickets.models import Ticket

MAX_TOKEN_LENGTH = 100


def active_questions() -> list[SurveyQuestion]:
    """The extra questions the survey asks now, in order (one query)."""
    return list(SurveyQuestion.objects.filter(is_active=True).order_by("position", "id"))


def survey_request_for_token(raw_token: str) -> SurveyRequest:
    """The survey request a link's token names, with its ticket, requester and response.

    NotFound when the token is unknown (tampered, truncated) or expired: an answer that does
    not tell a guessed token from a used-up one.
    """
    if not raw_token or len(raw_token) > MAX_TOKEN_LENGTH:
        raise NotFound("No such survey.")
    survey = (
        SurveyRequest.objects.select_related("ticket", "requester", "ticket__survey_response")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )
    if survey is None or survey.expires_at <= timezone.now():
        raise NotFound("No such survey.")
    return survey


def response_of(ticket: Ticket) -> SurveyResponse | None:
    """The ticket's response, if any (no query when it was loaded with select_related)."""
    try:
        return ticket.survey_response
    except SurveyResponse.DoesNotExist:
        return None


def request_of(ticket: Ticket) -> SurveyRequest | None:
    try:
        return ticket.survey_request
    except SurveyRequest.DoesNotExist:
        return None


def is_closed(response: SurveyResponse | None) -> bool:
    """A response may be changed for CHANGE_WINDOW after it was first given, then no more."""
    return response is not None and timezone.now() > response.created_at + CHANGE_WINDOW


@dataclass
class SurveyView:
    """What a survey page or form shows: the ticket, the current answers, whether it is open."""

    ticket: Ticket
    response: SurveyResponse | None
    questions: list[SurveyQuestion]
    closed: bool
    initial: dict[str, Any] = field(default_factory=dict)


def _view(ticket: Ticket, response: SurveyResponse | None) -> SurveyView:
    initial: dict[str, Any] = {}
    if response is not None:
        initial = {
            "rating": response.rating,
            "comment": response.comment,
            "answers": dict(response.answers),
        }
    return SurveyView(
        ticket=ticket,
        response=response,
        questions=active_questions(),
        closed=is_closed(response),
        initial=initial,
    )


def survey_view_for_token(raw_token: str) -> SurveyView:
    """The survey page behind a mailed link (NotFound for a bad or expired token)."""
    survey = survey_request_for_token(raw_token)
    return _view(survey.ticket, response_of(survey.ticket))


def portal_survey(user: Any, ticket: Ticket) -> SurveyView | None:
    """The rating form for a portal request page: only for the ticket's requester, once it is
    resolved or closed and a survey was sent for it; None otherwise (no form shown)."""
    if not policies.can_rate_ticket(user, ticket):
        return None
    survey = (
        SurveyRequest.objects.select_related("ticket__survey_response")
        .filter(ticket=ticket, sent_at__isnull=False)
        .first()
    )
    if survey is None:
        return None
    return _view(ticket, response_of(survey.ticket))


def survey_for_ticket(ticket: Ticket) -> tuple[SurveyRequest | None, SurveyResponse | None]:
    """The ticket's survey request and response (either may be missing), in two queries.

    The caller has already checked that the user may see the ticket.
    """
    survey = SurveyRequest.objects.filter(ticket=ticket).first()
    response = SurveyResponse.objects.filter(ticket=ticket).first()
    return survey, response


def responses_visible_to(user: Any) -> QuerySet[SurveyResponse]:
    """Responses of the tickets the user may see (for reports and lists)."""
    from frontline.tickets.selectors import tickets_visible_to

    return SurveyResponse.objects.filter(ticket__in=tickets_visible_to(user).values("pk"))
