"""Ticket event subscribers of the satisfaction surveys app, and its part of the "resolved"
notification.

On resolve the requester gets one mail: the "resolved" notice (confirm / reopen) carrying the
rating links (``SURVEY_LINKS``, a notifications context provider, which opens the survey in
the savepoint that stores the mail). Only when that notice
does not reach them (switched off by them or an admin, they resolved it themselves, the event
is too old for notifications...) does ``send_survey_on_resolve`` mail the survey on its own.
Both ask the same question (``resolved_mail_reaches_requester``), so the order in which the
two apps' subscribers run does not matter. Either way the ticket gets one SurveyRequest, ever.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from frontline.core.events import subscribe
from frontline.notifications.context import ContextProvider, register
from frontline.notifications.models import NotificationKind
from frontline.notifications.subscribers import resolved_mail_reaches_requester
from frontline.satisfaction import mail, services
from frontline.satisfaction.models import LOW_RATING_MAX, TOKEN_LIFETIME, SurveyResponse
from frontline.tickets.models import Status, Ticket, TicketEvent


def _fresh_resolve(event: TicketEvent) -> bool:
    """A resolve event young enough for a survey (older than a link's lifetime: no survey)."""
    return (
        event.kind == "status_changed"
        and event.new == Status.RESOLVED
        and event.at >= timezone.now() - TOKEN_LIFETIME
    )


def _survey_links(*, kind: str, event: TicketEvent, ticket: Ticket, recipient: Any) -> Any:
    """The rating links for the requester's "resolved" or "survey" mail about a fresh
    resolve, when a survey is due (the SurveyRequest is opened here, in the savepoint that
    stores the mail); None otherwise (and then no "survey" mail is stored at all)."""
    if recipient.pk != ticket.requester_id or not _fresh_resolve(event):
        return None
    opened = services.survey_request_open(ticket=ticket)
    return mail.survey_links(*opened) if opened is not None else None


def _rating(*, kind: str, event: TicketEvent, ticket: Ticket, recipient: Any) -> Any:
    """The rating the low-rating alert is about."""
    response = SurveyResponse.objects.filter(ticket_id=ticket.pk).first()
    return mail.rating_figures(response) if response is not None else None


SURVEY_LINKS = register(
    ContextProvider(
        name="survey",
        kinds=frozenset({NotificationKind.RESOLVED, NotificationKind.SURVEY}),
        provide=_survey_links,
        help=mail.SURVEY_HELP,
        section=mail.SURVEY_SECTION,
        required_for=frozenset({NotificationKind.SURVEY}),
    )
)
RATING = register(
    ContextProvider(
        name="rating",
        kinds=frozenset({NotificationKind.LOW_RATING}),
        provide=_rating,
        help=mail.RATING_HELP,
        required_for=frozenset({NotificationKind.LOW_RATING}),
    )
)


@subscribe("status_changed")
def send_survey_on_resolve(event: TicketEvent) -> None:
    """A ticket just resolved and its "resolved" notice will not reach the requester: invite
    them to rate it in a mail of its own (once per ticket, ever)."""
    if not _fresh_resolve(event) or resolved_mail_reaches_requester(event):
        return
    services.survey_request_send(event=event)


@subscribe("survey_answered")
def alert_on_low_rating(event: TicketEvent) -> None:
    """A rating of 1-2 (given or changed to): tell the team lead, once per response."""
    if (event.data or {}).get("score", 0) > LOW_RATING_MAX:
        return
    services.survey_low_rating_alert(event=event)
