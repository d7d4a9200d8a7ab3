"""Reading a folder of messages for a bulk import: a Maildir (cur/ and new/) or a plain
folder of message files (.eml, one message each)."""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from pathlib import Path

_DIGITS_RE = re.compile(r"(\d+)")


def delivery_order(name: str) -> list[tuple[int, str]]:
    """Sort key putting Maildir names in delivery order: their numbers compare as numbers
    (``1700000000.M99999P7Q9`` before ``1700000000.M100000P7Q10``), so a reply is imported
    after the message it answers."""
    return [(int(part), "") if part.isdigit() else (-1, part) for part in _DIGITS_RE.split(name)]


def maildir_messages(path: Path) -> tuple[int, Iterator[tuple[str, bytes]]]:
    """How many messages the folder holds, and an iterator over (name, raw bytes)."""
    if (path / "cur").is_dir() or (path / "new").is_dir():
        box = mailbox.Maildir(path, factory=None, create=False)
        keys = sorted(box.keys(), key=delivery_order)

        def from_maildir() -> Iterator[tuple[str, bytes]]:
            for key in keys:
                try:
                    yield key, box.get_bytes(key)
                except (KeyError, OSError):
                    continue  # removed while we were reading

        return len(keys), from_maildir()
    files = sorted(
        (p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")),
        key=lambda p: delivery_order(p.name),
    )

    def from_files() -> Iterator[tuple[str, bytes]]:
        for file in files:
            try:
                yield file.name, file.read_bytes()
            except OSError:
                continue

    return len(files), from_files()
