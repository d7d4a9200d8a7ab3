"""How long recomputing the SLAs of every open ticket takes, on PostgreSQL.

One command (creates and migrates its own database, seeds tickets, installs the default
policy, then times ``frontline.sla.services.sla_recompute_open``)::

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE frontline_sla_bench'   # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontline_sla_bench \\
        uv run python bench/sla_recompute_bench.py --tickets 20000

It seeds only when the database holds fewer tickets than asked (``frontline seed``), runs
the recompute twice (the first creates the rows, the second updates them, which is what a
policy edit costs) and prints tickets per second and the extrapolation to 100k open tickets.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontline_sla_bench")
    subprocess.run(["uv", "run", "frontline", "migrate", "-v", "0"], cwd=ROOT, check=True)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
    import django

    django.setup()
    from django.db import connection

    from frontline.sla.models import TicketSla
    from frontline.sla.services import install_default_policy, sla_recompute_open
    from frontline.tickets.models import Status, Ticket

    have = Ticket.objects.count()
    if have < args.tickets:
        subprocess.run(
            ["uv", "run", "frontline", "seed", "--tickets", str(args.tickets - have)],
            cwd=ROOT,
            check=True,
        )
    install_default_policy()
    open_count = Ticket.objects.exclude(status__in=[Status.RESOLVED, Status.CLOSED]).count()
    print(f"{Ticket.objects.count()} tickets, {open_count} open; batch {args.batch}")
    for label in ("create rows", "update rows"):
        queries_before = len(connection.queries)
        started = time.perf_counter()
        done = sla_recompute_open(batch=args.batch)
        elapsed = time.perf_counter() - started
        rate = open_count / elapsed
        print(
            f"{label}: {open_count} open tickets in {elapsed:.1f} s = {rate:,.0f} tickets/s "
            f"({done} with an SLA); 100k open tickets ≈ {100_000 / rate:.0f} s"
            + (
                f", {len(connection.queries) - queries_before} queries"
                if connection.queries
                else ""
            )
        )
    # Seeded data is mostly resolved; recomputing every ticket (resolved ones run the same
    # history fold and clocks) gives a sample the size asked for.
    from frontline.sla.services import load_policies, sla_recompute_many

    policies, total, last = load_policies(), 0, 0
    started = time.perf_counter()
    while True:
        batch = list(Ticket.objects.filter(pk__gt=last).order_by("pk")[: args.batch])
        if not batch:
            break
        sla_recompute_many(batch, policies=policies)
        total, last = total + len(batch), batch[-1].pk
    elapsed = time.perf_counter() - started
    rate = total / elapsed
    print(
        f"all tickets: {total} in {elapsed:.1f} s = {rate:,.0f} tickets/s; "
        f"100k ≈ {100_000 / rate:.0f} s"
    )
    print(f"TicketSla rows: {TicketSla.objects.count()}")


if __name__ == "__main__":
    main()
