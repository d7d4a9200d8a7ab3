"""Survey writes: sending the invitation when a ticket is resolved, and recording answers."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from frontline.accounts.models import Role, TeamMembership, User, hash_token
from frontline.core.errors import Conflict, NotFound, ValidationError
from frontline.satisfaction import mail, policies, selectors
from frontline.satisfaction.models import (
    CHANGE_WINDOW,
    LOW_RATING_MAX,
    RATING_MAX,
    RATING_MIN,
    TOKEN_LIFETIME,
    QuestionKind,
    SurveyQuestion,
    SurveyRequest,
    SurveyResponse,
)
from frontline.tickets.models import Ticket

MAX_COMMENT = 5000
MAX_TEXT_ANSWER = 2000


def survey_request_send(*, ticket: Ticket) -> SurveyRequest | None:
    """Invite the ticket's requester to rate it: one SurveyRequest per ticket, ever.

    Idempotent: a ticket that already has a request (resolved twice, an event handed on
    twice) gets no second one and no second mail; returns None then, and also when the
    ticket is no longer resolved or closed, or its requester is inactive. Otherwise stores
    the hash of a new random token and queues the mail (in the same transaction) with one
    link per score.
    """
    if ticket.status not in policies.RATEABLE_STATUSES or not ticket.requester.is_active:
        return None
    if SurveyRequest.objects.filter(ticket=ticket).exists():
        return None
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    try:
        with transaction.atomic():
            survey = SurveyRequest.objects.create(
                ticket=ticket,
                requester=ticket.requester,
                token_hash=hash_token(raw),
                sent_at=now,
                expires_at=now + TOKEN_LIFETIME,
            )
            mail.queue_invitation(
                ticket, raw, expires=survey.expires_at, change_days=CHANGE_WINDOW.days
            )
    except IntegrityError:  # another worker sent it a moment ago
        return None
    return survey


def _clean_rating(value: Any, name: str, *, required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            raise ValidationError.field(name, "Choose a score from 1 to 5.")
        return None
    if isinstance(value, bool):
        raise ValidationError.field(name, "Choose a score from 1 to 5.")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError.field(name, "Choose a score from 1 to 5.") from None
    if str(number) != str(value).strip() or not RATING_MIN <= number <= RATING_MAX:
        raise ValidationError.field(name, "Choose a score from 1 to 5.")
    return number


def clean_answers(
    answers: dict[str, Any] | None, questions: list[SurveyQuestion]
) -> dict[str, Any]:
    """The answers to the active extra questions, checked: a scale answer is 1-5, a text
    answer at most MAX_TEXT_ANSWER characters, a required question answered, an unknown key
    refused. Errors are keyed ``answers.<key>``; blank optional answers are left out."""
    given = dict(answers or {})
    known = {q.key: q for q in questions}
    errors: dict[str, list[str]] = {}
    for key in given:
        if key not in known:
            errors[f"answers.{key}"] = ["No such question."]
    cleaned: dict[str, Any] = {}
    for key, question in known.items():
        value = given.get(key)
        name = f"answers.{key}"
        try:
            if question.kind == QuestionKind.SCALE:
                number = _clean_rating(value, name, required=question.required)
                if number is not None:
                    cleaned[key] = number
            else:
                if value is not None and not isinstance(value, str):
                    raise ValidationError.field(name, "Give text.")
                text = (value or "").strip()
                if len(text) > MAX_TEXT_ANSWER:
                    raise ValidationError.field(name, f"At most {MAX_TEXT_ANSWER} characters.")
                if not text and question.required:
                    raise ValidationError.field(name, "Please answer this question.")
                if text:
                    cleaned[key] = text
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError("Some answers are invalid.", errors=errors)
    return cleaned


def _low_rating_recipients(ticket: Ticket) -> list[str]:
    """The team lead; the team's managers when it has no (active) lead; nobody without a team."""
    team = ticket.team
    if team is None:
        return []
    lead = team.lead
    if lead is not None and lead.is_active:
        return [lead.email]
    managers = User.objects.filter(
        pk__in=TeamMembership.objects.filter(team=team).values("user_id"),
        role=Role.MANAGER,
        is_active=True,
    ).order_by("email")
    return [m.email for m in managers]


def survey_respond(
    *,
    actor: User | None,
    rating: Any,
    comment: str = "",
    answers: dict[str, Any] | None = None,
    token: str | None = None,
    ticket: Ticket | None = None,
) -> SurveyResponse:
    """Record or change the requester's rating of a ticket; returns the response.

    Identify the survey by the mailed link's ``token`` (``actor`` may be None: the link is
    the credential) or by ``ticket`` with ``actor`` its requester (the portal form). One
    response per ticket: a second answer changes it, for CHANGE_WINDOW after it was first
    given; later it is a Conflict ("this survey is closed"). NotFound for a bad or expired
    token, a ticket without a sent survey, or an actor who is not the ticket's requester;
    ValidationError (fields ``rating``, ``comment``, ``answers.<key>``) for bad input, which
    changes nothing. A rating of 1-2 queues an alert to the team lead, once per response.
    """
    if (token is None) == (ticket is None):
        raise ValueError("give a token or a ticket")
    if token is not None:
        survey = selectors.survey_request_for_token(token)
    else:
        assert ticket is not None
        if not policies.can_rate_ticket(actor, ticket):
            raise NotFound("No such survey.")
        found = SurveyRequest.objects.filter(ticket=ticket, sent_at__isnull=False).first()
        if found is None:
            raise NotFound("No such survey.")
        survey = found
    score = _clean_rating(rating, "rating")
    assert score is not None
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise ValidationError.field("comment", f"At most {MAX_COMMENT} characters.")
    cleaned = clean_answers(answers, selectors.active_questions())
    with transaction.atomic():
        SurveyRequest.objects.select_for_update().filter(pk=survey.pk).first()  # one at a time
        response = (
            SurveyResponse.objects.select_related("ticket__team__lead")
            .filter(ticket_id=survey.ticket_id)
            .first()
        )
        now = timezone.now()
        if response is None:
            response = SurveyResponse.objects.create(
                ticket_id=survey.ticket_id,
                requester_id=survey.requester_id,
                rating=score,
                comment=text,
                answers=cleaned,
            )
            response = SurveyResponse.objects.select_related("ticket__team__lead").get(
                pk=response.pk
            )
            SurveyRequest.objects.filter(pk=survey.pk, used_at__isnull=True).update(used_at=now)
        else:
            if selectors.is_closed(response):
                raise Conflict("Thanks, this survey is closed.")
            response.rating = score
            response.comment = text
            response.answers = cleaned
            response.save(update_fields=["rating", "comment", "answers", "updated_at"])
        if response.rating <= LOW_RATING_MAX and response.low_rating_notified_at is None:
            recipients = _low_rating_recipients(response.ticket)
            if recipients:  # a ticket without a team has no lead to tell
                mail.queue_low_rating_alert(response, recipients)
                response.low_rating_notified_at = now
                response.save(update_fields=["low_rating_notified_at"])
    return response
