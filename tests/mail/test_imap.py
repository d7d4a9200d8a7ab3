"""IMAP polling against a real server: Debian's dovecot, started per test on a free
loopback port with a passwd-file user and a maildir in a temporary folder."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from frontline.mail.imap import ImapError, mailbox_poll
from frontline.mail.jobs import due_mailboxes, poll_due_mailboxes
from frontline.mail.models import AfterProcessing, InboundMail, Mailbox, Security, Source, State
from frontline.tickets.models import MessageKind, Ticket
from tests.conftest import World
from tests.mail.mailbuild import build, new_id

DOVECOT = Path("/usr/sbin/dovecot")

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not DOVECOT.exists(), reason="needs dovecot: apt-get install dovecot-imapd"),
]


@dataclass
class Imap:
    port: int
    user: str = "desk"
    password: str = "s3cret"

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        try:
            status, _ = client.append(folder, None, None, raw)
            assert status == "OK"
        finally:
            client.logout()

    def folder(self, folder: str = "INBOX") -> dict[str, list[str]]:
        """Subject → flags of every message in ``folder``."""
        client = self.client()
        try:
            _, count = client.select(f'"{folder}"')
            if count[0] == b"0":
                return {}
            _, data = client.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        finally:
            client.logout()
        found: dict[str, list[str]] = {}
        for item in data:
            if isinstance(item, tuple):
                head, body = item[0].decode(), item[1].decode()
                subject = body.split(":", 1)[1].strip() if ":" in body else ""
                flags = head.split("FLAGS (", 1)[1].split(")", 1)[0].split()
                found[subject] = flags
        return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def imap() -> Iterator[Imap]:
    # not pytest's tmp_path: its parent is private to us, and dovecot's own users must read
    tmp_path = Path(tempfile.mkdtemp(prefix="frontline-imap-"))
    try:
        yield from _dovecot(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _dovecot(tmp_path: Path) -> Iterator[Imap]:
    root = os.getuid() == 0
    port = _free_port()
    os.chmod(tmp_path, 0o755)  # noqa: S103 - dovecot's own users read the config
    mail = tmp_path / "mail"
    mail.mkdir()
    os.chmod(mail, 0o777)  # noqa: S103 - the mail user (nobody when we are root) writes here
    server = Imap(port=port)
    (tmp_path / "passwd").write_text(f"{server.user}:{{PLAIN}}{server.password}\n")
    me = pwd.getpwuid(os.getuid()).pw_name
    my_group = grp.getgrgid(os.getgid()).gr_name
    uid, gid = (65534, 65534) if root else (os.getuid(), os.getgid())
    config = tmp_path / "dovecot.conf"
    config.write_text(
        f"""
base_dir = {tmp_path}/run
state_dir = {tmp_path}/state
log_path = {tmp_path}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{mail}/%u
first_valid_uid = 1
default_login_user = {"dovenull" if root else me}
default_internal_user = {"dovecot" if root else me}
default_internal_group = {"dovecot" if root else my_group}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp_path}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""
    )
    process = subprocess.Popen(
        [str(DOVECOT), "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                imaplib.IMAP4("127.0.0.1", port).logout()
                break
            except OSError:
                if process.poll() is not None:
                    log = tmp_path / "dovecot.log"
                    pytest.fail(f"dovecot did not start: {log.read_text()[-500:]}")
                time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _mailbox(imap: Imap, **fields: object) -> Mailbox:
    values: dict[str, object] = {
        "name": "support",
        "address": "support@example.com",
        "host": "127.0.0.1",
        "port": imap.port,
        "security": Security.NONE,
        "username": imap.user,
        "password": imap.password,
        **fields,
    }
    return Mailbox.objects.create(**values)


def test_polling_moves_processed_mail_and_threads_the_reply(world: World, imap: Imap) -> None:
    box = _mailbox(imap, team=world.it, after_processing=AfterProcessing.MOVE)
    original = new_id()
    imap.append(build("Zoe <zoe@acme.test>", "VPN down", "Cannot connect.", message_id=original))
    result = mailbox_poll(mailbox=box)
    assert result.fetched == 1
    assert result.states == {State.PROCESSED: 1}
    ticket = Ticket.objects.get()
    assert ticket.requester.email == "zoe@acme.test"
    assert ticket.team == world.it
    assert imap.folder("INBOX") == {}
    assert list(imap.folder("Processed")) == ["VPN down"]  # moved, not deleted
    inbound = InboundMail.objects.get()
    assert inbound.source == Source.IMAP
    assert inbound.mailbox == box
    # a reply to our outbound notification, and one to the original, land on the ticket
    ours = f"<ticket-{ticket.number}.1.abc@example.com>"
    imap.append(build("zoe@acme.test", "Re: VPN down", "Works again?", in_reply_to=ours))
    imap.append(build("zoe@acme.test", "Re: VPN down", "Now it does.", in_reply_to=original))
    assert mailbox_poll(mailbox=box).fetched == 2
    assert Ticket.objects.count() == 1
    bodies = list(
        ticket.messages.filter(kind=MessageKind.PUBLIC)
        .order_by("id")
        .values_list("body", flat=True)
    )
    assert bodies == ["Cannot connect.", "Works again?", "Now it does."]
    assert mailbox_poll(mailbox=box).fetched == 0  # nothing left to do
    box.refresh_from_db()
    assert box.last_error == ""
    assert box.last_polled_at is not None


def test_polling_flags_processed_mail_and_a_bad_message_blocks_nothing(
    world: World, imap: Imap, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontline.mail import ingest

    box = _mailbox(imap, after_processing=AfterProcessing.FLAG, processed_flag="$Frontline")
    real_create = ingest.ticket_create

    def fail_on_bad(**kwargs: object) -> Ticket:
        if kwargs.get("title") == "bad":
            raise RuntimeError("cannot handle this one")
        return real_create(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "ticket_create", fail_on_bad)
    imap.append(build("a@acme.test", "first"))
    imap.append(build("b@acme.test", "bad"))
    imap.append(build("c@acme.test", "third"))
    result = mailbox_poll(mailbox=box)
    assert result.states == {State.PROCESSED: 2, State.QUARANTINED: 1}
    flags = imap.folder("INBOX")
    assert set(flags) == {"first", "bad", "third"}  # all kept on the server
    assert all("$Frontline" in f for f in flags.values())
    assert all("\\Deleted" not in f for f in flags.values())
    assert mailbox_poll(mailbox=box).fetched == 0  # flagged ones are not fetched again


def test_the_seen_flag_is_the_default(world: World, imap: Imap) -> None:
    box = _mailbox(imap)
    imap.append(build("a@acme.test", "hello"))
    mailbox_poll(mailbox=box)
    assert "\\Seen" in imap.folder("INBOX")["hello"]
    assert Ticket.objects.count() == 1


def test_a_wrong_password_is_kept_on_the_mailbox(world: World, imap: Imap) -> None:
    box = _mailbox(imap, password="wrong")
    with pytest.raises(ImapError):
        mailbox_poll(mailbox=box)
    box.refresh_from_db()
    assert box.last_error


def test_the_scheduler_polls_each_mailbox_at_its_interval(world: World, imap: Imap) -> None:
    box = _mailbox(imap, interval_seconds=300)
    imap.append(build("a@acme.test", "scheduled"))
    assert poll_due_mailboxes.call() == 1  # tasks run inline in tests
    assert Ticket.objects.count() == 1
    assert due_mailboxes() == []  # polled just now: not due again before 300 s
    box.refresh_from_db()
    assert box.last_polled_at is not None
