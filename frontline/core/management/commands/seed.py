"""``frontline seed --tickets N``: bulk-generate tickets for load tests and benchmarks.

Writes N tickets with 2–5 messages each and their ``created`` events (already dispatched),
spread over the desk's teams, organizations, requesters, statuses and priorities and over
the last ``--days`` days, in transactions of ``--batch`` tickets, then rebuilds the report
facts (``frontline reports rebuild``). It needs the desk's
structure; when there are no teams yet it loads the demo desk first. PostgreSQL is fed by
COPY (about 100k tickets a minute on a small machine); SQLite works too, more slowly.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontline.accounts.models import Team


class Command(BaseCommand):
    help = "Bulk-generate N realistic tickets (2–5 messages each) for load tests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, required=True, help="How many tickets.")
        parser.add_argument(
            "--batch", type=int, default=5000, help="Tickets per transaction (default 5000)."
        )
        parser.add_argument(
            "--days", type=float, default=180, help="Spread over the last N days (default 180)."
        )
        parser.add_argument("--seed", type=int, default=None, help="Random seed (repeatable).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        from frontline.demo.bulk import seed_tickets

        count, batch = options["tickets"], options["batch"]
        if count < 1 or batch < 1:
            raise CommandError("--tickets and --batch must be at least 1.")
        if options["days"] <= 0:
            raise CommandError("--days must be positive.")
        if not Team.objects.exists():
            self.stdout.write("No teams yet: loading the demo desk first.")
            call_command("demo", stdout=self.stdout)
        try:
            result = seed_tickets(
                count,
                batch=batch,
                days=options["days"],
                seed=options["seed"],
                progress=not options["no_progress"],
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        rate = result.tickets / result.seconds if result.seconds else 0
        # the rows were copied in without events: derive their report facts in bulk
        from frontline.reports.facts import reports_rebuild_facts

        facts = reports_rebuild_facts()
        self.stdout.write(f"Report facts rebuilt ({facts:,} tickets).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.tickets:,} tickets with {result.messages:,} messages in "
                f"{result.seconds:.1f}s ({rate:,.0f} tickets/s)."
            )
        )
