from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Run a task worker: dispatches ticket events, sends mail, runs periodic jobs' work. "
        "Run as many as needed; each task is taken by exactly one worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between polls.")
        parser.add_argument(
            "--batch", action="store_true", help="Run every queued task, then exit (for cron)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command(
            "db_worker",
            queue_name="*",
            interval=options["interval"],
            startup_delay=False,
            batch=options["batch"],
            reload=False,
        )
