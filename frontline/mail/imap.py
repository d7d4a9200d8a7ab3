"""Polling an IMAP mailbox (stdlib imaplib): fetch, store, mark on the server, process.

Order matters for "nothing lost": a message is marked processed on the server (moved or
flagged) only after it was stored in the database; a crash in between fetches it again next
time, which storing ignores (idempotent). Processing comes last and never blocks the rest:
a failing message is quarantined and the loop goes on. Mail is deleted only when the mailbox
says so.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError
from django.utils import timezone

from frontline.mail.ingest import mail_process, mail_store
from frontline.mail.models import AfterProcessing, Mailbox, Security, Source, State

log = logging.getLogger(__name__)

TIMEOUT = 60


class ImapError(Exception):
    """The server refused or the connection failed; the mailbox's last_error says why."""


@dataclass
class PollResult:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    states: dict[str, int] = field(default_factory=dict)


def _check(response: tuple[str, Any], what: str) -> list[Any]:
    status, data = response
    if status != "OK":
        raise ImapError(f"{what}: {status} {data!r}"[:300])
    return data


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    """A logged-in connection with the mailbox's folder selected (read-write)."""
    if mailbox.security == Security.SSL:
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
        )
    else:
        client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT)
        if mailbox.security == Security.STARTTLS:
            client.starttls(ssl_context=ssl.create_default_context())
    _check(client.login(mailbox.username, mailbox.password), "login")
    # the greeting's capabilities are those before login (no MOVE yet on many servers)
    data = _check(client.capability(), "capability")
    if data and isinstance(data[0], bytes):
        client.capabilities = tuple(data[0].decode("ascii", "replace").upper().split())
    _check(client.select(_quote(mailbox.folder)), f"select {mailbox.folder}")
    return client


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _flag(mailbox: Mailbox) -> str:
    flag = (mailbox.processed_flag or "\\Seen").strip()
    if not re.fullmatch(r"\\?[A-Za-z0-9$_.-]{1,60}", flag):
        raise ImapError(f"not a usable IMAP flag: {flag!r}")
    return flag


def _search(mailbox: Mailbox) -> str:
    if mailbox.after_processing == AfterProcessing.FLAG:
        flag = _flag(mailbox)
        if flag.lower() == "\\seen":
            return "UNSEEN"
        if flag.startswith("\\"):
            return f"UN{flag[1:].upper()}"
        return f"UNKEYWORD {flag}"
    return "UNDELETED"


def _mark(client: imaplib.IMAP4, mailbox: Mailbox, uid: bytes) -> None:
    uid_text = uid.decode()
    action = mailbox.after_processing
    if action == AfterProcessing.FLAG:
        _check(client.uid("STORE", uid_text, "+FLAGS", f"({_flag(mailbox)})"), "flag")
    elif action == AfterProcessing.MOVE:
        target = _quote(mailbox.processed_folder or "Processed")
        capabilities = {str(c).upper() for c in client.capabilities}
        if "MOVE" in capabilities:
            _check(client.uid("MOVE", uid_text, target), "move")
        else:
            _check(client.uid("COPY", uid_text, target), "copy")
            _check(client.uid("STORE", uid_text, "+FLAGS", "(\\Deleted)"), "flag deleted")
            if "UIDPLUS" in capabilities:
                _check(client.uid("EXPUNGE", uid_text), "expunge")
    elif action == AfterProcessing.DELETE:
        _check(client.uid("STORE", uid_text, "+FLAGS", "(\\Deleted)"), "flag deleted")
        client.expunge()


def _ensure_folder(client: imaplib.IMAP4, mailbox: Mailbox) -> None:
    if mailbox.after_processing == AfterProcessing.MOVE:
        client.create(_quote(mailbox.processed_folder or "Processed"))  # fails if it exists


def mailbox_poll(*, mailbox: Mailbox) -> PollResult:
    """Fetch up to ``batch_size`` unprocessed messages of ``mailbox`` and ingest each.

    Raises ImapError (connection, login, folder) and DatabaseError (storing impossible: the
    message stays on the server for the next poll). ``last_polled_at``/``last_error`` are
    kept on the mailbox either way.
    """
    result = PollResult()
    try:
        client = connect(mailbox)
    except (OSError, imaplib.IMAP4.error, ImapError) as exc:
        _finish(mailbox, f"{type(exc).__name__}: {exc}")
        raise ImapError(str(exc)) from exc
    try:
        _ensure_folder(client, mailbox)
        data = _check(client.uid("SEARCH", None, _search(mailbox)), "search")  # type: ignore[arg-type]
        uids = (data[0] or b"").split() if data and isinstance(data[0], bytes) else []
        for uid in uids[: mailbox.batch_size]:
            fetched = _check(client.uid("FETCH", uid.decode(), "(BODY.PEEK[])"), "fetch")
            raw = next(
                (part[1] for part in fetched if isinstance(part, tuple) and len(part) > 1),
                None,
            )
            if not isinstance(raw, bytes):
                continue
            result.fetched += 1
            stored = mail_store(raw=raw, source=Source.IMAP, mailbox=mailbox)
            result.stored += int(stored.created)
            result.duplicates += int(not stored.created)
            _mark(client, mailbox, uid)
            inbound = stored.inbound
            if inbound.state == State.RECEIVED:
                inbound = mail_process(inbound=inbound)
            result.states[inbound.state] = result.states.get(inbound.state, 0) + 1
        if mailbox.after_processing == AfterProcessing.MOVE:
            client.expunge()
    except DatabaseError as exc:
        _finish(mailbox, f"database unavailable: {exc}")
        raise
    except (OSError, imaplib.IMAP4.error, ImapError) as exc:
        _finish(mailbox, f"{type(exc).__name__}: {exc}")
        raise ImapError(str(exc)) from exc
    finally:
        with contextlib.suppress(Exception):  # the session is over either way
            client.logout()
    _finish(mailbox, "")
    return result


def _finish(mailbox: Mailbox, error: str) -> None:
    try:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=timezone.now(), last_error=error[:2000]
        )
    except DatabaseError:
        log.warning("could not record the poll of mailbox %s", mailbox.pk)
