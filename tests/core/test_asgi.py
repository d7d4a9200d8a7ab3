"""The ASGI application the server runs: HTTP through Django's WSGI handler on a thread pool
(``frontline/asgi.py``), answering as Django does and streaming large bodies in parts."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import pytest

from frontline.accounts.services import token_create
from frontline.tickets.models import Ticket
from frontline.tickets.numbering import reserve_ticket_numbers
from tests.conftest import World


def call(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> list[dict[str, Any]]:
    """Run one GET through ``frontline.asgi.application``; the messages it sent."""
    from frontline.asgi import application

    route, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    sent: list[dict[str, Any]] = []

    async def run() -> None:
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(3600)  # the client never disconnects
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await application(scope, receive, send)

    asyncio.run(run())
    return sent


@pytest.mark.usefixtures("transactional_db")
def test_http_requests_are_answered_by_django() -> None:
    messages = call("/healthz")
    assert messages[0]["type"] == "http.response.start"
    assert messages[0]["status"] == 200
    body = b"".join(m.get("body", b"") for m in messages[1:])
    assert b'"database"' in body


@pytest.mark.usefixtures("transactional_db")
def test_a_large_export_is_sent_in_parts_not_buffered_whole(world: World) -> None:
    Ticket.objects.bulk_create(
        [
            Ticket(number=n, title=f"Row {n}", requester=world.alice, team=world.it)
            for n in reserve_ticket_numbers(600)
        ]
    )
    _, raw = token_create(actor=None, user=world.agent)
    messages = call(
        "/api/v1/tickets/export?format=csv", [(b"authorization", f"Bearer {raw}".encode())]
    )
    assert messages[0]["status"] == 200
    bodies = [m for m in messages if m["type"] == "http.response.body"]
    assert len([m for m in bodies if m.get("more_body")]) >= 2  # streamed as it was made
    text = b"".join(m.get("body", b"") for m in bodies).decode("utf-8").lstrip("\ufeff")
    assert len(list(csv.reader(io.StringIO(text)))) == 601
