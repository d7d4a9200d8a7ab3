from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from frontline.core import scheduler


class Command(BaseCommand):
    help = (
        "Enqueue periodic jobs. Safe to run on several machines at once: each job fires once "
        "per period (the first scheduler to claim the period wins)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one tick and exit.")
        parser.add_argument("--interval", type=float, default=5.0)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            fired = scheduler.tick()
            self.stdout.write("fired: " + (", ".join(fired) or "nothing"))
            return
        scheduler.run_forever(interval=options["interval"])
