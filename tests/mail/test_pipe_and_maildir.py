"""`frontline mail ingest` (MTA pipe, exit 75 when the database is away), `--maildir`,
`mail retry`, and pathological messages through the whole ingest."""

from __future__ import annotations

import io
import mailbox
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError

from frontline.mail import ingest
from frontline.mail.management.commands.mail import EX_TEMPFAIL, Command
from frontline.mail.models import InboundMail, State
from frontline.tickets.models import Ticket
from tests.conftest import CORPORA, World
from tests.mail.cputime import CpuTimer
from tests.mail.mailbuild import build, new_id

pytestmark = pytest.mark.django_db


def run(*args: str, stdin: bytes | None = None, monkeypatch: pytest.MonkeyPatch) -> str:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    out = StringIO()
    call_command(Command(), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_pipe_ingests_one_message_and_a_duplicate_exits_zero_too(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = build("alice@acme.test")
    assert "processed" in run("ingest", stdin=raw, monkeypatch=monkeypatch)
    assert "already received" in run("ingest", stdin=raw, monkeypatch=monkeypatch)
    assert Ticket.objects.count() == 1


def test_the_pipe_answers_tempfail_when_the_database_is_away_and_the_retry_works(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = build("alice@acme.test")

    def unavailable(**kwargs: object) -> None:
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(ingest, "mail_store", unavailable)
    with pytest.raises(SystemExit) as exited:
        run("ingest", stdin=raw, monkeypatch=monkeypatch)
    assert exited.value.code == EX_TEMPFAIL == 75
    assert InboundMail.objects.count() == 0
    monkeypatch.undo()
    # the MTA delivers the same message again later
    assert "processed" in run("ingest", stdin=raw, monkeypatch=monkeypatch)
    assert Ticket.objects.count() == 1


def test_retry_all_processes_the_quarantined_messages(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(ingest, "ticket_create", broken)
    run("ingest", stdin=build("alice@acme.test"), monkeypatch=monkeypatch)
    assert InboundMail.objects.get().state == State.QUARANTINED
    monkeypatch.undo()
    output = run("retry", "--all", monkeypatch=monkeypatch)
    assert "processed" in output
    assert InboundMail.objects.get().state == State.PROCESSED


def test_maildir_import_ingests_every_message(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    first = new_id()
    box.add(build("alice@acme.test", message_id=first))
    for n in range(20):
        box.add(build(f"user{n}@globex.test", f"Question {n}", "Hello"))
    box.add(build("alice@acme.test", "Re: x", "Reply", in_reply_to=first))
    box.add(build("alice@acme.test", message_id=first))  # a duplicate
    output = run(
        "ingest", "--maildir", str(tmp_path / "Maildir"), "--no-progress", monkeypatch=monkeypatch
    )
    assert output.strip() == "23 messages: 23 processed"
    assert Ticket.objects.count() == 21
    assert InboundMail.objects.count() == 22


def test_a_folder_of_eml_files_imports_too(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        (tmp_path / f"{n}.eml").write_bytes(build(f"p{n}@acme.test"))
    output = run("ingest", "--maildir", str(tmp_path), monkeypatch=monkeypatch)
    assert "3 messages: 3 processed" in output


PATHOLOGICAL = [
    "mail/flanker/messages/torture.eml",
    "mail/flanker/messages/enclosed-endless.eml",
    "mail/flanker/messages/long-header.eml",
    "reply/email_reply_parser/github_emails/email_long_quote.txt",
    "reply/email_reply_parser/github_emails/pathological.txt",
]


@pytest.mark.corpus
@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_messages_ingest_within_seconds(world: World, name: str) -> None:
    data = (CORPORA / name).read_bytes()
    if name.endswith(".txt"):  # a reply body, not a message
        data = b"From: alice@acme.test\nSubject: q\nContent-Type: text/plain\n\n" + data
    with CpuTimer() as timer:
        inbound = ingest.mail_ingest(raw=data, source="pipe")
    seconds = timer.seconds  # CPU time: our work, not the machine's load
    print(f"{name}: {seconds:.2f}s {inbound.state} {inbound.error}")
    assert inbound.state in {State.PROCESSED, State.IGNORED, State.HELD}, inbound.traceback
    assert seconds < 4
