"""API test helpers: a JSON client authenticated by a real bearer token, and ticket makers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.test.client import MULTIPART_CONTENT

from frontline.accounts.models import User
from frontline.accounts.services import token_create
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_create
from tests.conftest import World

BASE = "/api/v1"


class Api:
    """django.test.Client speaking JSON to /api/v1 as one user (or anonymously)."""

    def __init__(self, user: User | None = None) -> None:
        self.client = Client()
        self.user = user
        self.headers: dict[str, str] = {}
        if user is not None:
            _, raw = token_create(actor=None, user=user)
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"

    def get(self, path: str, params: Any = None) -> Any:
        return self.client.get(BASE + path, params or {}, **self.headers)

    def _send(self, method: str, path: str, body: Any) -> Any:
        send = getattr(self.client, method)
        data = json.dumps(body) if body is not None else ""
        return send(BASE + path, data, content_type="application/json", **self.headers)

    def post(self, path: str, body: Any = None) -> Any:
        return self._send("post", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        return self._send("patch", path, body)

    def delete(self, path: str) -> Any:
        return self.client.delete(BASE + path, **self.headers)

    def upload(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(BASE + path, data, content_type=MULTIPART_CONTENT, **self.headers)


@pytest.fixture
def api(world: World) -> Callable[[User | None], Api]:
    """``api(world.agent).get("/tickets")``; ``api(None)`` sends no credentials."""
    return Api


@pytest.fixture
def make_ticket(world: World) -> Callable[..., Ticket]:
    """Open a ticket through the service (alice at Acme, routed to IT unless told)."""

    def make(**fields: Any) -> Ticket:
        fields.setdefault("actor", fields.get("requester") or world.alice)
        fields.setdefault("title", "Printer on fire")
        return ticket_create(**fields)

    return make


def problem(response: Any) -> dict[str, Any]:
    """The problem+json body of an error response (asserting it is one)."""
    assert response["Content-Type"] == "application/problem+json", response.content
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    return body


@pytest.fixture
def bulk_tickets(world: World) -> Callable[..., list[Ticket]]:
    """Insert ``count`` tickets as rows (fast; for list sizes and query counts), each with a
    tag, in IT for Acme's alice unless told otherwise."""
    from frontline.tickets.models import Tag
    from frontline.tickets.numbering import reserve_ticket_numbers

    def make(count: int, **fields: Any) -> list[Ticket]:
        fields.setdefault("requester", world.alice)
        fields.setdefault("organization", world.acme)
        fields.setdefault("team", world.it)
        numbers = reserve_ticket_numbers(count)
        rows = Ticket.objects.bulk_create(
            [Ticket(number=n, title=f"Bulk {n}", **fields) for n in numbers]
        )
        tag, _ = Tag.objects.get_or_create(name="bulk")
        Ticket.tags.through.objects.bulk_create(
            [Ticket.tags.through(ticket_id=t.pk, tag_id=tag.pk) for t in rows]
        )
        return rows

    return make
