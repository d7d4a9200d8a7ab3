"""SLA services: pick a policy, recompute a ticket's clocks from its history, fire warnings and
breaches, and install a default policy (escalation is in ``frontline.sla.escalation``).

Recomputation is deterministic: everything is rebuilt from the ticket's TicketEvents (status
changes give the pauses and stops, replies give the responses, escalations the tier periods),
so running it twice, late, or out of order gives the same row. That is what lets the event
subscribers be at-least-once. Only the "fired" flags are carried over from the stored row.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from frontline.accounts.models import Tier
from frontline.sla.calendar import BusinessCalendar
from frontline.sla.clock import SlaClock
from frontline.sla.models import (
    METRICS,
    Calendar,
    ClockState,
    EscalationAction,
    SlaPolicy,
    SlaTarget,
    TicketSla,
    TierPeriod,
)
from frontline.tickets import events
from frontline.tickets.models import Priority, Status, Ticket, TicketEvent

log = logging.getLogger(__name__)

HISTORY_KINDS = ("created", "replied", "status_changed", "merged", "escalated")
RECOMPUTE_FIELDS = frozenset({"priority", "type", "category", "organization", "team"})
STOPPED = frozenset({Status.RESOLVED, Status.CLOSED})
LIVE = (ClockState.RUNNING, ClockState.BREACHED)
FIRE_BATCH = 500

Pause = tuple[dt.datetime, dt.datetime | None]


# --- Policies -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledPolicy:
    """A policy with its conditions, targets and calendar loaded: matching needs no query."""

    policy: SlaPolicy
    calendar: BusinessCalendar
    organizations: frozenset[int]
    teams: frozenset[int]
    categories: frozenset[int]
    priorities: frozenset[str]
    types: frozenset[str]
    targets: dict[str, SlaTarget]

    def matches(self, ticket: Ticket) -> bool:
        return (
            (not self.organizations or ticket.organization_id in self.organizations)
            and (not self.teams or ticket.team_id in self.teams)
            and (not self.categories or ticket.category_id in self.categories)
            and (not self.priorities or ticket.priority in self.priorities)
            and (not self.types or ticket.type in self.types)
        )

    def pauses_on(self, status: str, reason: str) -> bool:
        statuses = self.policy.pause_statuses or []
        return status in statuses or (status == Status.PENDING and f"pending:{reason}" in statuses)


def load_policies() -> list[CompiledPolicy]:
    """The active policies in order, compiled (four queries whatever their number)."""
    policies = list(
        SlaPolicy.objects.filter(is_active=True)
        .select_related("calendar")
        .prefetch_related("organizations", "teams", "categories", "targets")
        .order_by("position", "id")
    )
    compiled = []
    for policy in policies:
        compiled.append(
            CompiledPolicy(
                policy=policy,
                calendar=policy.calendar.business_calendar(),
                organizations=frozenset(o.pk for o in policy.organizations.all()),
                teams=frozenset(t.pk for t in policy.teams.all()),
                categories=frozenset(c.pk for c in policy.categories.all()),
                priorities=frozenset(policy.priorities or []),
                types=frozenset(policy.types or []),
                targets={t.priority: t for t in policy.targets.all()},
            )
        )
    return compiled


def select_policy(ticket: Ticket, policies: Sequence[CompiledPolicy]) -> CompiledPolicy | None:
    """The first active policy (by position, then id) whose every non-empty condition matches
    the ticket's organization, team, category, priority and type; ``None`` if none does."""
    return next((p for p in policies if p.matches(ticket)), None)


# --- History ------------------------------------------------------------------------------


@dataclass
class Timeline:
    """What a ticket's history says about its clocks (times are aware UTC)."""

    created_at: dt.datetime
    pauses: list[Pause] = field(default_factory=list)  # statuses the policy pauses on
    stops: list[Pause] = field(default_factory=list)  # resolved / closed
    first_response_at: dt.datetime | None = None
    cycle_start: dt.datetime | None = None  # the latest next-response cycle
    cycle_end: dt.datetime | None = None
    tiers: list[tuple[int | None, str, dt.datetime]] = field(default_factory=list)

    @property
    def stopped_since(self) -> dt.datetime | None:
        return self.stops[-1][0] if self.stops and self.stops[-1][1] is None else None


