"""Server time of the desk's queue page and ticket page, p50/p95, on a seeded database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontline_bench \
        uv run python bench/desk_bench.py --requests 200

Renders the pages in-process through Django's full request stack (middleware, session
auth, templates) as a signed-in agent, so the figure is the server's own time per page,
without network or browser. Prepare the database as in bench/README.md (demo + seed).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--requests", type=int, default=200, help="Requests per page.")
    parser.add_argument("--user", default="priya.natarajan@example.com", help="The agent.")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DB_POOL", "0")  # one thread, one connection
    import django

    django.setup()
    from django.test import Client

    from frontline.accounts.models import User
    from frontline.tickets.models import Ticket
    from frontline.tickets.selectors import tickets_visible_to

    agent = User.objects.get(email=args.user)
    client = Client()
    client.force_login(agent)
    numbers = list(tickets_visible_to(agent).order_by("?").values_list("number", flat=True)[:500])
    total = Ticket.objects.count()
    pages = {
        "queue (all open in my teams)": lambda: "/desk/queues/team/",
        "queue, filtered (P1, open)": lambda: "/desk/queues/team/?priority=p1&status=open",
        "ticket page": lambda: f"/desk/tickets/{random.choice(numbers)}/",
    }
    print(f"{total:,} tickets · agent {agent.email} · {args.requests} requests per page")
    print(f"{'page':32} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for name, path in pages.items():
        for _ in range(5):  # warm caches and connections
            client.get(path())
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(path())
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(
            f"{name:32} {statistics.median(times):8.1f} {p95:8.1f} {statistics.fmean(times):8.1f}"
        )


if __name__ == "__main__":
    main()
