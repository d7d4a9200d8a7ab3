"""Automation fixtures: run a service and then the event subscribers (as a committed
transaction would), make tickets, make rules."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from frontline.automation import services as automation
from frontline.automation.models import Rule
from frontline.tickets import services as tickets
from frontline.tickets.events import dispatch_pending
from frontline.tickets.models import Ticket
from tests.conftest import World

Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def act(django_capture_on_commit_callbacks: Capture) -> Callable[..., Any]:
    """Run ``func(**kwargs)``, then dispatch the events it (and its subscribers) recorded."""

    def run(func: Callable[..., Any], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            result = func(**kwargs)
            dispatch_pending()
        return result

    return run


@pytest.fixture
def open_ticket(world: World, act: Callable[..., Any]) -> Callable[..., Ticket]:
    def make(**fields: Any) -> Ticket:
        fields.setdefault("actor", world.agent)
        fields.setdefault("requester", world.alice)
        fields.setdefault("title", "VPN is down")
        fields.setdefault("team", world.it)
        ticket: Ticket = act(tickets.ticket_create, **fields)
        return Ticket.objects.get(pk=ticket.pk)

    return make


@pytest.fixture
def make_rule(world: World) -> Callable[..., Rule]:
    def make(**fields: Any) -> Rule:
        fields.setdefault("actor", world.admin)
        fields.setdefault("name", f"Rule {Rule.objects.count() + 1}")
        fields.setdefault("trigger", "created")
        fields.setdefault("conditions_tree", {})
        fields.setdefault("is_active", True)
        return automation.rule_create(**fields)

    return make


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)