def build_timeline(
    ticket: Ticket, history: Iterable[TicketEvent], policy: CompiledPolicy | None
) -> Timeline:
    """Fold the ticket's events (oldest first) into pauses, stops, responses and tiers.

    Tickets whose history is incomplete (imported or seeded rows) are trusted for what the
    events do not say: the current status is taken to hold since ``updated_at`` (resolution:
    ``resolved_at``), and ``first_response_at`` stands in for a missing desk reply.
    """
    line = Timeline(created_at=ticket.created_at)
    status, reason = Status.NEW.value, ""
    pause_from: dt.datetime | None = None
    stop_from: dt.datetime | None = None
    first_tier: tuple[int | None, str] | None = None
    escalations: list[tuple[int | None, str, dt.datetime]] = []

    def move(new: str, new_reason: str, at: dt.datetime) -> None:
        nonlocal status, reason, pause_from, stop_from
        status, reason = new, new_reason if new == Status.PENDING else ""
        paused = policy is not None and policy.pauses_on(status, reason)
        if paused and pause_from is None:
            pause_from = at
        elif not paused and pause_from is not None:
            line.pauses.append((pause_from, at))
            pause_from = None
        stopped = status in STOPPED
        if stopped and stop_from is None:
            stop_from = at
        elif not stopped and stop_from is not None:
            line.stops.append((stop_from, at))
            stop_from = None

    for event in history:
        kind, at, data = event.kind, event.at, event.data or {}
        if kind in ("status_changed", "merged") and isinstance(event.new, str):
            move(event.new, str(data.get("pending_reason") or reason), at)
            if data.get("first_contact") and line.first_response_at is None:
                line.first_response_at = at
        elif kind == "replied":
            if data.get("by") == "agent":
                if line.first_response_at is None:
                    line.first_response_at = at
                elif line.cycle_start is not None and line.cycle_end is None:
                    line.cycle_end = at
            elif line.first_response_at is not None and (
                line.cycle_start is None or line.cycle_end is not None
            ):
                line.cycle_start, line.cycle_end = at, None
        elif kind == "escalated":
            if first_tier is None:
                first_tier = (data.get("from_team"), str(data.get("from_tier") or Tier.L1))
            escalations.append((data.get("to_team"), str(data.get("to_tier") or Tier.L1), at))

    if status != ticket.status or (status == Status.PENDING and reason != ticket.pending_reason):
        since = ticket.resolved_at if ticket.status == Status.RESOLVED else None
        move(ticket.status, ticket.pending_reason, since or ticket.updated_at)
    if line.first_response_at is None and ticket.first_response_at is not None:
        line.first_response_at = ticket.first_response_at
    if pause_from is not None:
        line.pauses.append((pause_from, None))
    if stop_from is not None:
        line.stops.append((stop_from, None))
    start = first_tier or (ticket.team_id, ticket.tier)
    line.tiers = [(start[0], start[1], ticket.created_at), *escalations]
    return line


# --- Recomputation ------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricResult:
    state: str
    target_seconds: int | None = None
    started_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    warning_at: dt.datetime | None = None
    breached_at: dt.datetime | None = None
    met_at: dt.datetime | None = None
    remaining_seconds: int | None = None
    paused_seconds: int = 0


NOT_TRACKED = MetricResult(state=ClockState.NONE)


def _measure(
    policy: CompiledPolicy,
    minutes: int | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    pauses: list[Pause],
    now: dt.datetime,
) -> MetricResult:
    if minutes is None or start is None:
        return NOT_TRACKED
    clock = SlaClock(
        policy.calendar,
        minutes * 60,
        start,
        pauses,
        warning_share=policy.policy.warning_share,
    )
    state = clock.state(end if end is not None and end <= now else now)
    if end is not None and end <= now:
        label = ClockState.MISSED if state.breached else ClockState.MET
    elif state.paused:
        label = ClockState.PAUSED
    else:
        label = ClockState.BREACHED if state.breached else ClockState.RUNNING
    return MetricResult(
        state=label,
        target_seconds=minutes * 60,
        started_at=start,
        due_at=state.due_at,
        warning_at=state.warning_at,
        breached_at=state.breached_at,
        met_at=end if label in (ClockState.MET, ClockState.MISSED) else None,
        remaining_seconds=state.remaining_seconds,
        paused_seconds=state.paused_seconds,
    )


