"""Outbound headers: our Message-IDs, the In-Reply-To/References chain per recipient,
Reply-To, Auto-Submitted, the subject token, and no way to inject headers or recipients."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.utils import getaddresses

import pytest
from django.core.mail import EmailMessage
from django.test import override_settings

from frontline.core.mail import build_email, format_address, header_text
from frontline.notifications import thread
from frontline.notifications.models import OutboundMail
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_create, ticket_reply, ticket_transition
from tests.conftest import World
from tests.notifications.conftest import Act, ours, parsed, person, sent_to

REAL_INBOUND_REFERENCES = thread.inbound_references
MESSAGE_ID = re.compile(r"^<ticket-(\d+)\.(\d+)\.([0-9a-f]{16})@mail\.frontline\.test>$")


@pytest.fixture(autouse=True)
def _no_inbound_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pin the outbound side; the inbound hook is exercised explicitly below."""
    monkeypatch.setattr(thread, "inbound_references", lambda ticket: [])


@override_settings(FRONTLINE_MAIL_DOMAIN="mail.frontline.test")
def test_every_mail_has_our_unique_message_id_stored_with_the_ticket(
    world: World, act: Act
) -> None:
    ticket = act(ticket_create, actor=world.alice, title="Printer on floor 3 jammed")
    rows = list(OutboundMail.objects.order_by("id"))
    assert len(rows) == 4
    for row in rows:
        match = MESSAGE_ID.match(row.message_id or "")
        assert match, row.message_id
        assert (int(match[1]), int(match[2])) == (ticket.number, row.pk)
        assert row.ticket_id == ticket.pk
    assert len({row.message_id for row in rows}) == 4
    sent = parsed(sent_to("alice@acme.test")[0])
    row = OutboundMail.objects.get(recipient=world.alice)
    assert sent["Message-ID"] == row.message_id
    assert sent["X-Frontline-Ticket"] == str(ticket.number)
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["Subject"] == f"[#{ticket.number}] Printer on floor 3 jammed"


