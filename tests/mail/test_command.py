"""`frontline mail parse FILE [--json]` and the room left for `mail ingest`."""

from __future__ import annotations

import io
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from frontline.mail.management.commands.mail import Command
from tests.mail.test_parse import JSON_KEYS

RAW = (
    b"From: =?utf-8?Q?J=C3=B6rg?= <joerg@example.com>\nTo: help@example.com\n"
    b"Subject: Printer\nMessage-ID: <p1@example.com>\nContent-Type: text/plain; charset=utf-8\n\n"
    b"It is broken.\n\nOn Mon, 3 Mar 2025, Desk <help@example.com> wrote:\n> Hi\n"
)


def run(*args: str) -> str:
    out = StringIO()
    call_command(Command(), *args, stdout=out)
    return out.getvalue()


def test_parse_prints_what_was_understood(tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(RAW)
    output = run("parse", str(path))
    assert "From:         Jörg <joerg@example.com>" in output
    assert "Subject:      Printer" in output
    assert "--- reply (new text) ---\nIt is broken.\n" in output


def test_parse_json_has_exactly_the_documented_keys(tmp_path: Path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(RAW)
    data = json.loads(run("parse", str(path), "--json"))
    assert set(data) == JSON_KEYS
    assert data["from_email"] == "joerg@example.com"
    assert data["reply_text"] == "It is broken."
    assert data["auto_kind"] is None


def test_parse_of_a_missing_file_is_a_clean_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        run("parse", str(tmp_path / "nope.eml"))


def test_ingest_without_input_is_a_clean_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    with pytest.raises(CommandError, match="No message"):
        run("ingest")