def compute_metrics(
    ticket: Ticket, line: Timeline, policy: CompiledPolicy, now: dt.datetime
) -> dict[str, MetricResult]:
    """The three clocks of a ticket under ``policy`` as of ``now`` (pure given its inputs).

    - first response: from creation to the first public desk reply (or the first resolution,
      if the ticket is resolved without one), paused per the policy;
    - next response: from the latest requester reply after the first response to the desk
      reply that answers it (or a resolution);
    - resolution: from creation to resolution, paused per the policy. Time spent resolved or
      closed does not count, so a reopened ticket's clock runs on from where it stopped.
    """
    target = policy.targets.get(ticket.priority)
    if target is None:
        return dict.fromkeys(METRICS, NOT_TRACKED)
    first_stop = line.stops[0][0] if line.stops else None
    stopped_since = line.stopped_since
    response_end = line.first_response_at
    if first_stop is not None and (response_end is None or first_stop < response_end):
        response_end = first_stop
    cycle_end = line.cycle_end
    if cycle_end is None and stopped_since is not None and line.cycle_start is not None:
        cycle_end = max(stopped_since, line.cycle_start)
    return {
        "first_response": _measure(
            policy, target.first_response_minutes, line.created_at, response_end, line.pauses, now
        ),
        "next_response": _measure(
            policy, target.next_response_minutes, line.cycle_start, cycle_end, line.pauses, now
        ),
        "resolution": _measure(
            policy,
            target.resolution_minutes,
            line.created_at,
            stopped_since,
            [*line.pauses, *line.stops],
            now,
        ),
    }


# Every stored column of a TicketSla (what a recompute may change).
SLA_COLUMNS = [
    f"{metric}_{name}"
    for metric in METRICS
    for name in (
        "state",
        "target_seconds",
        "started_at",
        "due_at",
        "warning_at",
        "breached_at",
        "met_at",
        "remaining_seconds",
        "paused_seconds",
        "warning_fired_at",
        "breach_fired_at",
    )
] + ["policy", "next_due_at", "computed_at"]


def _apply(row: TicketSla, policy: CompiledPolicy, results: dict[str, MetricResult]) -> None:
    for metric, result in results.items():
        if getattr(row, f"{metric}_started_at") != result.started_at:
            # A new run of this clock (a new next-response cycle): it may warn and breach again.
            setattr(row, f"{metric}_warning_fired_at", None)
            setattr(row, f"{metric}_breach_fired_at", None)
        for name in (
            "state",
            "target_seconds",
            "started_at",
            "due_at",
            "warning_at",
            "breached_at",
            "met_at",
            "remaining_seconds",
            "paused_seconds",
        ):
            setattr(row, f"{metric}_{name}", getattr(result, name))
    row.policy = policy.policy
    dues = [r.due_at for r in results.values() if r.state in LIVE and r.due_at is not None]
    row.next_due_at = min(dues) if dues else None


def _tier_periods(
    ticket: Ticket, line: Timeline, policy: CompiledPolicy | None
) -> list[TierPeriod]:
    periods = []
    end_all = line.stopped_since
    for index, (team_id, tier, start) in enumerate(line.tiers):
        end = line.tiers[index + 1][2] if index + 1 < len(line.tiers) else end_all
        seconds = None
        if end is not None and policy is not None:
            seconds = SlaClock(policy.calendar, 0, start).state(max(start, end)).elapsed_seconds
        periods.append(
            TierPeriod(
                ticket=ticket,
                team_id=team_id,
                tier=tier,
                started_at=start,
                ended_at=end,
                business_seconds=seconds,
            )
        )
    return periods


def _period_key(periods: Iterable[TierPeriod]) -> list[tuple[Any, ...]]:
    return [(p.team_id, p.tier, p.started_at, p.ended_at, p.business_seconds) for p in periods]