def test_replies_thread_per_recipient_with_in_reply_to_and_references(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    ticket = act(ticket_create, actor=world.alice, title="VPN")
    receipt = OutboundMail.objects.get(recipient=world.alice)
    assert (receipt.in_reply_to, receipt.references) == ("", "")
    assert "In-Reply-To" not in parsed(sent_to("alice@acme.test")[0])
    act(ticket_reply, actor=world.agent, ticket=ticket, body="First answer")
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Second answer")
    first, second = OutboundMail.objects.filter(recipient=world.alice, kind="reply").order_by("id")
    assert first.in_reply_to == receipt.message_id
    assert first.references == receipt.message_id
    assert second.in_reply_to == first.message_id
    assert second.references.split() == [receipt.message_id, first.message_id]
    sent = parsed(sent_to("alice@acme.test")[-1])
    assert sent["In-Reply-To"] == first.message_id
    assert sent["References"].split() == [receipt.message_id, first.message_id]
    # Another person's thread is their own: the L1 agents' chain starts at their alert.
    agent_mails = OutboundMail.objects.filter(recipient=world.agent).order_by("id")
    assert all(m.in_reply_to != receipt.message_id for m in agent_mails)


def test_references_are_bounded_keeping_the_root(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    ticket = act(ticket_create, actor=world.alice, title="Chatty")
    for n in range(12):
        act(ticket_reply, actor=world.agent, ticket=ticket, body=f"Answer {n}")
    rows = list(OutboundMail.objects.filter(recipient=world.alice).order_by("id"))
    last = rows[-1].references.split()
    assert len(last) == thread.MAX_REFERENCES
    assert last[0] == rows[0].message_id  # the root stays
    assert last[-1] == rows[-2].message_id == rows[-1].in_reply_to


def test_the_inbound_thread_comes_first_when_the_ticket_came_by_email(
    world: World, act: Act, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = "<CAF=abc123@mail.gmail.com>"
    monkeypatch.setattr(thread, "inbound_references", REAL_INBOUND_REFERENCES)
    monkeypatch.setattr(
        thread,
        "_hook",
        lambda module, name: (
            (lambda ticket: [original, "bad id\r\nBcc: x@evil"])
            if name == "thread_references"
            else None
        ),
    )
    act(ticket_create, actor=world.alice, title="By email", channel="email")
    receipt = OutboundMail.objects.get(recipient=world.alice)
    assert receipt.in_reply_to == original  # the hostile id is dropped
    assert receipt.references == original
    assert parsed(sent_to("alice@acme.test")[0])["In-Reply-To"] == original


def test_the_real_inbound_hook_is_found_when_the_mail_app_provides_it() -> None:
    hook = thread._hook("frontline.mail.threading", "thread_references")
    assert hook is None or callable(hook)
    assert thread._hook("frontline.mail.no_such_module", "thread_references") is None


@override_settings(SUPPORT_EMAIL="help@frontline.test")
def test_reply_to_is_the_team_mailbox_else_the_support_address(
    world: World, act: Act, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(thread, "_hook", lambda module, name: None)
    world.it.email = "it@frontline.test"
    world.it.save()
    act(ticket_create, actor=world.alice, title="Team mailbox")
    assert parsed(sent_to("alice@acme.test")[0])["Reply-To"] == "it@frontline.test"
    world.it.email = ""
    world.it.save()
    act(ticket_create, actor=world.alice, title="No mailbox")
    assert parsed(sent_to("alice@acme.test")[-1])["Reply-To"] == "help@frontline.test"
    monkeypatch.setattr(
        thread,
        "_hook",
        lambda module, name: (
            (lambda team: "it-desk@frontline.test") if name == "reply_address_for" else None
        ),
    )
    act(ticket_create, actor=world.alice, title="Per-team mailbox from the mail app")
    assert parsed(sent_to("alice@acme.test")[-1])["Reply-To"] == "it-desk@frontline.test"


def test_status_mails_are_auto_submitted_replies_are_not(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket()
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Done?")
    act(ticket_transition, actor=world.agent, ticket=ticket, status="resolved", version=None)
    reply, resolved = (parsed(m) for m in sent_to("alice@acme.test"))
    assert reply["Auto-Submitted"] is None
    assert reply["From"] == "Ann Agent via Frontline <support@example.com>"
    assert resolved["Auto-Submitted"] == "auto-generated"


HOSTILE = "Eve\r\nBcc: x@evil.test\r\nX-Injected: yes"


def _assert_clean(message: EmailMessage) -> None:
    raw = message.message().as_bytes()
    lines = raw.split(b"\n\n", 1)[0].decode("ascii").splitlines()
    names = [line.split(":", 1)[0].lower() for line in lines if not line[:1].isspace()]
    assert "bcc" not in names, names  # the text stays inside header values
    assert "x-injected" not in names, names
    envelope = [address for _, address in getaddresses(message.recipients())]
    assert len(envelope) == 1, envelope
    assert "evil" not in envelope[0], envelope
    received = parsed(message)
    assert received["Bcc"] is None
    assert received["X-Injected"] is None
    for name, value in received.items():
        assert not {"\n", "\r"} & set(str(value)), name


def test_hostile_names_and_titles_cannot_inject_headers_or_recipients(
    world: World, act: Act
) -> None:
    eve = person(email="eve@acme.test", full_name=HOSTILE, orgs=[world.acme])
    ticket = act(
        ticket_create,
        actor=eve,
        title="Hi\r\nBcc: y@evil.test\nX-Injected: yes",
    )
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Hello\r\nBcc: z@evil.test")
    mails = sent_to("eve@acme.test")
    assert len(mails) == 2
    for message in [*mails, *ours()]:
        _assert_clean(message)
    assert parsed(mails[0])["To"].addresses[0].addr_spec == "eve@acme.test"
    assert parsed(mails[0])["To"].addresses[0].display_name.startswith("Eve Bcc")
    assert "Bcc: z@evil.test" in mails[1].body  # in the body it is just text


def test_header_helpers_refuse_what_could_break_a_header() -> None:
    assert header_text("a\r\nb\x00c\u2028d\te") == "a b c d e"
    with pytest.raises(ValueError, match="Not a single email address"):
        format_address("x@evil.test, y@evil.test", "X")
    with pytest.raises(ValueError, match="Not a single email address"):
        format_address("x@evil.test\r\nBcc: y@evil.test")
    with pytest.raises(ValueError, match="Not a Message-ID"):
        build_email(subject="s", body="b", to=["a@b.test"], message_id="<a@b>\r\nBcc: x@y")
    with pytest.raises(ValueError, match="Not a header name"):
        build_email(subject="s", body="b", to=["a@b.test"], headers={"Bcc\r\nX": "y"})
    message = build_email(
        subject="Hi\nBcc: x@evil.test", body="b", to=[format_address("a@b.test", HOSTILE)]
    )
    _assert_clean(message)
