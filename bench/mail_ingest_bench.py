"""Inbound mail benchmark: messages per second through ``mail_ingest`` on PostgreSQL.

    uv run python bench/mail_ingest_bench.py                       # 1000 messages
    uv run python bench/mail_ingest_bench.py --messages 3000 --reply-share 0.6 --corpus

Each message goes the whole way a piped or polled message goes: stored raw (sha256, dedupe),
parsed, threaded (In-Reply-To / References / [#N] lookups), turned into a ticket or a reply
through the ticket services (requester registered with the organization of their domain, Cc
watchers, attachments written to storage), with its events recorded and the dispatch task
enqueued on commit (the database task backend: one row). Then the events are handed to their
subscribers (``dispatch_pending``: notifications queue their OutboundMail rows, SLA, search,
automation...), timed separately, so the table shows both "ingest" and "ingest + dispatch".

The mix (``--seed`` repeatable): new mails from ``--senders`` people at a few domains (a
third with Cc), replies (``--reply-share``) by In-Reply-To, by References or by the subject
token, a few out-of-office auto-replies, a few with a small attachment, and with ``--corpus``
the real mails of ../shared/corpora/mail/zammad and flanker mixed in. The rate limit is
lifted (each sender writes many mails here); its query still runs.

The database (``--database-url``, default
postgres://postgres@127.0.0.1:5432/frontline_mail_bench) is created if missing, migrated,
and given a default team and two organizations; earlier bench mail is kept (each run uses new
Message-IDs). Results are printed and saved to bench/results/mail_ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora" / "mail"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/frontline_mail_bench"
DOMAINS = ["acme.example", "globex.example", "initech.example", "gmail.example"]


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"Unexpected database name {name!r}.")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
    os.environ["FRONTLINE_MAIL_RATE_LIMIT"] = "1000000000"
    os.environ.setdefault("MEDIA_ROOT", str(ROOT / "var" / "bench-media"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from frontline.accounts.models import Organization, OrganizationDomain, Team

    if not Team.objects.filter(is_default=True).exists():
        Team.objects.create(name="Bench desk", is_default=True)
    for domain in DOMAINS[:2]:
        org, _ = Organization.objects.get_or_create(name=f"Bench {domain}")
        OrganizationDomain.objects.get_or_create(domain=domain, defaults={"organization": org})


class Mix:
    """Draws the next raw message: new mail, replies of the three kinds, robots."""

    def __init__(self, rng: random.Random, senders: int, reply_share: float, run: str) -> None:
        self.rng = rng
        self.reply_share = reply_share
        self.run = run
        self.people = [f"user{i}@{DOMAINS[i % len(DOMAINS)]}" for i in range(senders)]
        self.threads: list[tuple[str, str, str]] = []  # (sender, message-id, subject)
        self.count = 0
        self.kinds: dict[str, int] = {}
        self.ticket_numbers: dict[str, int] = {}  # first Message-ID → ticket number

    def _id(self) -> str:
        self.count += 1
        return f"<bench.{self.run}.{self.count}@mail.example>"

    def _message(self, sender: str, subject: str, body: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = "support@example.com"
        msg["Subject"] = subject
        msg["Message-ID"] = self._id()
        msg.set_content(body)
        return msg

    def next(self) -> tuple[str, bytes]:
        roll = self.rng.random()
        if self.threads and roll < self.reply_share:
            sender, original, subject = self.rng.choice(self.threads)
            msg = self._message(
                sender,
                f"Re: {subject}",
                "Thanks, but it is still happening.\n\nOn Monday, support wrote:\n> old text\n",
            )
            how = self.rng.choice(["in-reply-to", "references", "token"])
            if how == "in-reply-to":
                msg["In-Reply-To"] = original
            elif how == "references":
                msg["References"] = f"<unknown.{self.count}@elsewhere.example> {original}"
            else:
                del msg["Subject"]
                msg["Subject"] = f"Re: [#{self.ticket_numbers.get(original, 0)}] {subject}"
            kind = f"reply ({how})"
        elif self.threads and roll < self.reply_share + 0.03:
            sender, original, subject = self.rng.choice(self.threads)
            msg = self._message(sender, f"Out of office: {subject}", "I am away this week.")
            msg["In-Reply-To"] = original
            msg["Auto-Submitted"] = "auto-replied"
            kind = "auto-reply"
        else:
            sender = self.rng.choice(self.people)
            subject = f"Problem {self.count}: {self.rng.choice(['VPN', 'printer', 'mail'])}"
            msg = self._message(sender, subject, "Hello,\n\nIt does not work since today.\n")
            if self.rng.random() < 0.33:
                msg["Cc"] = self.rng.choice(self.people)
            if self.rng.random() < 0.1:
                msg.add_attachment(
                    os.urandom(20_000), maintype="application", subtype="pdf", filename="log.pdf"
                )
            self.threads.append((sender, str(msg["Message-ID"]), subject))
            kind = "new"
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        return kind, msg.as_bytes(policy=SMTP)


def corpus_messages() -> list[bytes]:
    found: list[bytes] = []
    for pattern, folder in (("*.box", "zammad"), ("*.eml", "flanker/messages")):
        for path in sorted((CORPORA / folder).glob(pattern)):
            if path.stat().st_size < 500_000:  # the huge torture mails are timed in tests
                found.append(path.read_bytes())
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_MAIL_DATABASE_URL", DEFAULT_DB)
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=300)
    parser.add_argument("--reply-share", type=float, default=0.5)
    parser.add_argument("--corpus", action="store_true", help="Mix in the real corpus mails.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--skip-dispatch", action="store_true", help="Measure ingest only (events stay queued)."
    )
    args = parser.parse_args(argv)

    ensure_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from frontline.mail.ingest import mail_ingest
    from frontline.mail.models import Source
    from frontline.tickets.events import dispatch_pending

    if not args.skip_dispatch:
        dispatch_pending()  # leftovers of an earlier run are not this run's work
    rng = random.Random(args.seed)
    mix = Mix(rng, args.senders, args.reply_share, run=f"{int(time.time())}.{os.getpid()}")
    extra = corpus_messages() if args.corpus else []
    timings: dict[str, list[float]] = {}
    queries: dict[str, list[int]] = {}
    states: dict[str, int] = {}
    started = time.perf_counter()
    cpu_started = time.process_time()
    total = 0
    for index in range(args.messages):
        if extra and index % 10 == 9:
            kind, raw = "corpus", extra[(index // 10) % len(extra)]
            # a new message each time: its own Message-ID header is renamed away
            new_name = f"X-Old-Id-{mix.run}-{index}:".encode()
            raw = re.sub(rb"(?im)^message-id:", new_name, raw, count=1)
        else:
            kind, raw = mix.next()
        connection.queries_log.clear()  # the log keeps 9000 entries: counts would stall
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            inbound = mail_ingest(raw=raw, source=Source.PIPE)
            timings.setdefault(kind, []).append(time.perf_counter() - t0)
        queries.setdefault(kind, []).append(len(captured))
        states[inbound.state] = states.get(inbound.state, 0) + 1
        total += 1
        if kind == "new" and inbound.ticket is not None and inbound.message_id:
            mix.ticket_numbers[inbound.message_id] = inbound.ticket.number
    ingest_seconds = time.perf_counter() - started
    ingest_cpu = time.process_time() - cpu_started  # this process's own work
    t0 = time.perf_counter()
    events = 0 if args.skip_dispatch else dispatch_pending()
    dispatch_seconds = time.perf_counter() - t0

    print(
        f"mail ingest on {connection.vendor} ({platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})"
    )
    print(f"{'kind':<24}{'n':>6}{'mean ms':>10}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
    rows = []
    for kind, values in sorted(timings.items()):
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        row = {
            "kind": kind,
            "n": len(values),
            "mean_ms": statistics.mean(values) * 1000,
            "p50_ms": statistics.median(values) * 1000,
            "p95_ms": p95 * 1000,
            "queries": statistics.mean(queries[kind]),
        }
        rows.append(row)
        print(
            f"{kind:<24}{row['n']:>6}{row['mean_ms']:>10.1f}{row['p50_ms']:>9.1f}"
            f"{row['p95_ms']:>9.1f}{row['queries']:>9.1f}"
        )
    ingest_rate = total / ingest_seconds
    overall = total / (ingest_seconds + dispatch_seconds)
    print(f"states: {states}")
    print(
        f"ingest: {total} messages in {ingest_seconds:.1f}s = {ingest_rate:.1f} msgs/s"
        f" (CPU of this process {ingest_cpu / total * 1000:.1f} ms per message)"
    )
    print(f"dispatch: {events} events in {dispatch_seconds:.1f}s")
    print(f"ingest + dispatch: {overall:.1f} msgs/s")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "mail_ingest.json").write_text(
        json.dumps(
            {
                "messages": total,
                "ingest_seconds": ingest_seconds,
                "ingest_msgs_per_s": ingest_rate,
                "ingest_cpu_seconds": ingest_cpu,
                "dispatch_seconds": dispatch_seconds,
                "events": events,
                "overall_msgs_per_s": overall,
                "states": states,
                "kinds": rows,
                "load": os.getloadavg()[0],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
