"""Many tickets at once, for load tests and benchmarks (``frontline seed``).

Unlike the demo, this does not replay each ticket through the services: it would take hours
for a million tickets. It writes finished rows straight into the tables, in batches of one
transaction each: tickets (numbers reserved in bulk from the ticket number sequence), 2–5
messages per ticket and each ticket's ``created`` event, already marked dispatched (the
subscribers have nothing to catch up on for invented history). PostgreSQL gets the rows
through COPY, other databases through executemany. The texts come from the demo scenarios;
statuses, tiers, assignees and timestamps are drawn so that the data looks like a desk's
history: old tickets are mostly closed, recent ones still open.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from frontline.accounts.models import Role, Team, Tier, User
from frontline.demo import content
from frontline.demo.content import Days, Scenario
from frontline.tickets.models import (
    Category,
    Channel,
    Message,
    MessageKind,
    PendingReason,
    Status,
    Ticket,
    TicketEvent,
)
from frontline.tickets.numbering import reserve_ticket_numbers
from frontline.tickets.priority import priority_for

TICKET_COLUMNS = (
    "created_at", "updated_at", "number", "type", "title", "description", "requester_id",
    "organization_id", "team_id", "tier", "assignee_id", "category_id", "impact", "urgency",
    "priority", "channel", "status", "pending_reason", "custom_fields", "merged_into_id",
    "resolved_on_first_contact", "first_response_at", "resolved_at", "closed_at", "version",
)  # fmt: skip
MESSAGE_COLUMNS = ("ticket_id", "author_id", "kind", "channel", "body", "created_at")
EVENT_COLUMNS = (
    "ticket_id", "actor_id", "kind", "field", "old", "new", "data", "at", "dispatched_at",
    "attempts", "last_error",
)  # fmt: skip
DATETIME_COLUMNS = frozenset(
    {"created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "at"}
    | {"dispatched_at"}
)

CHANNELS = (
    [Channel.WEB, Channel.EMAIL, Channel.PHONE, Channel.CHAT, Channel.API],
    [40, 35, 15, 6, 4],
)
TIERS = ([Tier.L1, Tier.L2, Tier.L3, Tier.VENDOR], [78, 14, 5, 3])
OPEN, NEW = Status.OPEN, Status.NEW
PENDING_R = (Status.PENDING, PendingReason.REQUESTER)
PENDING_T = (Status.PENDING, PendingReason.THIRD_PARTY)
RESOLVED, CLOSED = Status.RESOLVED, Status.CLOSED
# Status mix by the ticket's age in days: recent tickets are still being worked.
STATUS_BY_AGE: list[tuple[float, list[Any], list[int]]] = [
    (1, [(NEW, ""), (OPEN, ""), PENDING_R, PENDING_T], [40, 40, 12, 8]),
    (7, [(NEW, ""), (OPEN, ""), PENDING_R, PENDING_T, (RESOLVED, "")], [5, 30, 12, 10, 43]),
    (21, [(OPEN, ""), PENDING_R, PENDING_T, (RESOLVED, ""), (CLOSED, "")], [8, 5, 5, 12, 70]),
    (1e9, [(OPEN, ""), PENDING_T, (RESOLVED, ""), (CLOSED, "")], [3, 2, 3, 92]),
]
MINUTE = dt.timedelta(minutes=1)


def check_columns() -> None:
    """Refuse to run when a model gained a column this generator does not fill."""
    for model, columns in (
        (Ticket, TICKET_COLUMNS),
        (Message, MESSAGE_COLUMNS),
        (TicketEvent, EVENT_COLUMNS),
    ):
        actual = {str(f.column) for f in model._meta.concrete_fields} - {"id"}
        if actual != set(columns):
            raise RuntimeError(
                f"frontline seed is out of date for {model.__name__}: "
                f"missing {sorted(actual - set(columns))}, unknown {sorted(set(columns) - actual)}"
            )


@dataclass
class Kind:
    """One scenario, ready to be drawn for a team."""

    scenario: Scenario
    category_id: int | None
    fields_json: str | None  # None: depends on the ticket's date
    priority: str


@dataclass
class TeamPlan:
    id: int
    weight: float
    requesters: list[tuple[int, int | None]]  # (user id, organization id)
    kinds: list[Kind]
    members: dict[str, list[int]]  # tier → user ids
    everyone: list[int] = field(default_factory=list)


def _requesters() -> list[tuple[int, int | None, set[int]]]:
    users = list(
        User.objects.filter(role=Role.REQUESTER, is_active=True)
        .order_by("id")
        .values_list("id", flat=True)[:20000]
    )
    orgs: dict[int, list[int]] = {}
    through = User.organizations.through
    for user_id, org_id in through.objects.filter(user_id__in=users).values_list(
        "user_id", "organization_id"
    ):
        orgs.setdefault(user_id, []).append(org_id)
    return [(u, next(iter(orgs.get(u, [])), None), set(orgs.get(u, []))) for u in users]


def plan_teams() -> list[TeamPlan]:
    """What each team's tickets can look like, from the demo scenarios and the live desk."""
    requesters = _requesters()
    if not requesters:
        raise RuntimeError("There are no requesters to open tickets: run `frontline demo`.")
    categories = {
        (c.team_id, parent.name, c.name): c.pk
        for c in Category.objects.filter(parent__isnull=False).select_related("parent")
        if (parent := c.parent) is not None
    }
    plans = []
    for team in Team.objects.prefetch_related("organizations", "memberships"):
        served = {org.pk for org in team.organizations.all()}
        scenarios = content.scenarios_for(team.name) or content.SCENARIOS
        kinds = []
        for scenario in scenarios:
            category_id = categories.get((team.pk, *scenario.category))
            fields = scenario.fields if category_id is not None else {}
            dated = any(isinstance(v, Days) for v in fields.values())
            kinds.append(
                Kind(
                    scenario,
                    category_id,
                    None if dated else json.dumps(fields),
                    priority_for(scenario.impact, scenario.urgency),
                )
            )
        members: dict[str, list[int]] = {}
        for membership in team.memberships.all():
            members.setdefault(membership.tier, []).append(membership.user_id)
        pool = [(u, org) for u, org, orgs in requesters if not served or orgs & served]
        if pool:
            plans.append(
                TeamPlan(
                    team.pk,
                    weight=len(content.scenarios_for(team.name)) or 10,
                    requesters=pool,
                    kinds=kinds,
                    members=members,
                    everyone=[m.user_id for m in team.memberships.all()],
                )
            )
    if not plans:
        raise RuntimeError("There are no teams to route tickets to: run `frontline demo`.")
    return plans


