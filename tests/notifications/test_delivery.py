"""Delivery: one mail per event/recipient/kind however often the event is handed on; SMTP
failures retried with back-off, then kept as failed with the error; admins can retry."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.utils import timezone

from frontline.core.errors import PermissionDenied
from frontline.notifications import services
from frontline.notifications.models import OutboundMail, OutboundStatus
from frontline.notifications.subscribers import notify_replied
from frontline.tickets.events import dispatch_pending
from frontline.tickets.models import Ticket, TicketEvent
from frontline.tickets.services import ticket_reply
from tests.conftest import World
from tests.notifications.conftest import Act, ours


class FlakySmtp:
    """Makes the locmem backend fail ``failures`` times, like a server that is down."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.failures = 0
        real = EmailBackend.send_messages

        def send(backend: EmailBackend, messages: Any) -> int:
            if self.failures > 0:
                self.failures -= 1
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            return real(backend, messages)

        monkeypatch.setattr(EmailBackend, "send_messages", send)


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> FlakySmtp:
    return FlakySmtp(monkeypatch)


def make_due(mail: OutboundMail) -> None:
    OutboundMail.objects.filter(pk=mail.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_handing_the_same_event_on_twice_sends_once(
    world: World,
    act: Act,
    open_ticket: Callable[..., Ticket],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    ticket = open_ticket()
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Try again")
    assert len(ours()) == 1
    event = TicketEvent.objects.get(ticket=ticket, kind="replied")
    with django_capture_on_commit_callbacks(execute=True):
        notify_replied(event)  # at-least-once: the dispatcher hands it on again
        TicketEvent.objects.filter(pk=event.pk).update(dispatched_at=None)
        dispatch_pending()
    assert len(ours()) == 1
    assert OutboundMail.objects.filter(event=event).count() == 1


def test_a_duplicate_send_task_sends_nothing(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket()
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Once")
    mail = OutboundMail.objects.get(kind="reply")
    assert mail.status == OutboundStatus.SENT
    assert services.outbound_mail_send(outbound_id=mail.pk) == OutboundStatus.SENT
    assert len(ours()) == 1


def test_an_smtp_failure_is_retried_after_a_back_off_and_then_sent(
    world: World, act: Act, open_ticket: Callable[..., Ticket], smtp: FlakySmtp
) -> None:
    ticket = open_ticket()
    smtp.failures = 1
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Through the storm")
    mail = OutboundMail.objects.get(kind="reply")
    assert (mail.status, mail.attempts) == (OutboundStatus.PENDING, 1)
    assert "SMTPServerDisconnected" in mail.last_error
    assert mail.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert ours() == []
    assert services.outbound_mail_retry_due() == 0  # not yet due
    make_due(mail)
    assert services.outbound_mail_retry_due() == 1
    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mail.last_error) == (OutboundStatus.SENT, 2, "")
    assert [m.body.splitlines()[0] for m in ours()] == ["Through the storm"]
    assert ours()[0].extra_headers["Message-ID"] == mail.message_id  # the same mail


def test_after_the_last_attempt_a_mail_stays_failed_with_its_error_until_an_admin_retries(
    world: World, act: Act, open_ticket: Callable[..., Ticket], smtp: FlakySmtp
) -> None:
    ticket = open_ticket()
    smtp.failures = services.MAX_ATTEMPTS
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Doomed")
    mail = OutboundMail.objects.get(kind="reply")
    delays = []
    for _ in range(services.MAX_ATTEMPTS - 1):
        mail.refresh_from_db()
        delays.append(round((mail.next_attempt_at - timezone.now()).total_seconds() / 60))
        make_due(mail)
        services.outbound_mail_retry_due()
    mail.refresh_from_db()
    assert delays == [1, 2, 4, 8]
    assert (mail.status, mail.attempts) == (OutboundStatus.FAILED, services.MAX_ATTEMPTS)
    assert "Connection unexpectedly closed" in mail.last_error
    make_due(mail)
    assert services.outbound_mail_retry_due() == 0  # failed stays failed
    with pytest.raises(PermissionDenied):
        services.outbound_mail_retry(actor=world.agent, ids=[mail.pk])
    client = Client()
    client.force_login(world.admin)
    page = client.get("/admin/notifications/outboundmail/?status__exact=failed")
    assert page.status_code == 200
    assert b"Doomed" not in page.content
    assert (
        f"[#{ticket.number}]".encode()
        in client.get(f"/admin/notifications/outboundmail/{mail.pk}/change/").content
    )
    response = client.post(
        "/admin/notifications/outboundmail/",
        {"action": "retry", "_selected_action": [mail.pk]},
    )
    assert response.status_code == 302
    mail.refresh_from_db()
    # The action queues on commit; the test transaction never commits, so send it here.
    assert mail.status == OutboundStatus.PENDING
    assert mail.attempts == 0
    assert services.outbound_mail_send(outbound_id=mail.pk) == OutboundStatus.SENT
    assert len(ours()) == 1


def test_a_mail_left_sending_by_a_dead_worker_goes_out_again(
    world: World, act: Act, open_ticket: Callable[..., Ticket], smtp: FlakySmtp
) -> None:
    ticket = open_ticket()
    smtp.failures = 1
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Orphan")
    mail = OutboundMail.objects.get(kind="reply")
    OutboundMail.objects.filter(pk=mail.pk).update(
        status=OutboundStatus.SENDING,
        claimed_at=timezone.now() - services.STALE_SENDING - timedelta(seconds=1),
        next_attempt_at=timezone.now() - timedelta(minutes=20),
    )
    assert services.outbound_mail_retry_due() == 1
    mail.refresh_from_db()
    assert mail.status == OutboundStatus.SENT


def test_admin_outbound_list_runs_the_same_queries_for_10_and_30_rows(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ticket = open_ticket()
    client = Client()
    client.force_login(world.admin)

    def count(n: int) -> int:
        while OutboundMail.objects.count() < n:
            act(ticket_reply, actor=world.agent, ticket=ticket, body="More")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/admin/notifications/outboundmail/").status_code == 200
        return len(ctx.captured_queries)

    assert count(10) == count(30)
