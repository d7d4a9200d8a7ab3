"""Automation rules benchmark: what rule evaluation costs per ticket event.

    uv run python bench/rules_bench.py                       # 50 rules, 10 000 events, 300 e2e
    uv run python bench/rules_bench.py --rules 50 --events 10000 --e2e-events 1000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontline_rules_bench \\
        uv run python bench/rules_bench.py                   # end to end on PostgreSQL

Two measurements:

1. **Conditions only** (pure, no database): ``--rules`` active rules with realistic condition
   trees (3–6 conditions, nested any/all groups, one regex in five rules, changed-to on the
   event) evaluated against ``--events`` random ticket snapshots and events. Reports µs per
   event for evaluating all rules, and per rule.
2. **End to end** (database): the same rules saved as active "updated" rules, about one in
   ten matching with real actions (tag, priority, watcher), and ``--e2e-events`` ticket
   events handed to ``engine.run_event_rules`` one by one, as the subscriber does: load the
   rules, snapshot the ticket, evaluate, plan and do the actions through the ticket services,
   record executions and events. Reports ms per event (mean, p50, p99) and how many fired.

Without ``DATABASE_URL`` the end-to-end part uses a fresh SQLite file in /tmp.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STATUSES = ["new", "open", "pending", "resolved"]
PRIORITIES = ["p1", "p2", "p3", "p4"]
TYPES = ["incident", "service_request", "question", "problem"]
CHANNELS = ["web", "email", "phone", "api"]
WORDS = ["vpn", "printer", "password", "laptop", "email", "payroll", "access", "wifi", "disk"]


def condition(rng: random.Random, regex: bool) -> dict[str, Any]:
    kind = rng.randrange(8)
    if regex:
        return {
            "field": "title",
            "op": "matches",
            "value": rf"\b{rng.choice(WORDS)}\b.*(down|slow)",
        }
    if kind == 0:
        return {"field": "priority", "op": "in", "value": rng.sample(PRIORITIES, 2)}
    if kind == 1:
        return {"field": "status", "op": "is_not", "value": rng.choice(STATUSES)}
    if kind == 2:
        return {"field": "title", "op": "contains", "value": rng.choice(WORDS)}
    if kind == 3:
        return {"field": "tags", "op": "contains", "value": rng.choice(WORDS)}
    if kind == 4:
        return {"field": "hours_since_created", "op": "gt", "value": rng.randrange(1, 72)}
    if kind == 5:
        return {"field": "category", "op": "is", "value": rng.randrange(1, 20)}
    if kind == 6:
        return {"field": "custom.asset", "op": "starts_with", "value": "PRN"}
    return {"field": "priority", "op": "changed_to", "value": rng.choice(PRIORITIES)}


def tree(rng: random.Random, index: int) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        condition(rng, regex=(index % 5 == 0 and i == 0)) for i in range(rng.randrange(3, 7))
    ]
    if rng.random() < 0.5:
        items.append({"any": [condition(rng, False), condition(rng, False)]})
    return {"all": items} if rng.random() < 0.7 else {"any": items}


def snapshot(rng: random.Random, now: dt.datetime) -> dict[str, Any]:
    created = now - dt.timedelta(hours=rng.randrange(1, 500))
    category = rng.randrange(1, 20)
    return {
        "id": 1,
        "status": rng.choice(STATUSES),
        "pending_reason": "",
        "priority": rng.choice(PRIORITIES),
        "type": rng.choice(TYPES),
        "channel": rng.choice(CHANNELS),
        "tier": "l1",
        "team": 1,
        "assignee": None,
        "organization": 1,
        "requester": 1,
        "requester_email": "someone@example.test",
        "language": "en",
        "category": category,
        "category_path": [max(1, category - 5), category],
        "tags": rng.sample(WORDS, rng.randrange(0, 3)),
        "watchers": [],
        "title": f"{rng.choice(WORDS)} is {rng.choice(['down', 'slow', 'broken', 'fine'])}",
        "description": " ".join(rng.choices(WORDS, k=40)),
        "custom_fields": {"asset": rng.choice(["PRN-1", "LAP-2", ""])},
        "created_at": created,
        "updated_at": created,
        "hours_since_created": (now - created).total_seconds() / 3600,
        "hours_since_updated": 1.0,
        "business_hours_in_status": 3.0,
        "business_days_in_status": 0.4,
    }


def bench_conditions(rules: int, events: int, seed: int) -> list[dict[str, Any]]:
    from frontline.automation import conditions

    rng = random.Random(seed)
    now = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    trees = [tree(rng, i) for i in range(rules)]
    for item in trees:
        assert not conditions.validate(item), conditions.validate(item)
    cases = [
        (
            snapshot(rng, now),
            {
                "kind": "field_changed",
                "field": "priority",
                "old": rng.choice(PRIORITIES),
                "new": rng.choice(PRIORITIES),
            },
        )
        for _ in range(events)
    ]
    compiled = [conditions.compile_tree(item) for item in trees]
    for label, evaluate in (
        ("interpreted (conditions.matches, used by the dry run)", None),
        ("compiled (conditions.compile_tree, used by the engine)", compiled),
    ):
        matched = 0
        timings = []
        for snap, event in cases:
            started = time.perf_counter()
            if evaluate is None:
                for item in trees:
                    matched += conditions.matches(item, snap, event)
            else:
                for predicate in evaluate:
                    matched += predicate(snap, event)
            timings.append(time.perf_counter() - started)
        mean = statistics.fmean(timings) * 1e6
        q = statistics.quantiles(timings, n=100)
        print(
            f"conditions {label}: {rules} rules × {events} events: {mean:.1f} µs per event "
            f"(p50 {q[49] * 1e6:.1f}, p99 {q[98] * 1e6:.1f}), {mean / rules:.2f} µs per rule; "
            f"{matched / events:.1f} rules matched per event"
        )
    return trees


def bench_end_to_end(trees: list[dict[str, Any]], events: int, seed: int) -> None:
    if not os.environ.get("DATABASE_URL"):
        path = Path(tempfile.mkdtemp(prefix="rules-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from frontline.accounts.models import Role, Team, TeamMembership, User
    from frontline.automation import engine
    from frontline.automation.models import Rule, RuleExecution
    from frontline.tickets import services as tickets
    from frontline.tickets.models import Ticket, TicketEvent

    rng = random.Random(seed)
    team, _ = Team.objects.get_or_create(name="Bench desk")
    agent, _ = User.objects.get_or_create(
        email="bench-agent@bench.test", defaults={"role": Role.AGENT, "full_name": "Bench"}
    )
    TeamMembership.objects.get_or_create(user=agent, team=team)
    requester, _ = User.objects.get_or_create(email="bench-requester@bench.test")
    Rule.objects.filter(name__startswith="bench ").delete()
    for index, item in enumerate(trees):
        matching = index % 10 == 0  # about one rule in ten can match: cheap conditions
        Rule.objects.create(
            name=f"bench {index}",
            trigger="updated",
            # The other rules evaluate their whole tree, then fail on the channel.
            conditions=(
                {"all": [{"field": "priority", "op": "in", "value": ["p1", "p2"]}]}
                if matching
                else {"all": [item, {"field": "channel", "op": "is", "value": "chat"}]}
            ),
            actions=(
                [
                    {"type": "add_tag", "tag": f"bench-{index}"},
                    {"type": "set_field", "field": "type", "value": "question"},
                    {"type": "add_watcher", "user": agent.pk},
                ]
                if matching
                else [{"type": "add_tag", "tag": "never"}]
            ),
            position=index,
            is_active=True,
        )
    made = [
        tickets.ticket_create(
            actor=agent, requester=requester, title=f"{rng.choice(WORDS)} is down", team=team
        )
        for _ in range(max(1, events // 3))
    ]
    todo: list[TicketEvent] = []
    for i in range(events):
        ticket = Ticket.objects.get(pk=made[i % len(made)].pk)
        new = rng.choice([p for p in PRIORITIES if p != ticket.priority])
        with transaction.atomic():
            tickets.ticket_update(actor=agent, ticket=ticket, version=None, priority=new)
        todo.append(TicketEvent.objects.filter(ticket=ticket, kind="field_changed").latest("id"))
    from django.test.utils import CaptureQueriesContext

    before = RuleExecution.objects.count()
    timings = []
    queries = 0
    for event in todo:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            with transaction.atomic():
                engine.run_event_rules(event)
            timings.append(time.perf_counter() - started)
        queries += len(captured)
    fired = RuleExecution.objects.count() - before
    mean = statistics.fmean(timings) * 1e3
    q = statistics.quantiles(timings, n=100)
    print(
        f"end to end ({connection.vendor}): {len(trees)} active rules × {events} events: "
        f"{mean:.2f} ms per event (p50 {q[49] * 1e3:.2f}, p99 {q[98] * 1e3:.2f}); "
        f"{fired} firings ({fired / events:.2f} per event, each with up to 3 actions), "
        f"{queries / events:.1f} queries per event"
    )
    Rule.objects.filter(name__startswith="bench ").delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--e2e-events", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-e2e", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    print(f"python {platform.python_version()} on {platform.machine()}, load {load:.1f}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
    trees = bench_conditions(args.rules, args.events, args.seed)
    if not args.no_e2e:
        bench_end_to_end(trees, args.e2e_events, args.seed)


if __name__ == "__main__":
    main()
