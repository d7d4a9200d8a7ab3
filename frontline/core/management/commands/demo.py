"""``frontline demo``: load the demo help desk and print its logins.

Creates three customer organizations, the IT (default), HR and Facilities teams with their
tiers and category trees, desk users in every role, 30 requesters and 200 tickets whose
histories were played through the ticket services (so events, messages and timestamps are
the real ones). Idempotent: what exists is left alone, a loaded desk is not loaded twice.
``--logins-only`` prints the logins and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from frontline.demo.people import DEMO_PASSWORD, logins_table


class Command(BaseCommand):
    help = (
        "Load the demo help desk (organizations, teams, people, 200 tickets) and print the "
        "demo logins. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--logins-only", action="store_true", help="Only print the demo logins."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["logins_only"]:
            from frontline.demo.loader import load_demo

            result = load_demo()
            if result.changed:
                plans = ", ".join(f"{count} {plan}" for plan, count in result.plans.items())
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Demo desk loaded in {result.seconds:.1f}s: "
                        f"{len(result.created)} structure items, {result.tickets} tickets"
                        + (f" ({plans}, plus merged duplicates)." if plans else ".")
                    )
                )
            else:
                self.stdout.write("The demo desk is already loaded; nothing to do.")
        self.print_logins()

    def print_logins(self) -> None:
        lines = logins_table()
        if not lines:
            self.stdout.write("No demo logins: the demo data is not loaded (run `frontline demo`).")
            return
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})\n")
        for line in lines:
            self.stdout.write("  " + line)
        self.stdout.write("")
