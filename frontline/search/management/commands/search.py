"""``frontline search reindex [--kind ticket|person|article] [--clear]``: rebuild the index.

Tickets and people are rebuilt here in chunks of 1000 with a progress bar; articles by the
knowledge base (``frontline.knowledge.indexing.articles_reindex_all``) when it is installed.
Rebuilding while the desk runs is safe: each document is replaced in place.
"""

from __future__ import annotations

import importlib
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from frontline.search.index import backend
from frontline.search.services import ARTICLE, PERSON, TICKET, search_rebuild

KINDS = (TICKET, PERSON, ARTICLE)


class Command(BaseCommand):
    help = "Search index tools. `search reindex [--kind KIND] [--clear]` rebuilds the index."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reindex = sub.add_parser("reindex", help="Rebuild the index from the database.")
        reindex.add_argument(
            "--kind", action="append", choices=KINDS, help="Only this kind (repeatable)."
        )
        reindex.add_argument(
            "--clear", action="store_true", help="Drop the kind's documents first."
        )
        reindex.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "reindex":
            raise CommandError(f"Unknown action {options['action']}.")
        for kind in options["kind"] or KINDS:
            started = time.monotonic()
            if options["clear"]:
                backend().clear(kind)
            if kind == ARTICLE:
                count = self._articles()
                if count is None:
                    self.stdout.write("article: the knowledge base is not installed; skipped.")
                    continue
            else:
                with tqdm(
                    unit=kind, file=sys.stderr, disable=options["no_progress"], desc=kind
                ) as bar:

                    def progress(done: int, total: int, bar: Any = bar) -> None:
                        bar.total = total
                        bar.update(done - bar.n)

                    count = search_rebuild(kind=kind, progress=progress)
            seconds = time.monotonic() - started
            self.stdout.write(f"{kind}: {count} indexed in {seconds:.1f} s.")

    @staticmethod
    def _articles() -> int | None:
        try:
            module = importlib.import_module("frontline.knowledge.indexing")
        except ImportError:
            return None
        rebuild = getattr(module, "articles_reindex_all", None)
        return int(rebuild()) if callable(rebuild) else None