def sla_recompute_many(
    tickets: Sequence[Ticket],
    *,
    policies: Sequence[CompiledPolicy] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Recompute the SLA rows and tier periods of ``tickets``; return how many have an SLA.

    Idempotent and deterministic (see the module docstring). Costs a fixed number of queries
    per call (history, existing rows, tier periods, writes), so batches of a few hundred
    tickets are the efficient unit. A ticket no policy matches loses its SLA row. Must be
    called with current ticket rows; runs in one transaction.
    """
    if not tickets:
        return 0
    now = now or timezone.now()
    policies = load_policies() if policies is None else policies
    ids = [t.pk for t in tickets]
    history: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in (
        TicketEvent.objects.filter(ticket_id__in=ids, kind__in=HISTORY_KINDS)
        .only("ticket_id", "kind", "new", "data", "at")
        .order_by("at", "id")
    ):
        history[event.ticket_id].append(event)
    with transaction.atomic():
        existing = {row.ticket_id: row for row in TicketSla.objects.filter(ticket_id__in=ids)}
        stored_periods: dict[int, list[TierPeriod]] = defaultdict(list)
        for period in TierPeriod.objects.filter(ticket_id__in=ids).order_by("started_at", "id"):
            stored_periods[period.ticket_id].append(period)
        create, update, drop = [], [], []
        periods_new: list[TierPeriod] = []
        periods_stale: list[int] = []
        for ticket in tickets:
            policy = select_policy(ticket, policies)
            line = build_timeline(ticket, history.get(ticket.pk, []), policy)
            wanted = _tier_periods(ticket, line, policy)
            if _period_key(wanted) != _period_key(stored_periods.get(ticket.pk, [])):
                periods_stale.append(ticket.pk)
                periods_new.extend(wanted)
            row = existing.get(ticket.pk)
            if policy is None or policy.targets.get(ticket.priority) is None:
                if row is not None:
                    drop.append(row.pk)
                continue
            results = compute_metrics(ticket, line, policy, now)
            if row is None:
                row = TicketSla(ticket=ticket, policy=policy.policy, computed_at=now)
                _apply(row, policy, results)
                create.append(row)
            else:
                _apply(row, policy, results)
                row.computed_at = now
                update.append(row)
        with_sla = len(create) + len(update)
        if update:
            # Rewritten rather than bulk_update()d: Django builds one CASE/WHEN expression per
            # column per row, ~1.2 ms each in Python (36 columns: 0.04 s a ticket, 24 tickets/s
            # measured); deleting and re-inserting the batch is two statements. Nothing refers
            # to TicketSla rows by id (their key is the ticket).
            drop.extend(row.pk for row in update)
            for row in update:
                row.pk = None
            create.extend(update)
        if drop:
            TicketSla.objects.filter(pk__in=drop).delete()
        if create:
            TicketSla.objects.bulk_create(create)
        if periods_stale:
            TierPeriod.objects.filter(ticket_id__in=periods_stale).delete()
            TierPeriod.objects.bulk_create(periods_new)
    return with_sla


def sla_recompute(ticket: Ticket | int, *, now: dt.datetime | None = None) -> TicketSla | None:
    """Recompute one ticket's SLA from its history; return its row (``None``: no SLA).

    Reads the ticket afresh, so it may be given a stale instance or an id.
    """
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    current = Ticket.objects.filter(pk=pk).first()
    if current is None:
        return None
    sla_recompute_many([current], now=now)
    return TicketSla.objects.filter(ticket_id=pk).select_related("policy").first()


def sla_recompute_open(*, batch: int = 500, now: dt.datetime | None = None) -> int:
    """Recompute every open ticket (after a policy or calendar edit); return how many have
    an SLA. Walks the tickets by id in batches, loading the policies once."""
    policies = load_policies()
    total, last = 0, 0
    open_q = ~Q(status__in=list(STOPPED))
    while True:
        tickets = list(Ticket.objects.filter(open_q, pk__gt=last).order_by("pk")[:batch])
        if not tickets:
            return total
        total += sla_recompute_many(tickets, policies=policies, now=now)
        last = tickets[-1].pk


@task()
def sla_recompute_open_task() -> int:
    """The worker's side of ``sla_schedule_recompute``."""
    return sla_recompute_open()


def sla_schedule_recompute() -> None:
    """Recompute every open ticket's clocks in the worker once the current transaction commits.

    Called after an SLA policy, its targets or a calendar is created, edited or deleted: due
    times already shown on tickets must follow the new rules without waiting for each
    ticket's next event. Several edits in one transaction queue one recompute each, which is
    harmless (recomputation is idempotent)."""
    transaction.on_commit(sla_recompute_open_task.enqueue)


# --- Warnings and breaches between events -------------------------------------------------


def sla_fire_due(*, now: dt.datetime | None = None) -> int:
    """Record ``sla_warning`` / ``sla_breached`` for each clock whose warning or due time has
    passed and has not fired yet in this run of the clock; return how many fired.

    Each fires once: the flag is claimed with a conditional UPDATE in the same transaction
    as the event, so overlapping runs cannot both record it. Warnings go before breaches.
    Event data: ``{"metric", "due_at", "warning_at", "policy"}``; actor is ``None``.
    """
    now = now or timezone.now()
    fired = 0
    for kind, column, flag in (
        ("sla_warning", "warning_at", "warning_fired_at"),
        ("sla_breached", "due_at", "breach_fired_at"),
    ):
        for metric in METRICS:
            condition = Q(
                **{
                    f"{metric}_{column}__lte": now,
                    f"{metric}_{flag}__isnull": True,
                    f"{metric}_state__in": list(LIVE),
                }
            )
            while True:
                rows = list(
                    TicketSla.objects.filter(condition)
                    .select_related("ticket")
                    .order_by(f"{metric}_{column}")[:FIRE_BATCH]
                )
                if not rows:
                    break
                for row in rows:
                    changes: dict[str, Any] = {f"{metric}_{flag}": now}
                    if kind == "sla_breached":
                        changes[f"{metric}_state"] = ClockState.BREACHED
                    with transaction.atomic():
                        if not TicketSla.objects.filter(condition, pk=row.pk).update(**changes):
                            continue  # fired elsewhere meanwhile
                        due, warn = row.metric(metric, "due_at"), row.metric(metric, "warning_at")
                        events.record(
                            row.ticket,
                            kind,
                            data={
                                "metric": metric,
                                "due_at": due.isoformat() if due else None,
                                "warning_at": warn.isoformat() if warn else None,
                                "policy": row.policy_id,
                            },
                        )
                        fired += 1
                if len(rows) < FIRE_BATCH:
                    break
    return fired


# --- Setup --------------------------------------------------------------------------------

DEFAULT_TARGETS = {  # business minutes: first response, next response, resolution
    Priority.P1: (30, 30, 4 * 60),
    Priority.P2: (60, 2 * 60, 8 * 60),
    Priority.P3: (4 * 60, 4 * 60, 3 * 10 * 60),
    Priority.P4: (8 * 60, 8 * 60, 5 * 10 * 60),
}


def install_default_policy() -> SlaPolicy:
    """Create (or return) the "Standard" calendar (Mon–Fri 08:00–18:00 in settings.TIME_ZONE)
    and the "Standard" policy matching every ticket, with targets per priority (P1: 30 min
    response / 4 h resolution … P4: 8 h / 5 business days), last in order. Idempotent."""
    with transaction.atomic():
        calendar, _ = Calendar.objects.get_or_create(
            name="Standard",
            defaults={
                "time_zone": settings.TIME_ZONE,
                "hours": {day: ["08:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
            },
        )
        policy, created = SlaPolicy.objects.get_or_create(
            name="Standard",
            defaults={
                "calendar": calendar,
                "position": 1000,
                "on_warning": [EscalationAction.NOTIFY_ASSIGNEE.value],
                "on_breach": [
                    EscalationAction.NOTIFY_ASSIGNEE.value,
                    EscalationAction.NOTIFY_TEAM_LEAD.value,
                ],
            },
        )
        if created:
            SlaTarget.objects.bulk_create(
                SlaTarget(
                    policy=policy,
                    priority=priority,
                    first_response_minutes=first,
                    next_response_minutes=following,
                    resolution_minutes=resolution,
                )
                for priority, (first, following, resolution) in DEFAULT_TARGETS.items()
            )
    return policy
