"""Ticket event subscribers of the satisfaction surveys app."""

from __future__ import annotations

from django.utils import timezone

from frontline.core.events import subscribe
from frontline.satisfaction.models import TOKEN_LIFETIME
from frontline.satisfaction.services import survey_request_send
from frontline.tickets.models import Status, TicketEvent


@subscribe("status_changed")
def send_survey_on_resolve(event: TicketEvent) -> None:
    """A ticket just resolved: invite its requester to rate it (once per ticket, ever).

    An event older than a survey link's lifetime (a very late sweep) sends nothing.
    """
    if event.new != Status.RESOLVED or event.at < timezone.now() - TOKEN_LIFETIME:
        return
    survey_request_send(ticket=event.ticket)
