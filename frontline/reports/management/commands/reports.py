"""``frontline reports rebuild [--chunk N] [--no-progress]``: rebuild the report facts.

Recomputes every ticket's ``TicketFact`` row from its source rows (one INSERT ... SELECT per
chunk of ticket ids; a deleted ticket's row goes with the ticket). Run it after `migrate` adds the
facts to an existing desk, after an import or restore, or whenever in doubt: it is safe while
the desk runs (each row is replaced in place with what the event subscriber would write).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from frontline.reports.facts import CHUNK, reports_rebuild_facts


class Command(BaseCommand):
    help = "Report tools. `reports rebuild` recomputes every ticket's report facts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="Recompute every ticket's report facts.")
        rebuild.add_argument(
            "--chunk", type=int, default=CHUNK, help=f"Ticket ids per statement ({CHUNK:,})."
        )
        rebuild.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "rebuild":
            raise CommandError(f"Unknown action {options['action']}.")
        if options["chunk"] < 1:
            raise CommandError("--chunk must be at least 1.")
        started = time.monotonic()
        with tqdm(
            unit="ticket", file=sys.stderr, disable=options["no_progress"], desc="facts"
        ) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            count = reports_rebuild_facts(chunk=options["chunk"], progress=progress)
        seconds = time.monotonic() - started
        self.stdout.write(f"Report facts: {count:,} tickets in {seconds:.1f} s.")
