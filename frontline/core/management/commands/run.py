from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Run the whole desk on one machine: migrate, load the demo data on first start, then "
        "the web server, a task worker and the scheduler together. Ctrl-C stops all three."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")
        parser.add_argument("--workers", type=int, default=1, help="Web server processes.")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database is up to date.")
        from frontline.accounts.models import User

        first_start = not User.objects.exists()
        if first_start and not options["no_demo"]:
            self.stdout.write("First start: loading the demo help desk…")
            call_command("demo", stdout=self.stdout)
        elif not options["no_demo"]:
            call_command("demo", "--logins-only", stdout=self.stdout)

        python = sys.executable
        cli = [python, "-m", "frontline.cli"]
        commands = {
            "web": [
                python,
                "-m",
                "uvicorn",
                "frontline.asgi:application",
                "--host",
                options["host"],
                "--port",
                str(options["port"]),
                "--workers",
                str(options["workers"]),
                "--no-access-log",
                "--lifespan",
                "off",
            ],
            "worker": [*cli, "worker"],
            "scheduler": [*cli, "scheduler"],
        }
        processes = {name: subprocess.Popen(command) for name, command in commands.items()}
        restarts: list[float] = []
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(self.style.SUCCESS(f"\nFrontline is running on {url}"))
        self.stdout.write(f"  API docs:  {url}/api/v1/docs   admin: {url}/admin/")
        self.stdout.write(f"  Data:      {settings.DATABASES['default']['NAME']}")
        self.stdout.write("  Press Ctrl-C to stop.\n")

        def stop(*_: Any) -> None:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            deadline = time.time() + 10
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    process.kill()

        def terminate(*_: Any) -> None:
            stop()
            sys.exit(0)

        signal.signal(signal.SIGTERM, terminate)
        try:
            while True:
                for name, process in list(processes.items()):
                    if process.poll() is None:
                        continue
                    self.stderr.write(f"The {name} process stopped ({process.returncode}).")
                    restarts[:] = [t for t in restarts if time.time() - t < 60] + [time.time()]
                    if name == "web" or len(restarts) > 5:
                        stop()  # the desk is unusable, or something keeps failing: give up
                        sys.exit(process.returncode or 1)
                    processes[name] = subprocess.Popen(commands[name])  # background work resumes
                time.sleep(1)
        except KeyboardInterrupt:
            stop()
