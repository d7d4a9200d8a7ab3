"""Inbound mail into tickets: new tickets, threading, strangers, robots, loops, idempotency,
crash recovery and quarantine."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from frontline.accounts.models import Role, User
from frontline.mail import ingest
from frontline.mail.ingest import (
    mail_accept,
    mail_ingest,
    mail_open_ticket,
    mail_process,
    mail_reject,
    mail_retry,
    mail_retry_pending,
    mail_store,
)
from frontline.mail.models import InboundMail, Mailbox, Source, State
from frontline.mail.threading import thread_references
from frontline.tickets.models import Channel, MessageKind, Status, Ticket, TicketEvent
from frontline.tickets.services.workflow import ticket_transition
from tests.conftest import World
from tests.mail.mailbuild import build, new_id

pytestmark = pytest.mark.django_db


def pipe(raw: bytes) -> InboundMail:
    return mail_ingest(raw=raw, source=Source.PIPE)


def first_ticket(inbound: InboundMail) -> Ticket:
    assert inbound.ticket_id is not None, (inbound.state, inbound.error, inbound.traceback)
    return Ticket.objects.get(pk=inbound.ticket_id)


def public_bodies(ticket: Ticket) -> list[str]:
    return list(
        ticket.messages.filter(kind=MessageKind.PUBLIC)
        .order_by("id")
        .values_list("body", flat=True)
    )


# --- new tickets ---------------------------------------------------------------------------


def test_new_mail_opens_a_ticket_for_a_new_requester_of_the_domains_organization(
    world: World,
) -> None:
    raw = build(
        "Zoe Zed <zoe@acme.test>",
        cc=["Carol <carol@globex.test>", "support@example.com", "alice@acme.test"],
    )
    inbound = pipe(raw)
    assert inbound.state == State.PROCESSED
    ticket = first_ticket(inbound)
    zoe = User.objects.get(email="zoe@acme.test")
    assert zoe.role == Role.REQUESTER
    assert zoe.full_name == "Zoe Zed"
    assert list(zoe.organizations.all()) == [world.acme]
    assert ticket.requester == zoe
    assert ticket.organization == world.acme
    assert ticket.channel == Channel.EMAIL
    assert ticket.title == "Printer broken"
    assert public_bodies(ticket) == ["The printer on floor 2 is broken."]
    watchers = set(ticket.watchers.values_list("email", flat=True))
    assert watchers == {"carol@globex.test", "alice@acme.test"}  # never our own address
    assert User.objects.get(email="carol@globex.test").role == Role.REQUESTER
    assert not User.objects.filter(email="support@example.com").exists()
    assert inbound.ticket_message is not None
    assert inbound.ticket_message.ticket_id == ticket.pk


def test_a_mailbox_tied_to_a_team_routes_its_tickets_there(world: World) -> None:
    box = Mailbox.objects.create(name="hr", team=world.hr, host="x", username="hr@example.com")
    inbound = mail_ingest(raw=build("alice@acme.test"), source=Source.IMAP, mailbox=box)
    ticket = first_ticket(inbound)
    assert ticket.team == world.hr
    assert ticket.events.filter(kind="field_changed", field="team", new=world.hr.pk).exists()


def test_attachments_are_stored_and_an_oversized_one_is_dropped_with_a_note(
    world: World,
) -> None:
    raw = build(
        "alice@acme.test",
        html='<p>See <img src="cid:logo1"> and <img src="https://tracker.test/x.png"></p>',
        attachments=[
            ("logo.png", "image/png", b"\x89PNG small", "logo1"),
            ("big.bin", "application/octet-stream", b"x" * 5000, None),
        ],
    )
    with override_settings(FRONTLINE_ATTACHMENT_MAX_BYTES=1000):
        inbound = pipe(raw)
    ticket = first_ticket(inbound)
    message = inbound.ticket_message
    assert message is not None
    names = list(message.attachments.values_list("filename", flat=True))
    assert names == ["logo.png"]
    uuid = str(message.attachments.get().uuid)
    assert inbound.content_ids == {"logo1": uuid}
    notes = ticket.messages.filter(kind=MessageKind.SYSTEM).values_list("body", flat=True)
    assert any("big.bin" in note and "dropped" in note for note in notes)
    assert 'data-remote-src="https://tracker.test/x.png"' in inbound.html
    assert ' src="https://tracker.test' not in inbound.html


# --- threading -----------------------------------------------------------------------------


def test_a_reply_finds_its_ticket_by_in_reply_to(world: World) -> None:
    original = new_id()
    ticket = first_ticket(pipe(build("alice@acme.test", message_id=original)))
    reply = build(
        "alice@acme.test",
        "Re: Printer broken",
        "Still broken.\n\nOn Mon, Desk wrote:\n> quoted history",
        in_reply_to=original,
    )
    inbound = pipe(reply)
    assert inbound.state == State.PROCESSED
    assert inbound.ticket_id == ticket.pk
    assert public_bodies(ticket)[-1] == "Still broken."
    assert Ticket.objects.count() == 1


def test_a_reply_finds_its_ticket_by_references(world: World) -> None:
    original = new_id()
    ticket = first_ticket(pipe(build("alice@acme.test", message_id=original)))
    reply = build(
        "alice@acme.test",
        "other subject",
        "More details.",
        in_reply_to="<unknown@elsewhere.test>",
        references=[original, "<unknown@elsewhere.test>"],
    )
    assert pipe(reply).ticket_id == ticket.pk
    assert public_bodies(ticket)[-1] == "More details."


def test_a_reply_to_our_outbound_message_id_finds_its_ticket(world: World) -> None:
    ticket = first_ticket(pipe(build("alice@acme.test")))
    ours = f"<ticket-{ticket.number}.7.abcdef@example.com>"
    inbound = pipe(build("alice@acme.test", "Re: x", "Thanks!", in_reply_to=ours))
    assert inbound.ticket_id == ticket.pk
    foreign = f"<ticket-{ticket.number}.7.abcdef@evil.test>"  # not our domain: no match
    other = pipe(build("alice@acme.test", "Re: x", "Hi", in_reply_to=foreign))
    assert other.ticket_id != ticket.pk


def test_a_reply_finds_its_ticket_by_the_subject_token(world: World) -> None:
    ticket = first_ticket(pipe(build("alice@acme.test")))
    inbound = pipe(build("alice@acme.test", f"Re: [#{ticket.number}] Printer", "Any news?"))
    assert inbound.ticket_id == ticket.pk
    assert public_bodies(ticket)[-1] == "Any news?"
    missing = pipe(build("alice@acme.test", "Re: [#999999] Printer", "Hello"))
    assert missing.ticket_id not in (None, ticket.pk)  # no such ticket: a new one
    assert first_ticket(missing).title == "Printer"


def test_a_requesters_reply_reopens_a_resolved_ticket(world: World) -> None:
    original = new_id()
    ticket = first_ticket(pipe(build("alice@acme.test", message_id=original)))
    ticket_transition(actor=world.agent, ticket=ticket, status=Status.RESOLVED, version=None)
    pipe(build("alice@acme.test", "Re: x", "Not fixed.", in_reply_to=original))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(world: World) -> None:
    original = new_id()
    ticket = first_ticket(pipe(build("alice@acme.test", message_id=original)))
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    inbound = pipe(build("alice@acme.test", "Re: x", "Again.", in_reply_to=original))
    follow_up = first_ticket(inbound)
    assert follow_up.pk != ticket.pk
    assert f"#{ticket.number}" in follow_up.description


def test_watchers_reply_by_mail_and_new_ccs_become_watchers(world: World) -> None:
    original = new_id()
    ticket = first_ticket(
        pipe(build("alice@acme.test", cc=["arthur@acme.test"], message_id=original))
    )
    inbound = pipe(
        build("arthur@acme.test", "Re: x", "Me too.", in_reply_to=original, cc=["new@acme.test"])
    )
    assert inbound.state == State.PROCESSED
    message = inbound.ticket_message
    assert message is not None
    assert message.author == world.arthur
    assert set(ticket.watchers.values_list("email", flat=True)) == {
        "arthur@acme.test",
        "new@acme.test",
    }


def test_thread_references_lists_received_ids_oldest_first_bounded(world: World) -> None:
    ids = [new_id() for _ in range(14)]
    ticket = first_ticket(pipe(build("alice@acme.test", message_id=ids[0])))
    for index, mid in enumerate(ids[1:], start=1):
        with time_machine.travel(timezone.now() + dt.timedelta(seconds=index)):
            pipe(build("alice@acme.test", "Re", f"n{index}", message_id=mid, in_reply_to=ids[0]))
    refs = thread_references(ticket)
    assert len(refs) == 10
    assert refs[0] == ids[0]
    assert refs[1:] == ids[-9:]


# --- strangers and agents ------------------------------------------------------------------


def test_a_strangers_reply_is_held_not_appended(world: World) -> None:
    original = new_id()
    ticket = first_ticket(pipe(build("alice@acme.test", message_id=original)))
    inbound = pipe(build("mallory@evil.test", "Re: x", "Pay here.", in_reply_to=original))
    assert inbound.state == State.HELD
    assert inbound.ticket_id == ticket.pk
    assert public_bodies(ticket) == ["The printer on floor 2 is broken."]
    assert not User.objects.filter(email="mallory@evil.test").exists()
    system = ticket.messages.filter(kind=MessageKind.SYSTEM).values_list("body", flat=True)
    assert any("held" in body and "mallory@evil.test" in body for body in system)


def test_a_held_reply_can_be_accepted_as_the_sender(world: World) -> None:
    original = new_id()
    ticket = first_ticket(pipe(build("alice@acme.test", message_id=original)))
    held = pipe(
        build("Colleague <colleague@acme.test>", "Re: x", "Same here.", in_reply_to=original)
    )
    with pytest.raises(Exception, match="No such message"):
        mail_accept(actor=world.bob, inbound=held)  # not desk: nothing happens
    accepted = mail_accept(actor=world.agent, inbound=held)
    assert accepted.state == State.PROCESSED
    assert accepted.decided_by == world.agent
    assert public_bodies(ticket)[-1] == "Same here."
    colleague = User.objects.get(email="colleague@acme.test")
    assert ticket.watchers.filter(pk=colleague.pk).exists()


def test_a_held_reply_can_be_rejected_or_turned_into_a_new_ticket(world: World) -> None:
    original = new_id()
    ticket = first_ticket(pipe(build("alice@acme.test", message_id=original)))
    spam = pipe(build("spam@evil.test", "Re: x", "Buy", in_reply_to=original))
    rejected = mail_reject(actor=world.agent, inbound=spam)
    assert rejected.state == State.IGNORED
    assert public_bodies(ticket) == ["The printer on floor 2 is broken."]
    other = pipe(build("carl@globex.test", f"[#{ticket.number}] my own problem", "Help"))
    assert other.state == State.HELD
    opened = mail_open_ticket(actor=world.agent, inbound=other)
    new_ticket = first_ticket(opened)
    assert new_ticket.pk != ticket.pk
    assert new_ticket.requester.email == "carl@globex.test"


def test_a_subject_token_of_a_ticket_the_sender_is_not_on_is_held(world: World) -> None:
    ticket = first_ticket(pipe(build("alice@acme.test")))
    inbound = pipe(build("bob@globex.test", f"[#{ticket.number}] hello", "Let me in"))
    assert inbound.state == State.HELD
    assert public_bodies(ticket) == ["The printer on floor 2 is broken."]
    assert not ticket.watchers.filter(pk=world.bob.pk).exists()


def test_an_agents_address_grants_no_desk_powers(world: World) -> None:
    original = new_id()
    ticket = first_ticket(pipe(build("alice@acme.test", message_id=original)))
    events_before = ticket.events.count()
    inbound = pipe(build("agent@desk.test", "Re: x", "#close internal: done", in_reply_to=original))
    assert inbound.state == State.HELD
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert ticket.first_response_at is None
    assert not ticket.messages.filter(kind=MessageKind.INTERNAL).exists()
    assert ticket.events.count() == events_before
    # even as a watcher, an agent's mail is not a desk reply
    ticket.watchers.add(world.agent)
    again = pipe(build("agent@desk.test", "Re: x", "from the watcher", in_reply_to=original))
    assert again.state == State.HELD
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_an_agents_mail_about_their_own_request_is_a_requester_reply(world: World) -> None:
    original = new_id()
    ticket = first_ticket(pipe(build("agent@desk.test", message_id=original)))
    assert ticket.requester == world.agent
    inbound = pipe(build("agent@desk.test", "Re: x", "more", in_reply_to=original))
    assert inbound.state == State.PROCESSED
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    event = ticket.events.filter(kind="replied").get()
    assert event.data["by"] == "requester"


# --- robots --------------------------------------------------------------------------------


def test_an_auto_reply_is_a_system_line_and_never_a_reply(world: World) -> None:
    original = new_id()
    ticket = first_ticket(pipe(build("alice@acme.test", message_id=original)))
    ticket_transition(actor=world.agent, ticket=ticket, status=Status.RESOLVED, version=None)
    auto = build(
        "alice@acme.test",
        "Out of office: Re: Printer broken",
        "I am away until Monday.",
        in_reply_to=original,
        headers={"Auto-Submitted": "auto-replied"},
    )
    inbound = pipe(auto)
    assert inbound.state == State.PROCESSED
    assert inbound.auto_kind == "auto-reply"
    assert inbound.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED  # not reopened
    assert not ticket.events.filter(kind="replied").exists()
    assert inbound.ticket_message is not None
    assert inbound.ticket_message.kind == MessageKind.SYSTEM


def test_machine_mail_opens_a_ticket_marked_auto(world: World) -> None:
    inbound = pipe(
        build(
            "monitor@acme.test",
            "Disk full on srv1",
            "Alert",
            headers={"Auto-Submitted": "auto-generated"},
        )
    )
    ticket = first_ticket(inbound)
    created = TicketEvent.objects.get(ticket=ticket, kind="created")
    assert created.data["auto"] is True


def test_an_auto_reply_about_nothing_is_ignored(world: World) -> None:
    inbound = pipe(
        build(
            "someone@acme.test",
            "Automatic reply: hello",
            "Away",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    assert inbound.state == State.IGNORED
    assert Ticket.objects.count() == 0


def _bounce(original_id: str) -> bytes:
    boundary = "BOUNDARY"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.acme.test>\r\n"
        "To: support@example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {new_id('mx.acme.test')}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\nContent-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.acme.test\r\n\r\n"
        "Final-Recipient: rfc822; gone@acme.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: support@example.com\r\nTo: gone@acme.test\r\n"
        f"Subject: [#1] Update\r\nMessage-ID: {original_id}\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def test_a_bounce_lands_on_the_ticket_of_the_original_without_reopening_it(
    world: World,
) -> None:
    ticket = first_ticket(pipe(build("alice@acme.test")))
    ticket_transition(actor=world.agent, ticket=ticket, status=Status.RESOLVED, version=None)
    inbound = pipe(_bounce(f"<ticket-{ticket.number}.3.xyz@example.com>"))
    assert inbound.auto_kind == "bounce"
    assert inbound.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    note = inbound.ticket_message
    assert note is not None
    assert note.kind == MessageKind.SYSTEM
    assert "bounce" in note.body.lower()
    assert not ticket.events.filter(kind="replied").exists()


@override_settings(FRONTLINE_MAIL_RATE_LIMIT=5, FRONTLINE_MAIL_RATE_WINDOW=600)
def test_a_sender_over_the_rate_limit_is_ignored(world: World) -> None:
    results = [pipe(build("robot@loop.test", f"Ticket {n}", "loop")) for n in range(7)]
    assert [r.state for r in results[:5]] == [State.PROCESSED] * 5
    assert [r.state for r in results[5:]] == [State.IGNORED] * 2
    assert "rate limited" in results[5].error
    assert Ticket.objects.count() == 5
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        assert pipe(build("robot@loop.test", "later", "ok")).state == State.PROCESSED


# --- idempotency, crashes, quarantine ------------------------------------------------------


def test_the_same_message_twice_gives_one_ticket(world: World) -> None:
    raw = build("alice@acme.test")
    first, second = pipe(raw), pipe(raw)
    assert first.pk == second.pk
    assert Ticket.objects.count() == 1
    no_id = build("alice@acme.test", message_id=None)
    assert pipe(no_id).pk == pipe(no_id).pk
    assert Ticket.objects.count() == 2
    assert InboundMail.objects.count() == 2


class Crash(BaseException):
    """A process killed between storing and processing."""


def test_a_crash_between_storing_and_processing_is_recovered_by_the_retry_job(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(row: InboundMail) -> None:
        raise Crash

    monkeypatch.setattr(ingest, "_process", crash)
    with pytest.raises(Crash):
        pipe(build("alice@acme.test"))
    monkeypatch.undo()
    inbound = InboundMail.objects.get()
    assert inbound.state == State.RECEIVED
    assert inbound.raw_bytes().startswith(b"From: alice@acme.test")
    assert mail_retry_pending() == 0  # not yet "stuck": it may be in progress
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        assert mail_retry_pending() == 1
    inbound.refresh_from_db()
    assert inbound.state == State.PROCESSED
    assert Ticket.objects.count() == 1


def test_a_failing_message_is_quarantined_and_retried_once_fixed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("search index unavailable")

    monkeypatch.setattr(ingest, "ticket_create", broken)
    bad = pipe(build("alice@acme.test", "bad one"))
    assert bad.state == State.QUARANTINED
    assert bad.error == "RuntimeError: search index unavailable"
    assert "Traceback" in bad.traceback
    assert bad.attempts == 1
    assert Ticket.objects.count() == 0
    monkeypatch.undo()
    good = pipe(build("bob@globex.test", "good one"))  # one bad message blocks nothing
    assert good.state == State.PROCESSED
    with pytest.raises(Exception, match="Only admins"):
        mail_retry(actor=world.agent, inbound=bad)
    retried = mail_retry(actor=world.admin, inbound=bad)
    assert retried.state == State.PROCESSED
    assert retried.traceback == ""
    assert retried.attempts == 2
    assert first_ticket(retried).title == "bad one"


def test_processing_twice_does_nothing_the_second_time(world: World) -> None:
    stored = mail_store(raw=build("alice@acme.test"), source=Source.PIPE)
    assert stored.created
    mail_process(inbound=stored.inbound)
    mail_process(inbound=stored.inbound)
    assert Ticket.objects.count() == 1


def test_big_raw_messages_go_to_file_storage(world: World) -> None:
    raw = build("alice@acme.test", body="x" * 5000)
    with override_settings(FRONTLINE_MAIL_RAW_INLINE_MAX=1000):
        inbound = pipe(raw)
    assert inbound.raw is None
    assert inbound.raw_file
    assert inbound.raw_bytes() == raw
    assert inbound.state == State.PROCESSED


def test_a_reply_to_any_message_id_we_sent_finds_its_ticket(world: World) -> None:
    notifications = pytest.importorskip("frontline.notifications.models")
    ticket = first_ticket(pipe(build("alice@acme.test")))
    event = TicketEvent.objects.filter(ticket=ticket).first()
    notifications.OutboundMail.objects.create(
        event=event,
        ticket=ticket,
        recipient=ticket.requester,
        kind=notifications.NotificationKind.values[0],
        to_address="alice@acme.test",
        from_address="support@example.com",
        subject="x",
        body="x",
        message_id="<custom-id-7@relay.example.net>",  # not our pattern: found by the table
        next_attempt_at=timezone.now(),
    )
    inbound = pipe(
        build("alice@acme.test", "Re: x", "ok", in_reply_to="<custom-id-7@relay.example.net>")
    )
    assert inbound.ticket_id == ticket.pk
    assert Ticket.objects.count() == 1


def test_our_own_mail_coming_back_is_ignored(world: World) -> None:
    ticket = first_ticket(pipe(build("alice@acme.test")))
    from_us = pipe(build("Frontline <support@example.com>", f"[#{ticket.number}] Update", "x"))
    assert from_us.state == State.IGNORED
    assert "loop" in from_us.error
    reflected = pipe(
        build(
            "alice@acme.test",
            f"[#{ticket.number}] Update",
            "our notification, forwarded back by an alias",
            message_id=f"<ticket-{ticket.number}.4.ffff@example.com>",
        )
    )
    assert reflected.state == State.IGNORED
    assert not User.objects.filter(email="support@example.com").exists()
    assert public_bodies(ticket) == ["The printer on floor 2 is broken."]


def test_the_reply_address_of_a_team_is_its_mailbox(world: World) -> None:
    from frontline.mail.mailboxes import reply_address_for

    assert reply_address_for(world.hr) is None
    Mailbox.objects.create(name="hr", address="hr@example.com", team=world.hr, host="x")
    assert reply_address_for(world.hr) == "hr@example.com"
    assert reply_address_for(None) is None


def test_the_retry_job_gives_up_after_the_configured_attempts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontline.mail.jobs import retry_pending_mail

    def broken(**kwargs: object) -> None:
        raise RuntimeError("still broken")

    monkeypatch.setattr(ingest, "ticket_create", broken)
    bad = pipe(build("alice@acme.test"))
    with override_settings(FRONTLINE_MAIL_MAX_ATTEMPTS=3):
        assert retry_pending_mail.call() == 1
        assert retry_pending_mail.call() == 1
        assert retry_pending_mail.call() == 0  # three attempts made: left for an admin
    bad.refresh_from_db()
    assert bad.state == State.QUARANTINED
    assert bad.attempts == 3
