"""Survey writes: opening the survey when a ticket is resolved (its links ride in the
"resolved" notification, or go in the "survey" notification of their own), recording answers
as ticket events, and the low-rating alert (the "low_rating" notification)."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from frontline.accounts.models import Role, TeamMembership, User, hash_token
from frontline.core.errors import Conflict, NotFound, ValidationError
from frontline.notifications.context import mail_context
from frontline.notifications.models import NotificationKind
from frontline.notifications.services import outbound_mail_create, switched_on
from frontline.satisfaction import policies, selectors
from frontline.satisfaction.models import (
    LOW_RATING_MAX,
    RATING_MAX,
    RATING_MIN,
    TOKEN_LIFETIME,
    QuestionKind,
    SurveyQuestion,
    SurveyRequest,
    SurveyResponse,
)
from frontline.tickets import events
from frontline.tickets.models import Ticket, TicketEvent

MAX_COMMENT = 5000
MAX_TEXT_ANSWER = 2000


def survey_due(*, ticket: Ticket) -> bool:
    """Whether the ticket's requester should be invited to rate it now: the ticket is
    resolved or closed, its requester active, it was never surveyed, and surveys are switched
    off neither by the requester (their ``survey`` notification preference) nor for everyone
    (the admin's ``survey`` notification switch)."""
    return bool(
        ticket.status in policies.RATEABLE_STATUSES
        and ticket.requester.is_active
        and not SurveyRequest.objects.filter(ticket=ticket).exists()
        and switched_on([ticket.requester], NotificationKind.SURVEY)
    )


def survey_request_open(*, ticket: Ticket) -> tuple[SurveyRequest, str] | None:
    """Create the ticket's one SurveyRequest when a survey is due; returns it with the raw
    token (to be mailed now: only its hash is stored), or None when none is due or another
    worker created it a moment ago. The caller mails the links in the same transaction."""
    if not survey_due(ticket=ticket):
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
    except IntegrityError:  # another worker opened it a moment ago
        return None
    return survey, raw


def survey_request_send(*, event: TicketEvent) -> SurveyRequest | None:
    """Invite the requester of ``event``'s ticket to rate it in a mail of its own (the
    ``survey`` notification), when the "resolved" notice does not carry the links (the
    requester switched it off, an admin did, the requester resolved it themselves...).

    One SurveyRequest per ticket, ever: returns None, and mails nothing, when no survey is due
    (``survey_due``: already surveyed, no longer resolved or closed, requester inactive,
    surveys switched off) or the requester has no usable address. The request is opened by
    the ``survey`` context provider inside the savepoint that stores the OutboundMail (one
    per event, recipient and kind), so there is never one without the other.
    """
    ticket = Ticket.objects.select_related(
        "requester", "assignee", "team", "category", "organization"
    ).get(pk=event.ticket_id)
    sent = outbound_mail_create(
        event=event,
        ticket=ticket,
        recipient=ticket.requester,
        kind=NotificationKind.SURVEY,
        context=mail_context(ticket, recipient=ticket.requester),
    )
    return SurveyRequest.objects.filter(ticket=ticket).first() if sent is not None else None


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


def _low_rating_recipients(ticket: Ticket) -> list[User]:
    """The team lead; the team's managers when it has no (active) lead; nobody without a team."""
    team = ticket.team
    if team is None:
        return []
    lead = team.lead
    if lead is not None and lead.is_active:
        return [lead]
    return list(
        User.objects.filter(
            pk__in=TeamMembership.objects.filter(team=team).values("user_id"),
            role=Role.MANAGER,
            is_active=True,
        ).order_by("email")
    )


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
    changes nothing. An answer, or a change, records a ``survey_answered`` TicketEvent
    (actor: the requester; data: score, comment given or not, changed or first), which the
    low-rating alert subscribes to (``survey_low_rating_alert``).
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
        requester = survey.requester
        previous: int | None = None
        changed = True
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
            previous = response.rating
            changed = (response.rating, response.comment, response.answers) != (
                score,
                text,
                cleaned,
            )
            response.rating = score
            response.comment = text
            response.answers = cleaned
            response.save(update_fields=["rating", "comment", "answers", "updated_at"])
        if changed:
            # The ticket's history, and the trigger for subscribers (the low-rating alert).
            events.record(
                response.ticket,
                "survey_answered",
                actor=requester,
                old=previous,
                new=score,
                data={"score": score, "comment": bool(text), "changed": previous is not None},
            )
    return response


def survey_low_rating_alert(*, event: TicketEvent) -> bool:
    """Tell the team lead (or the team's managers) that the ticket's survey response is
    rated low (1-2), once per response: returns True when the alert was queued now.

    The alert is the ``low_rating`` notification (editable wording; its ``rating``
    placeholder comes from this app's context provider), one OutboundMail per recipient about
    ``event`` (the ``survey_answered`` event). Nothing when the response is (now) not low, was
    alerted on already, the ticket has no team (nobody to tell), or an admin switched the
    kind off. Safe to call twice or concurrently: the response's
    ``low_rating_notified_at`` is claimed with a conditional update first.
    """
    response = (
        SurveyResponse.objects.select_related(
            "ticket__team__lead",
            "ticket__assignee",
            "ticket__requester",
            "ticket__category",
            "ticket__organization",
            "requester",
        )
        .filter(ticket_id=event.ticket_id)
        .first()
    )
    if response is None or response.rating > LOW_RATING_MAX:
        return False
    if response.low_rating_notified_at is not None:
        return False
    ticket = response.ticket
    kind = NotificationKind.LOW_RATING
    recipients = switched_on(_low_rating_recipients(ticket), kind)
    if not recipients:  # no team, hence no lead to tell; or the alert is switched off
        return False
    with transaction.atomic():
        claimed = SurveyResponse.objects.filter(
            pk=response.pk, low_rating_notified_at__isnull=True
        ).update(low_rating_notified_at=timezone.now())
        if not claimed:
            return False
        for user in recipients:
            outbound_mail_create(
                event=event,
                ticket=ticket,
                recipient=user,
                kind=kind,
                context=mail_context(ticket, recipient=user, author=response.requester, desk=True),
            )
    return True
