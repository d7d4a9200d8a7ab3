"""``frontline mail parse FILE [--json]``: show what Frontline understands of one message.

``mail`` has subcommands so that the channel's other entry points (``mail ingest``) can be
added next to ``parse``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontline.mail.parse import ParsedMail, as_json_dict, parse_message


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
        sub.add_parser("ingest", help="Ingest mail into tickets (not yet available).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "ingest":
            raise CommandError("`mail ingest` is not yet available.")
        raw = self._read(options["file"])
        parsed = parse_message(raw)
        if options["json"]:
            self.stdout.write(json.dumps(as_json_dict(parsed), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render(parsed))

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
