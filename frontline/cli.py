"""The ``frontline`` command: Django's management commands plus Frontline's own
(run, worker, scheduler, demo, seed, token, ...). ``frontline help`` lists them all."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["frontline", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
