"""Search benchmark: index build time and query p50/p95 on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres frontline_search_bench
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/frontline_search_bench
    uv run frontline migrate && uv run frontline demo && uv run frontline seed --tickets 100000
    uv run python bench/search_bench.py --reindex          # builds the ticket index, then queries

(a) Articles: ``--articles`` (10 000) generated help articles indexed as kind
``bench_article`` (so real knowledge-base articles are untouched), searched with the
search box's mix ("all" mode) and with natural questions ("any" mode, as suggestions do).
(b) Tickets with their messages: every ticket of the database (``--reindex`` rebuilds their
documents first with ``search_rebuild``, timed), searched through the desk's selector
(``search_tickets``: the policy-scoped search plus loading the page's tickets) as an agent
of one team and as a manager, with a mix of single words, two words, a phrase, a ticket
number and a typo. Each query is repeated ``--repeat`` times; p50/p95 are over all runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/frontline_search_bench"

TOPICS = [
    ("password", "reset", "account", "locked", "expired", "login"),
    ("printer", "toner", "paper", "jam", "queue", "driver"),
    ("vpn", "tunnel", "remote", "certificate", "client", "disconnect"),
    ("laptop", "battery", "screen", "docking", "keyboard", "charger"),
    ("wifi", "wireless", "network", "router", "signal", "guest"),
    ("email", "mailbox", "outlook", "calendar", "shared", "quota"),
    ("payroll", "payslip", "salary", "bonus", "tax", "deduction"),
    ("leave", "holiday", "vacation", "sick", "parental", "absence"),
    ("monitor", "display", "cable", "resolution", "flicker", "hdmi"),
    ("software", "licence", "install", "update", "upgrade", "version"),
    ("phone", "mobile", "sim", "voicemail", "extension", "headset"),
    ("badge", "door", "access", "building", "parking", "visitor"),
]
FILLER = (  # noqa: SIM905
    "please follow these steps to solve the problem quickly and safely if it still fails "
    "contact the service desk with a screenshot of the error message and the time it "
    "happened most users see this after a change on their device or in their account"
).split()
QUESTIONS = [
    "my laptop wont connect to the wifi",
    "how do I reset my password",
    "printer says paper jam but there is no paper",
    "vpn disconnects every hour when working from home",
    "where can I see my payslip",
    "how many holiday days do I have left",
]


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()


def percentiles(samples: Sequence[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return p50 * 1000, p95 * 1000, ordered[-1] * 1000


def measure(run: Callable[[], Any], repeat: int) -> list[float]:
    run()  # warm: plan cache, index pages
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :]  # drop one letter: "pasword"


def article_docs(count: int, rng: random.Random) -> list[Any]:
    from frontline.search.index import Document

    docs = []
    for n in range(1, count + 1):
        topic = rng.choice(TOPICS)
        words = rng.sample(topic, 3)
        title = f"How to fix {words[0]} {words[1]} problems ({n})"
        body = " ".join(
            rng.choice(FILLER) if rng.random() < 0.8 else rng.choice(topic) for _ in range(150)
        )
        docs.append(Document("bench_article", n, title, tags=" ".join(words), body=body))
    return docs


def report(title: str, rows: list[tuple[str, list[float], int]]) -> None:
    print(f"\n{title}")
    print(f"{'case':<34} {'runs':>5} {'hits':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    everything: list[float] = []
    for name, samples, hits in rows:
        everything += samples
        p50, p95, worst = percentiles(samples)
        print(f"{name:<34} {len(samples):>5} {hits:>5} {p50:>8.1f} {p95:>8.1f} {worst:>8.1f}")
    p50, p95, worst = percentiles(everything)
    print(f"{'ALL':<34} {len(everything):>5} {'':>5} {p50:>8.1f} {p95:>8.1f} {worst:>8.1f}")


def bench_articles(count: int, repeat: int, rng: random.Random) -> None:
    from frontline.search.index import backend, index_documents, search

    backend().clear("bench_article")
    started = time.perf_counter()
    written = index_documents(article_docs(count, rng))
    print(f"articles: indexed {written} in {time.perf_counter() - started:.1f} s")
    cases: list[tuple[str, str, str]] = []
    for topic in rng.sample(TOPICS, 4):
        cases.append(("one word", topic[0], "all"))
        cases.append(("two words", f"{topic[0]} {topic[1]}", "all"))
        cases.append(("phrase", f'"fix {topic[0]}"', "all"))
        cases.append(("typo", typo(topic[0] if len(topic[0]) > 4 else topic[3], rng), "all"))
    cases += [("question (any)", q, "any") for q in QUESTIONS]
    rows = []
    for name, text, match in cases:
        hits = len(search("bench_article", text, match=match))  # type: ignore[arg-type]
        samples = measure(lambda t=text, m=match: search("bench_article", t, match=m), repeat)
        rows.append((f"{name}: {text}"[:34], samples, hits))
    report(f"(a) {count} articles (kind bench_article), limit 20", rows)


def bench_tickets(repeat: int, reindex: bool, rng: random.Random) -> None:
    from django.db import connection
    from django.db.models import Count

    from frontline.accounts.models import Role, User
    from frontline.search.models import SearchDocument
    from frontline.search.selectors import SearchRequest, search_tickets
    from frontline.search.services import search_rebuild
    from frontline.tickets.models import Ticket

    total = Ticket.objects.count()
    if reindex or not SearchDocument.objects.filter(kind="ticket").exists():
        started = time.perf_counter()
        done = search_rebuild(kind="ticket")
        seconds = time.perf_counter() - started
        print(f"tickets: indexed {done} tickets in {seconds:.0f} s ({done / seconds:.0f}/s)")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchdocument")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('search_searchdocument')), "
            "pg_size_pretty(pg_relation_size('search_document_vector')), "
            "pg_size_pretty(pg_relation_size('search_document_title_trgm'))"
        )
        sizes = cursor.fetchone()
    print(f"tickets: {total}; index table {sizes[0]} (GIN {sizes[1]}, trgm {sizes[2]})")

    agent = (
        User.objects.filter(role=Role.AGENT, is_active=True)
        .annotate(teams=Count("memberships"))
        .filter(teams=1)
        .order_by("pk")
        .first()
    )
    manager = User.objects.filter(role=Role.MANAGER, is_active=True).order_by("pk").first()
    titles = list(Ticket.objects.order_by("?").values_list("title", "number")[:200])
    words = [w.lower() for title, _ in titles for w in title.split() if w.isalpha() and len(w) >= 5]
    numbers = [number for _, number in titles]
    pairs = [t.split() for t, _ in titles if len(t.split()) >= 3]
    cases: list[tuple[str, str]] = []
    for _ in range(3):
        word = rng.choice(words)
        pair = rng.choice(pairs)
        cases += [
            ("one word", word),
            ("two words", f"{rng.choice(words)} {rng.choice(words)}"),
            ("phrase", '"' + " ".join(pair[:2]) + '"'),
            ("number", f"#{rng.choice(numbers)}"),
            ("typo", typo(word, rng)),
        ]
    for label, user in (("agent (one team)", agent), ("manager (all)", manager)):
        if user is None:
            print(f"no {label} user; skipped")
            continue
        rows = []
        for name, text in cases:
            request = SearchRequest(q=text, kind="ticket", limit=20)
            hits = len(search_tickets(user, request))
            samples = measure(lambda r=request, u=user: search_tickets(u, r), repeat)
            rows.append((f"{name}: {text}"[:34], samples, hits))
        report(f"(b) {total} tickets, as {label} {user.email}, limit 20", rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reindex", action="store_true", help="Rebuild the ticket index.")
    parser.add_argument("--skip-articles", action="store_true")
    parser.add_argument("--skip-tickets", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if "postgres" not in args.database_url:
        parser.error("this benchmark is for PostgreSQL (give --database-url)")
    setup(args.database_url)
    print(f"python {platform.python_version()}, load average {os.getloadavg()}")
    rng = random.Random(args.seed)
    if not args.skip_articles:
        bench_articles(args.articles, args.repeat, rng)
    if not args.skip_tickets:
        bench_tickets(args.repeat, args.reindex, rng)


if __name__ == "__main__":
    main()
