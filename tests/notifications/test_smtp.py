"""A real SMTP conversation: aiosmtpd on 127.0.0.1 receives what Frontline sends."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from frontline.notifications.models import OutboundMail
from frontline.tickets.services import ticket_create, ticket_reply
from tests.conftest import World
from tests.notifications.conftest import Act, person


class Collector:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Collector]:
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.FRONTLINE_MAIL_DOMAIN = "mail.frontline.test"
    try:
        yield collector
    finally:
        controller.stop()


def parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_a_ticket_and_a_reply_arrive_over_smtp_with_threading_headers(
    world: World, act: Act, smtp_server: Collector
) -> None:
    eve = person(email="eve@acme.test", full_name="Eve\r\nBcc: x@evil.test", orgs=[world.acme])
    ticket = act(ticket_create, actor=eve, title="Printer on floor 3 jammed")
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Open tray 2 and pull gently.")
    to_eve = [
        (frm, rcpt, raw) for frm, rcpt, raw in smtp_server.received if "eve@acme.test" in rcpt
    ]
    assert len(to_eve) == 2
    assert all(rcpt == ["eve@acme.test"] for _, rcpt, _ in to_eve)  # no injected Bcc
    assert not any("evil" in r for _, rcpt, _ in smtp_server.received for r in rcpt)
    receipt, reply = (parse(raw) for _, _, raw in to_eve)
    rows = list(OutboundMail.objects.filter(recipient=eve).order_by("id"))
    assert [r.status for r in rows] == ["sent", "sent"]

    assert receipt["Subject"] == f"[#{ticket.number}] Printer on floor 3 jammed"
    assert receipt["Message-ID"] == rows[0].message_id
    assert receipt["Message-ID"].startswith(f"<ticket-{ticket.number}.{rows[0].pk}.")
    assert receipt["Message-ID"].endswith("@mail.frontline.test>")
    assert receipt["Auto-Submitted"] == "auto-generated"
    assert receipt["X-Frontline-Ticket"] == str(ticket.number)
    assert receipt["Reply-To"] == "support@example.com"
    assert receipt["Bcc"] is None
    assert receipt["To"].addresses[0].addr_spec == "eve@acme.test"
    assert f"/portal/requests/{ticket.number}/" in receipt.get_content()

    assert reply["Subject"] == f"[#{ticket.number}] Printer on floor 3 jammed"
    assert reply["Message-ID"] == rows[1].message_id
    assert reply["In-Reply-To"] == rows[0].message_id
    assert reply["References"] == rows[0].message_id
    assert reply["Auto-Submitted"] is None
    assert reply["From"].addresses[0].display_name == "Ann Agent via Frontline"
    assert "Open tray 2 and pull gently." in reply.get_content()
