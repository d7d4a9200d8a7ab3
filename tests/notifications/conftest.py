"""Notification test helpers: run a service as a committed transaction would (events handed
to the subscribers, send tasks run inline into Django's locmem outbox), and read the mail."""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage as ParsedMessage
from typing import Any, cast

import pytest
from django.core import mail
from django.core.mail import EmailMessage

from frontline.accounts.models import User
from frontline.notifications.models import OutboundMail
from frontline.tickets.events import dispatch_pending
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_create
from tests.conftest import World
from tests.factories import UserFactory

Act = Callable[..., Any]


@pytest.fixture
def act(django_capture_on_commit_callbacks: Callable[..., Any]) -> Act:
    """``act(service, **kwargs)``: call it, then dispatch its events and send what they queue."""

    def run(func: Callable[..., Any], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            result = func(**kwargs)
            dispatch_pending()
        return result

    return run


@pytest.fixture
def open_ticket(world: World, act: Act) -> Callable[..., Ticket]:
    """Alice's ticket (routed to IT, L1) opened through the service; the outbox is emptied."""

    def make(**fields: Any) -> Ticket:
        fields.setdefault("actor", world.alice)
        fields.setdefault("title", "Printer on floor 3 jammed")
        ticket: Ticket = act(ticket_create, **fields)
        mail.outbox.clear()
        return ticket

    return make


def ours() -> list[EmailMessage]:
    """The notifications in the outbox (other apps, e.g. satisfaction surveys, mail too)."""
    return [
        m for m in mail.outbox if str(m.extra_headers.get("Message-ID", "")).startswith("<ticket-")
    ]


def sent_to(email: str) -> list[EmailMessage]:
    return [m for m in ours() if any(email in to for to in m.to)]


def recipients() -> list[str]:
    """Every address that got a notification, sorted (one entry per mail)."""
    found: list[str] = []
    for message in ours():
        for to in message.to:
            found.append(to.rpartition("<")[2].rstrip(">") if "<" in to else to)
    return sorted(found)


def parsed(message: EmailMessage) -> ParsedMessage:
    """The message as a receiving server would parse its bytes."""
    result = message_from_bytes(message.message().as_bytes(), policy=policy.default)
    assert isinstance(result, ParsedMessage)
    return result


def outbound(**filters: Any) -> list[OutboundMail]:
    return list(OutboundMail.objects.filter(**filters).order_by("id"))


def person(**fields: Any) -> User:
    """A user made by the factory, typed as the User it is."""
    return cast(User, UserFactory(**fields))
