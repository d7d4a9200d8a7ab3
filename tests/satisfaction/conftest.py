"""Helpers for survey tests: resolve a ticket through the services and hand its events on."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from frontline.tickets.events import dispatch_pending
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_create, ticket_transition
from tests.conftest import World

TOKEN_IN_MAIL = re.compile(r"/survey/([A-Za-z0-9_-]+)/\?rating=5")


@pytest.fixture
def dispatch(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[[], None]:
    """Hand every recorded event to its subscribers and run what they queue after commit."""

    def run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_pending()

    return run


@pytest.fixture
def resolved(world: World, dispatch: Callable[[], None]) -> Callable[..., Ticket]:
    """A ticket of alice's, routed to IT, resolved by the agent, its events handed on."""

    def make(**fields: Any) -> Ticket:
        fields.setdefault("actor", world.alice)
        fields.setdefault("title", "Printer on fire")
        ticket = ticket_create(**fields)
        ticket = ticket_transition(
            actor=world.agent, ticket=ticket, status="resolved", version=None
        )
        dispatch()
        return ticket

    return make


def survey_token(ticket: Ticket) -> str:
    """The raw token mailed to the ticket's requester (only its hash is stored)."""
    for message in reversed(survey_mails(ticket)):
        found = TOKEN_IN_MAIL.search(message.body)
        assert found, message.body
        return found.group(1)
    raise AssertionError(f"no survey mail for #{ticket.number}")


def survey_mails(ticket: Ticket) -> list[mail.EmailMessage]:
    """The mails about ``ticket`` that carry rating links (the "resolved" notice with them, or
    the survey on its own)."""
    return [m for m in mail.outbox if f"[#{ticket.number}]" in m.subject and "/survey/" in m.body]


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    """``with committed(execute=True):`` runs what the block queued for after commit."""
    return django_capture_on_commit_callbacks
