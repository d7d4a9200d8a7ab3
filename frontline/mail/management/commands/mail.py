"""``frontline mail ...``: the mail channel's command line.

- ``mail parse FILE [--json]``: show what Frontline understands of one message;
- ``mail ingest``: one message on standard input (an MTA pipe). Exit 0 when it is stored
  (processed, held, ignored or quarantined; a duplicate too), 75 (EX_TEMPFAIL) when it could
  not be stored, so that the MTA keeps it and tries again;
- ``mail ingest --maildir DIR``: a Maildir or a folder of .eml files, with a progress bar;
- ``mail retry ID... | --all``: process quarantined messages again;
- ``mail poll [NAME...]``: poll IMAP mailboxes now (the scheduler does it on its own).
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontline.mail.parse import ParsedMail, as_json_dict, parse_message

log = logging.getLogger(__name__)

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = (
        "Mail channel tools. `mail parse FILE [--json]` prints what Frontline understands "
        "of one RFC 5322 message (FILE '-' reads standard input)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        parse = sub.add_parser("parse", help="Parse one message file and show the result.")
        parse.add_argument("file", help="Path of a raw message (.eml), or - for stdin.")
        parse.add_argument("--json", action="store_true", help="Print one JSON object.")
        ingest = sub.add_parser(
            "ingest",
            help="Ingest one message from stdin (exit 75 = try again later), or a folder.",
        )
        ingest.add_argument("--maildir", help="Import a Maildir or a folder of .eml files.")
        ingest.add_argument("--no-progress", action="store_true", help="No progress bar.")
        retry = sub.add_parser("retry", help="Process quarantined messages again.")
        retry.add_argument("ids", nargs="*", type=int, help="InboundMail ids.")
        retry.add_argument("--all", action="store_true", help="Every quarantined message.")
        poll = sub.add_parser("poll", help="Poll IMAP mailboxes now.")
        poll.add_argument("names", nargs="*", help="Mailbox names (default: all active).")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "ingest":
            if options["maildir"]:
                self._maildir(Path(options["maildir"]), progress=not options["no_progress"])
            else:
                self._pipe()
            return
        if action == "retry":
            self._retry(options["ids"], everything=options["all"])
            return
        if action == "poll":
            self._poll(options["names"])
            return
        raw = self._read(options["file"])
        parsed = parse_message(raw)
        if options["json"]:
            self.stdout.write(json.dumps(as_json_dict(parsed), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render(parsed))

    def _pipe(self) -> None:
        from frontline.mail.ingest import mail_process, mail_store
        from frontline.mail.models import Source, State

        raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise CommandError("No message on standard input.")
        try:
            stored = mail_store(raw=raw, source=Source.PIPE)
        except Exception as exc:  # the database is away (or full): the MTA keeps the mail
            self.stderr.write(f"mail ingest: temporary failure, try again later: {exc}")
            sys.exit(EX_TEMPFAIL)
        inbound = stored.inbound
        if inbound.state == State.RECEIVED:
            try:
                inbound = mail_process(inbound=inbound)
            except Exception:  # stored: the retry job processes it once the database is back
                log.exception("inbound mail %s stored, processing postponed", inbound.pk)
        note = "" if stored.created else " (already received)"
        self.stdout.write(f"mail {inbound.pk}: {inbound.state}{note}")

    def _maildir(self, path: Path, *, progress: bool) -> None:
        from tqdm import tqdm

        from frontline.mail.ingest import mail_ingest
        from frontline.mail.maildir import maildir_messages
        from frontline.mail.models import Source

        if not path.is_dir():
            raise CommandError(f"Not a folder: {path}")
        total, messages = maildir_messages(path)
        counts: Counter[str] = Counter()
        with tqdm(total=total, unit="msg", disable=not progress, file=sys.stderr) as bar:
            for _name, raw in messages:
                inbound = mail_ingest(raw=raw, source=Source.MAILDIR)
                counts[inbound.state] += 1
                bar.update(1)
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        self.stdout.write(f"{total} messages: {summary or 'none'}")

    def _retry(self, ids: list[int], *, everything: bool) -> None:
        from frontline.mail.ingest import mail_retry
        from frontline.mail.models import InboundMail, State

        if not ids and not everything:
            raise CommandError("Name the messages to retry, or pass --all.")
        rows = InboundMail.objects.filter(state=State.QUARANTINED).order_by("id")
        if ids:
            rows = InboundMail.objects.filter(pk__in=ids).order_by("id")
        for inbound in rows:
            try:
                inbound = mail_retry(actor=None, inbound=inbound)
            except Exception as exc:
                self.stdout.write(f"mail {inbound.pk}: not retried: {exc}")
                continue
            error = f" ({inbound.error})" if inbound.error else ""
            self.stdout.write(f"mail {inbound.pk}: {inbound.state}{error}")

    def _poll(self, names: list[str]) -> None:
        from frontline.mail.imap import ImapError, mailbox_poll
        from frontline.mail.models import Mailbox

        boxes = Mailbox.objects.filter(is_active=True)
        if names:
            boxes = boxes.filter(name__in=names)
        for box in boxes:
            try:
                result = mailbox_poll(mailbox=box)
            except ImapError as exc:
                self.stdout.write(f"{box.name}: failed: {exc}")
                continue
            states = ", ".join(f"{n} {s}" for s, n in sorted(result.states.items()))
            self.stdout.write(f"{box.name}: {result.fetched} fetched ({states or 'nothing new'})")

    def _read(self, name: str) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read()
        path = Path(name)
        try:
            return path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {name}: {exc.strerror or exc}") from exc


def _addresses(parsed: ParsedMail, field: str) -> str:
    found = getattr(parsed, field)
    return ", ".join(f"{a.name} <{a.email}>" if a.name else a.email for a in found) or "-"


def render(parsed: ParsedMail) -> str:
    """A human-readable summary of a parsed message."""
    sender = parsed.from_email or "-"
    if parsed.from_display_name:
        sender = f"{parsed.from_display_name} <{sender}>"
    automatic = "no"
    if parsed.is_auto_generated:
        automatic = f"yes ({parsed.auto_kind or 'machine-generated'})"
        if parsed.auto_reasons:
            automatic += ": " + ", ".join(parsed.auto_reasons)
    lines = [
        f"From:         {sender}",
        f"To:           {_addresses(parsed, 'to')}",
        f"Cc:           {_addresses(parsed, 'cc')}",
        f"Reply-To:     {_addresses(parsed, 'reply_to')}",
        f"Subject:      {parsed.subject or '-'}",
        f"Date:         {parsed.date.isoformat() if parsed.date else '-'}",
        f"Message-ID:   {parsed.message_id or '-'}",
        f"In-Reply-To:  {parsed.in_reply_to or '-'}",
        f"References:   {' '.join(parsed.references) or '-'}",
        f"Automatic:    {automatic}",
    ]
    if parsed.bounce_original_message_id:
        lines.append(f"Bounced:      {parsed.bounce_original_message_id}")
    lines.append(f"HTML body:    {'yes (sanitised)' if parsed.body_html_sanitized else 'no'}")
    lines.append(f"Attachments:  {len(parsed.attachments) or '-'}")
    for attachment in parsed.attachments:
        extra = f", cid {attachment.content_id}" if attachment.content_id else ""
        extra += ", inline" if attachment.inline else ""
        lines.append(
            f"  - {attachment.filename} ({attachment.content_type}, {attachment.size} bytes{extra})"
        )
    if parsed.defects:
        lines.append("Defects:      " + "; ".join(parsed.defects))
    lines += ["", "--- reply (new text) ---", parsed.reply_text or "(none)"]
    if parsed.signature_text:
        lines += ["", "--- signature ---", parsed.signature_text]
    lines += ["", "--- body text ---", parsed.body_text or "(empty)"]
    return "\n".join(lines)
