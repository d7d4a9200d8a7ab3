"""The survey's mail texts: the rating links, and the low-rating alert to the team lead.

The invitation is a notification (frontline.notifications): its wording is the editable
"resolved" (links added when a survey is due) or "survey" template; this module supplies the
``survey`` placeholder. The alert is rendered in the sandbox (frontline.core.safe_templates)
from the ticket's plain-dict context and queued for the worker in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from frontline.core.mail import queue_email
from frontline.core.safe_templates import render_safe
from frontline.satisfaction.models import (
    CHANGE_WINDOW,
    RATING_MAX,
    RATING_MIN,
    SurveyRequest,
    SurveyResponse,
)
from frontline.tickets.models import Status, Ticket
from frontline.tickets.template_context import person_context, ticket_context

SCORE_WORDS = {1: "Very poor", 2: "Poor", 3: "OK", 4: "Good", 5: "Excellent"}

LOW_RATING_SUBJECT = "Low rating ({{ rating }}/5) on {{ ticket.reference }} {{ ticket.title }}"
LOW_RATING_BODY = """{{ requester.name }} rated {{ ticket.reference }} "{{ ticket.title }}"
{{ rating }}/5.
{% if comment %}
Their comment:
{{ comment }}
{% endif %}
Team: {{ ticket.team }}   Assignee: {{ ticket.assignee or "nobody" }}
Open the ticket: {{ ticket.desk_url }}
"""


def survey_url(raw_token: str, rating: int | None = None) -> str:
    url = settings.SITE_URL + reverse("satisfaction:survey", kwargs={"token": raw_token})
    return f"{url}?rating={rating}" if rating is not None else url


def invitation_context(ticket: Ticket, survey: SurveyRequest, raw_token: str) -> dict[str, Any]:
    """The ``survey`` mail's template context: the ticket's, plus ``survey`` with one link
    per score (5 first). The same ``survey`` value rides in the "resolved" notification."""
    context = ticket_context(ticket, recipient=ticket.requester)
    context.update(
        message="",
        author=person_context(None),
        status=str(Status(ticket.status).label),
        link=context["ticket"]["portal_url"],
        survey=survey_links(survey, raw_token),
    )
    return context


def survey_links(survey: SurveyRequest, raw_token: str) -> dict[str, Any]:
    """The ``survey`` placeholder: the links (one per score), their expiry, the change window."""
    return {
        "url": survey_url(raw_token),
        "links": [
            {"rating": score, "label": SCORE_WORDS[score], "url": survey_url(raw_token, score)}
            for score in range(RATING_MAX, RATING_MIN - 1, -1)
        ],
        "expires": f"{survey.expires_at:%d %B %Y}",
        "change_days": CHANGE_WINDOW.days,
    }


def queue_low_rating_alert(response: SurveyResponse, recipients: list[str]) -> None:
    """Queue the alert about a low rating to the team lead (or the team's managers)."""
    context = ticket_context(response.ticket)
    context.update({"rating": response.rating, "comment": response.comment})
    queue_email(
        subject=render_safe(LOW_RATING_SUBJECT, context),
        body=render_safe(LOW_RATING_BODY, context),
        to=recipients,
    )
