"""The ticket page's presence websocket, without a browser: who may connect, what others hear,
and the notice when the ticket changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from django.contrib.auth.models import AnonymousUser

from frontline.desk import consumers
from frontline.desk.routing import websocket_urlpatterns
from frontline.tickets import services
from tests.web.helpers import new_ticket

pytestmark = pytest.mark.django_db(transaction=True)  # the consumer reads from its own thread


class Socket:
    """A websocket client for one consumer (channels.testing needs daphne, absent here)."""

    def __init__(self, user: Any, number: int, version: int = 1) -> None:
        scope = {
            "type": "websocket",
            "path": f"/ws/desk/tickets/{number}/",
            "query_string": f"version={version}".encode(),
            "headers": [],
            "subprotocols": [],
            "user": user,
        }
        self.app = ApplicationCommunicator(URLRouter(websocket_urlpatterns), scope)

    async def connect(self) -> tuple[bool, Any]:
        await self.app.send_input({"type": "websocket.connect"})
        answer = await self.app.receive_output(timeout=2)
        return answer["type"] == "websocket.accept", answer.get("code")

    async def send_json_to(self, data: Any) -> None:
        await self.app.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self, timeout: float = 2) -> Any:
        answer = await self.app.receive_output(timeout=timeout)
        assert answer["type"] == "websocket.send", answer
        return json.loads(answer["text"])

    async def receive_nothing(self, timeout: float = 0.3) -> bool:
        return bool(await self.app.receive_nothing(timeout=timeout))

    async def disconnect(self) -> None:
        await self.app.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.app.wait(timeout=2)


def connects(user: Any, number: int) -> tuple[bool, Any]:
    async def attempt() -> tuple[bool, Any]:
        socket = Socket(user, number)
        connected, code = await socket.connect()
        await socket.disconnect()
        return connected, code

    return async_to_sync(attempt)()


def test_only_desk_users_who_can_work_the_ticket_may_listen(world: Any) -> None:
    ticket = new_ticket(world.alice)
    assert connects(world.agent, ticket.number)[0] is True
    assert connects(world.hr_agent, ticket.number) == (False, 4404)
    assert connects(world.alice, ticket.number) == (False, 4404)  # the requester herself
    assert connects(AnonymousUser(), ticket.number) == (False, 4404)
    assert connects(world.agent, 999999) == (False, 4404)


def test_others_hear_joining_and_typing_but_not_their_own(world: Any) -> None:
    ticket = new_ticket(world.alice)

    async def scenario() -> list[Any]:
        first = Socket(world.agent, ticket.number)
        second = Socket(world.agent_l2, ticket.number)
        assert (await first.connect())[0]
        assert (await second.connect())[0]
        joined = await first.receive_json_from(timeout=2)
        await first.send_json_to({"type": "typing"})
        typing = await second.receive_json_from(timeout=2)
        await first.send_json_to({"type": "shout"})  # not a state: ignored
        quiet = await second.receive_nothing(timeout=0.3)
        own_echo = await first.receive_nothing(timeout=0.3)
        await first.disconnect()
        left = await second.receive_json_from(timeout=2)
        await second.disconnect()
        return [joined, typing, quiet, own_echo, left]

    joined, typing, quiet, own_echo, left = async_to_sync(scenario)()
    assert (joined["state"], joined["name"]) == ("joined", "Lee Two")
    assert (typing["state"], typing["name"]) == ("typing", "Ann Agent")
    assert quiet is True
    assert own_echo is True
    assert (left["state"], left["name"]) == ("left", "Ann Agent")


def test_a_change_to_the_ticket_is_announced(world: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(consumers, "VERSION_POLL_SECONDS", 0.05)
    ticket = new_ticket(world.alice)

    async def scenario() -> tuple[bool, Any]:
        socket = Socket(world.agent, ticket.number, version=ticket.version)
        assert (await socket.connect())[0]
        unchanged = await socket.receive_nothing(timeout=0.3)
        await change()
        notice = await socket.receive_json_from(timeout=2)
        await socket.disconnect()
        return unchanged, notice

    @database_sync_to_async
    def change() -> None:
        services.ticket_update(actor=world.agent_l2, ticket=ticket, version=None, priority="p1")

    unchanged, notice = async_to_sync(scenario)()
    assert unchanged is True
    assert notice == {"type": "changed", "version": ticket.version + 1}
