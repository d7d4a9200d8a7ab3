"""Live presence on the desk's ticket page: who else has it open, who is typing, and a
notice when the ticket changes under you. Websocket at /ws/desk/tickets/<number>/."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from frontline.core.errors import NotFound
from frontline.tickets import policies, selectors
from frontline.tickets.models import Ticket

VERSION_POLL_SECONDS = 2.0
STATES = {"typing", "idle", "here"}


class TicketPresenceConsumer(AsyncJsonWebsocketConsumer):
    group = ""
    version = 0
    watcher: asyncio.Task[None] | None = None

    @database_sync_to_async
    def _allowed(self, user: Any, number: int) -> bool:
        try:
            ticket = selectors.ticket_for(user, number)
        except NotFound:
            return False
        return policies.can_work_ticket(user, ticket)

    @database_sync_to_async
    def _current_version(self, number: int) -> int:
        return int(
            Ticket.objects.filter(number=number).values_list("version", flat=True).first() or 0
        )

    @property
    def _who(self) -> str:
        return hashlib.sha256(self.channel_name.encode()).hexdigest()[:16]

    async def connect(self) -> None:
        user = self.scope.get("user")
        number = int(self.scope["url_route"]["kwargs"]["number"])
        if user is None or not user.is_authenticated or not await self._allowed(user, number):
            await self.close(code=4404)
            return
        self.number = number
        self.name = user.display_name
        self.group = f"ticket-presence-{number}"
        query = dict(
            part.split("=", 1)
            for part in self.scope.get("query_string", b"").decode().split("&")
            if "=" in part
        )
        self.version = int(query["version"]) if query.get("version", "").isdigit() else 0
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._announce("joined")
        self.watcher = asyncio.ensure_future(self._watch_version())

    async def disconnect(self, code: int) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
        if self.group:
            await self._announce("left")
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        state = content.get("type") if isinstance(content, dict) else None
        if state in STATES:
            await self._announce(state)

    async def _announce(self, state: str) -> None:
        await self.channel_layer.group_send(
            self.group,
            {"type": "presence.state", "state": state, "name": self.name, "who": self._who},
        )

    async def presence_state(self, event: dict[str, Any]) -> None:
        if event["who"] == self._who:
            return
        await self.send_json(
            {
                "type": "presence",
                "state": event["state"],
                "name": event["name"],
                "channel": event["who"],
            }
        )

    async def _watch_version(self) -> None:
        while True:
            await asyncio.sleep(VERSION_POLL_SECONDS)
            current = await self._current_version(self.number)
            if current and current != self.version:
                self.version = current
                await self.send_json({"type": "changed", "version": current})
