"""Server time of every report page, p50/p95, on a seeded PostgreSQL database.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/frontline_reports_bench \
        uv run python bench/reports_bench.py --requests 20

Renders the pages in-process through Django's full request stack (middleware, session auth,
templates, SVG charts) as a manager (every team), a team lead and an agent, so the figure is
the server's own time per page. Prepare the database as in bench/README.md (demo + seed; the
seed rebuilds the report facts at its end — on a database seeded before the facts existed,
run ``frontline migrate`` and ``frontline reports rebuild``, then ``VACUUM ANALYZE``).
The seed writes tickets, messages and ``created`` events only: no TicketSla, TierPeriod,
survey or deflection rows, so the SLA and tier columns of the facts are empty and the CSAT
queries read empty tables. ``--explain`` prints each page's five slowest queries.

The ranges the UI offers, as measured for docs/reports.md (``--bucket``: the series' bucket;
over 400 days a daily series is refused)::

    uv run python bench/reports_bench.py --requests 20                            # 30 days
    uv run python bench/reports_bench.py --requests 20 --days 90 --bucket week
    uv run python bench/reports_bench.py --requests 20 --days 180 --bucket week
    uv run python bench/reports_bench.py --requests 20 --days 365 --bucket month

``--only TEXT`` keeps the pages whose name contains TEXT (e.g. ``--only manager``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--requests", type=int, default=20, help="Requests per page.")
    parser.add_argument("--manager", default="", help="A manager's e-mail (default: the first).")
    parser.add_argument("--agent", default="priya.natarajan@example.com", help="An agent.")
    parser.add_argument("--days", type=int, default=30, help="The report range, in days.")
    parser.add_argument(
        "--bucket", choices=("day", "week", "month"), default="day", help="Series bucket."
    )
    parser.add_argument("--long", action="store_true", help="Add a 180-day weekly page.")
    parser.add_argument("--only", default="", help="Pages whose name contains this text.")
    parser.add_argument("--explain", action="store_true", help="Print each query's time.")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DB_POOL", "0")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from frontline.accounts.models import Organization, Role, Team, User
    from frontline.tickets.models import Ticket

    manager = (
        User.objects.get(email=args.manager)
        if args.manager
        else User.objects.filter(role=Role.MANAGER, is_active=True).order_by("id").first()
        or User.objects.filter(role=Role.ADMIN).order_by("id").first()
    )
    assert manager is not None, "no manager: run `frontline demo`"
    agent = User.objects.get(email=args.agent)
    admin = User.objects.filter(role=Role.ADMIN).order_by("id").first() or manager
    team = Team.objects.filter(memberships__user=agent).order_by("id").first()
    biggest = (
        Ticket.objects.values("organization_id")
        .order_by()
        .annotate(n=django.db.models.Count("pk"))
        .order_by("-n")
        .first()
    )
    org = Organization.objects.get(pk=biggest["organization_id"]) if biggest else None
    total = Ticket.objects.count()
    range_q = "?start={start}&end={end}"
    import datetime as dt

    from django.utils import timezone

    end = timezone.now().date()
    start = end - dt.timedelta(days=args.days - 1)
    q = range_q.format(start=start, end=end) + f"&bucket={args.bucket}"
    pages: list[tuple[str, User, Callable[[], str]]] = [
        ("manager: /reports/ (desk trends)", admin, lambda: "/reports/" + q),
        ("lead: /reports/team/<IT>/", admin, lambda: f"/reports/team/{team.pk}/" + q),
        ("agent: /reports/my/", agent, lambda: "/reports/my/" + q),
        ("manager: organization report", admin, lambda: f"/reports/organizations/{org.pk}/" + q),
        ("org report CSV", admin, lambda: f"/reports/organizations/{org.pk}/" + q + "&format=csv"),
        ("API /reports/kpis (agent)", agent, lambda: "/api/v1/reports/kpis" + q),
    ]  # fmt: skip
    if args.long:
        pages.insert(
            1,
            ("manager: /reports/ by week, 180 d", admin,
             lambda: f"/reports/?start={end - dt.timedelta(days=179)}&end={end}&bucket=week"),
        )  # fmt: skip
    pages = [page for page in pages if args.only in page[0]]
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{total:,} tickets · range {start}..{end} by {args.bucket} · "
        f"{args.requests} requests per page"
    )
    print(f"load average at start: {load}")
    print(f"{'page':40} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8} {'queries':>8}")
    for name, user, path in pages:
        client = Client()
        client.force_login(user)
        for _ in range(2):
            response = client.get(path())
            assert response.status_code == 200, (name, response.status_code)
            if response.streaming:
                b"".join(response.streaming_content)
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(path())
            if response.streaming:
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path())
            if response.streaming:
                b"".join(response.streaming_content)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95 + 0.5) - 1)]
        print(
            f"{name:40} {statistics.median(times):8.1f} {p95:8.1f} "
            f"{statistics.fmean(times):8.1f} {len(queries):8d}"
        )
        if args.explain:
            for query in sorted(queries.captured_queries, key=lambda c: -float(c["time"]))[:5]:
                print(f"    {float(query['time']) * 1000:7.1f} ms  {query['sql'][:160]}")
    print(f"load average at end: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
