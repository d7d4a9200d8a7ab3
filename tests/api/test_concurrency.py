"""Two clients writing the same ticket at the same moment (PostgreSQL: real row locks)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_create
from tests.api.conftest import Api
from tests.conftest import World


@pytest.mark.pg
@pytest.mark.django_db(transaction=True)
def test_simultaneous_patches_from_one_version_one_wins(world: World) -> None:
    ticket = ticket_create(actor=world.alice, title="Original")
    clients = {"A": Api(world.agent), "B": Api(world.agent_l2)}
    start = threading.Barrier(len(clients))
    results: dict[str, Any] = {}

    def patch(title: str) -> None:
        try:
            start.wait(timeout=10)
            results[title] = clients[title].patch(
                f"/tickets/{ticket.number}", {"version": 1, "title": title}
            )
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=patch, args=(title,)) for title in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(response.status_code for response in results.values())
    assert statuses == [200, 409]
    (winner,) = [title for title, response in results.items() if response.status_code == 200]
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.title, ticket.version) == (winner, 2)