class Generator:
    """Draws ticket, message and event rows; one instance per seed run."""

    def __init__(self, teams: list[TeamPlan], *, rng: random.Random, now: dt.datetime, days: float):
        self.teams, self.rng, self.now, self.days = teams, rng, now, days
        self.weights = [t.weight for t in teams]
        self.nudges = content.NUDGES
        self.thanks = [t.replace(" {agent}", "") for t in content.THANKS]
        self.first_names = dict(
            (user.pk, user.first_name)
            for user in User.objects.filter(
                pk__in={r for t in teams for r, _ in t.requesters}
            ).only("email", "full_name")
        )

    def ticket(self, number: int, created: dt.datetime) -> tuple[tuple[Any, ...], list[Any]]:
        """One ticket row (without id) and its message specs (author, kind, body, channel,
        time) and its creator, to be tied to the ticket's id once it has one."""
        rng, now = self.rng, self.now
        team = rng.choices(self.teams, self.weights)[0]
        requester, organization = rng.choice(team.requesters)
        kind = rng.choice(team.kinds)
        s = kind.scenario
        age = (now - created).total_seconds() / 86400
        for limit, statuses, weights in STATUS_BY_AGE:
            if age < limit:
                status, reason = rng.choices(statuses, weights)[0]
                break
        channel = rng.choices(*CHANNELS)[0]
        tier = rng.choices(*TIERS)[0] if status != NEW else Tier.L1
        tier_members = team.members.get(tier)
        if not tier_members:
            tier = Tier.L1
            tier_members = team.members.get(Tier.L1) or team.everyone
        agent = rng.choice(tier_members) if tier_members and status != NEW else None
        if agent is None and status not in (NEW, OPEN):
            agent = rng.choice(team.everyone) if team.everyone else None
        first = self.first_names.get(requester, "there")
        description = s.description
        worked = status != NEW and agent is not None
        speaker = agent if worked else None
        count = rng.randint(2, 5)
        script: list[tuple[int | None, str, str]]
        if not worked:
            script = [(requester, "public", rng.choice(self.nudges)) for _ in range(count - 1)]
        else:
            done = status in (RESOLVED, CLOSED)
            script = [
                (speaker, "public", s.ask.replace("{first}", first)),
                (requester, "public", s.answer),
                (speaker, "internal", s.note),
                (requester, "public", rng.choice(self.thanks if done else self.nudges)),
            ][: count - 1]
            if done:
                script[-1] = (speaker, "public", s.fix.replace("{first}", first))
        times = [created]
        moment = created
        budget = max((now - created) / (count + 2), MINUTE)
        for _ in script:
            moment = min(moment + budget * rng.uniform(0.05, 1.0), now - MINUTE)
            times.append(moment)
        first_response = next(
            (
                times[i + 1]
                for i, (who, k, _) in enumerate(script)
                if k == "public" and who == agent
            ),
            None,
        )
        resolved_at = closed_at = None
        updated = times[-1]
        if status in (RESOLVED, CLOSED):
            resolved_at = min(updated + MINUTE * rng.uniform(1, 90), now)
            updated = resolved_at
            if status == CLOSED:
                closed_at = min(resolved_at + dt.timedelta(days=rng.uniform(3, 5)), now)
                updated = closed_at
        fields = kind.fields_json
        if fields is None:
            fields = json.dumps(
                {
                    k: (created + dt.timedelta(days=int(v))).date().isoformat()
                    if isinstance(v, Days)
                    else v
                    for k, v in s.fields.items()
                }
            )
        first_contact = (
            channel == Channel.PHONE and status in (RESOLVED, CLOSED) and rng.random() < 0.3
        )
        row = (
            created, updated, number, s.type, s.title, description, requester, organization,
            team.id, tier, agent, kind.category_id, s.impact, s.urgency, kind.priority, channel,
            status, reason, fields, None, first_contact, first_response, resolved_at,
            closed_at, 1 + len(script) + (status != NEW),
        )  # fmt: skip
        messages: list[Any] = [(requester, MessageKind.PUBLIC, description, channel, created)]
        for (who, kind_, body), when in zip(script, times[1:], strict=True):
            reply_channel = Channel.EMAIL if who == requester and rng.random() < 0.5 else "web"
            messages.append((who, kind_, body, reply_channel, when))
        creator = agent if channel == Channel.PHONE and agent else requester
        event_data = json.dumps({"channel": channel, "priority": kind.priority, "team": team.id})
        return row, [messages, creator, event_data]


