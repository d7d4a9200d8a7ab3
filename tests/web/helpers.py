"""Helpers for the web UI tests (desk, portal, browser): tickets made through the services,
clients signed in as someone, and reading pages."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from frontline.accounts.models import User
from frontline.tickets import services
from frontline.tickets.models import Ticket


def new_ticket(
    requester: User,
    title: str = "Printer is jammed",
    description: str = "It blinks orange and eats paper.",
    **kwargs: Any,
) -> Ticket:
    """A ticket filed by ``requester`` (or logged for them when ``actor`` is given)."""
    actor = kwargs.pop("actor", requester)
    if actor.pk != requester.pk:
        kwargs["requester"] = requester
    return services.ticket_create(actor=actor, title=title, description=description, **kwargs)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def text_of(response: Any) -> str:
    """The page's HTML as text, with whitespace runs collapsed for phrase matching."""
    return re.sub(r"\s+", " ", response.content.decode())


def flash_messages(response: Any) -> list[str]:
    """The texts of the messages framework's messages in a rendered response."""
    return [str(m) for m in response.context["messages"]] if response.context else []
