"""The survey's own mails: the invitation to rate, and the low-rating alert to the team lead.

Rendered in the sandbox (frontline.core.safe_templates) from the ticket's plain-dict context
(frontline.tickets.template_context), and queued for the worker in the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from frontline.core.mail import queue_email
from frontline.core.safe_templates import render_safe
from frontline.satisfaction.models import RATING_MAX, RATING_MIN, SurveyResponse
from frontline.tickets.models import Ticket
from frontline.tickets.template_context import ticket_context

SCORE_WORDS = {1: "Very poor", 2: "Poor", 3: "OK", 4: "Good", 5: "Excellent"}

INVITATION_SUBJECT = "How did we do? {{ ticket.reference }} {{ ticket.title }}"
INVITATION_BODY = """Hello {{ requester.first_name }},

Your request {{ ticket.reference }} "{{ ticket.title }}" has been resolved.
How satisfied are you with the help you got? One click on a score is enough:
{% for link in survey.links %}
  {{ link.rating }} - {{ link.label }}: {{ link.url }}{% endfor %}

You can add a comment on the page that opens,
and change your answer for {{ survey.change_days }} days.
This link works until {{ survey.expires }}.

Thank you,
The support team
"""

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


def queue_invitation(ticket: Ticket, raw_token: str, *, expires: Any, change_days: int) -> None:
    """Queue the invitation to the ticket's requester, one link per score."""
    context = ticket_context(ticket, recipient=ticket.requester)
    context["survey"] = {
        "url": survey_url(raw_token),
        "links": [
            {"rating": score, "label": SCORE_WORDS[score], "url": survey_url(raw_token, score)}
            for score in range(RATING_MAX, RATING_MIN - 1, -1)
        ],
        "expires": f"{expires:%d %B %Y}",
        "change_days": change_days,
    }
    # Queued inside the caller's transaction: with the database task backend the task row
    # commits (or rolls back) with the survey rows.
    queue_email(
        subject=render_safe(INVITATION_SUBJECT, context),
        body=render_safe(INVITATION_BODY, context),
        to=[ticket.requester.email],
    )


def queue_low_rating_alert(response: SurveyResponse, recipients: list[str]) -> None:
    """Queue the alert about a low rating to the team lead (or the team's managers)."""
    context = ticket_context(response.ticket)
    context.update({"rating": response.rating, "comment": response.comment})
    queue_email(
        subject=render_safe(LOW_RATING_SUBJECT, context),
        body=render_safe(LOW_RATING_BODY, context),
        to=recipients,
    )