def _insert(model: type[Any], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        adapt = connection.ops.adapt_datetimefield_value
        dated = [i for i, c in enumerate(columns) if c in DATETIME_COLUMNS]
        prepared = []
        for row in rows:
            values = list(row)
            for i in dated:
                values[i] = adapt(values[i])
            prepared.append(values)
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared)  # noqa: S608


@dataclass
class SeedResult:
    tickets: int = 0
    messages: int = 0
    seconds: float = 0.0


def seed_tickets(
    count: int,
    *,
    batch: int = 5000,
    days: float = 180,
    seed: int | None = None,
    progress: bool = True,
) -> SeedResult:
    """Write ``count`` tickets with 2–5 messages each and their dispatched ``created`` event,
    created over the last ``days`` days, in transactions of ``batch`` tickets."""
    check_columns()
    started = time.monotonic()
    rng = random.Random(seed)
    now = timezone.now()
    generator = Generator(plan_teams(), rng=rng, now=now, days=days)
    result = SeedResult()
    span = dt.timedelta(days=days)
    with tqdm(total=count, unit="ticket", file=sys.stderr, disable=not progress) as bar:
        done = 0
        while done < count:
            size = min(batch, count - done)
            # Each batch covers its own slice of time, oldest first, so numbers grow with age.
            lo = now - span + span * done / count
            hi = now - span + span * (done + size) / count
            moments = sorted(lo + (hi - lo) * rng.random() for _ in range(size))
            with transaction.atomic():
                numbers = reserve_ticket_numbers(size)
                drawn = [generator.ticket(n, m) for n, m in zip(numbers, moments, strict=True)]
                _insert(Ticket, TICKET_COLUMNS, (row for row, _ in drawn))
                ids = dict(
                    Ticket.objects.filter(number__gte=min(numbers), number__lte=max(numbers))
                    .values_list("number", "id")
                    .iterator(chunk_size=10000)
                )
                messages, events = [], []
                for row, (specs, creator, data) in drawn:
                    ticket_id = ids[row[2]]
                    for author, kind, body, channel, when in specs:
                        messages.append((ticket_id, author, kind, channel, body, when))
                    created = row[0]
                    events.append(
                        (
                            ticket_id,
                            creator,
                            "created",
                            "",
                            None,
                            None,
                            data,
                            created,
                            created,
                            0,
                            "",
                        )
                    )
                _insert(Message, MESSAGE_COLUMNS, messages)
                _insert(TicketEvent, EVENT_COLUMNS, events)
            done += size
            result.tickets += size
            result.messages += len(messages)
            bar.update(size)
    if connection.vendor == "postgresql":  # fresh statistics, or the planner guesses badly
        with connection.cursor() as cursor:
            for model in (Ticket, Message, TicketEvent):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    result.seconds = time.monotonic() - started
    return result
