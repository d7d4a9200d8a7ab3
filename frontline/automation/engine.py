"""The rule engine: event rules (run by the subscriber for each ticket event), time rules (run
by the periodic job), and the dry run (the same evaluation and planning, without writes).

Loop protection: every write a rule makes carries ``{"by": "rule", "rule": id, "depth": n}``
in its events' data (nested under ``"origin"`` for replies, whose ``"by"`` says agent or
requester). A rule never fires on an event it caused itself, and events at ``MAX_CHAIN``
rule-caused steps from a person's change run no rules at all.

Idempotency: each firing is a RuleExecution row unique per (rule, ticket, key): the key is the
event ("event:123") for event rules and the status period ("time:pending:<since>") for time
rules, so redelivered events and repeated sweeps fire a rule once.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from frontline.automation import actions as rule_actions
from frontline.automation import conditions
from frontline.automation.models import Rule, RuleExecution, Trigger
from frontline.automation.routing import Simulation
from frontline.automation.snapshot import event_dict, snapshot, snapshots, ticket_rows
from frontline.tickets import events
from frontline.tickets.models import Status, Ticket, TicketEvent

log = logging.getLogger(__name__)

MAX_CHAIN = 5
DRY_RUN_DEFAULT = 200
DRY_RUN_MAX = 1000
EVENTS_PER_TICKET = 20  # how far back a dry run looks in each ticket's history
TIME_BATCH = 500

UPDATE_KINDS = ("field_changed", "assigned", "escalated", "status_changed")


def triggers_for(kind: str, data: Mapping[str, Any] | None) -> list[str]:
    """The triggers an event of ``kind`` (with ``data``) sets off."""
    data = data or {}
    found: list[str] = []
    if kind == "created":
        found.append(Trigger.CREATED)
    elif kind == "replied":
        found.append(
            Trigger.REPLIED_REQUESTER if data.get("by") == "requester" else Trigger.REPLIED_AGENT
        )
    elif kind == "sla_warning":
        found.append(Trigger.SLA_WARNING)
    elif kind == "sla_breached":
        found.append(Trigger.SLA_BREACHED)
    if kind == "status_changed":
        found.append(Trigger.STATUS_CHANGED)
    if kind in UPDATE_KINDS:
        found.append(Trigger.UPDATED)
    return found


def kinds_for(trigger: str) -> tuple[str, ...]:
    """The event kinds that can set off ``trigger``."""
    table: dict[str, tuple[str, ...]] = {
        Trigger.CREATED: ("created",),
        Trigger.UPDATED: UPDATE_KINDS,
        Trigger.REPLIED_REQUESTER: ("replied",),
        Trigger.REPLIED_AGENT: ("replied",),
        Trigger.STATUS_CHANGED: ("status_changed",),
        Trigger.SLA_WARNING: ("sla_warning",),
        Trigger.SLA_BREACHED: ("sla_breached",),
    }
    return table.get(trigger, ())


def rule_cause(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``{"rule": id, "depth": n}`` when the event was caused by a rule, else None."""
    data = data or {}
    if data.get("by") == "rule":
        return {"rule": data.get("rule"), "depth": int(data.get("depth") or 1)}
    nested = data.get("origin")
    if isinstance(nested, Mapping) and nested.get("by") == "rule":
        return {"rule": nested.get("rule"), "depth": int(nested.get("depth") or 1)}
    if data.get("caused_by_rule"):  # routing done because of a rule's escalation
        return {"rule": data.get("caused_by_rule"), "depth": int(data.get("depth") or 1)}
    return None


_compiled: dict[tuple[Any, ...], conditions.Predicate] = {}


def predicate(rule: Rule) -> conditions.Predicate:
    """The rule's compiled conditions, kept per rule version in this process (the timestamps
    are in the key too, so a recreated rule that reuses an id never gets a stale tree)."""
    key = (rule.pk, rule.version, rule.created_at, rule.updated_at)
    found = _compiled.get(key)
    if found is None:
        found = conditions.compile_tree(rule.conditions)
        if len(_compiled) > 5000:
            _compiled.clear()
        _compiled[key] = found
    return found


def origin_for(rule: Rule, depth: int) -> dict[str, Any]:
    return {
        "by": "rule",
        "rule": rule.pk,
        "rule_version": rule.version,
        "rule_name": rule.name,
        "depth": depth,
    }


def time_key(snap: Mapping[str, Any]) -> str:
    since = snap.get("status_since")
    stamp = since.isoformat() if isinstance(since, dt.datetime) else str(since)
    return f"time:{snap['status']}:{stamp}"[:100]


# -- firing ---------------------------------------------------------------------------------


def fire(
    rule: Rule,
    snap: Mapping[str, Any],
    *,
    key: str,
    depth: int,
    lookups: rule_actions.Lookups | None = None,
) -> RuleExecution | None:
    """Plan and do the rule's actions on the ticket as the rule, once per (rule, ticket, key);
    record a RuleExecution and a ``rule_applied`` event listing what was done or skipped.
    Returns None when it had fired for this key already."""
    with transaction.atomic():
        try:
            with transaction.atomic():  # only the claim: other errors must not read as "done"
                execution = RuleExecution.objects.create(
                    rule=rule, version=rule.version, ticket_id=snap["id"], key=key, depth=depth
                )
        except IntegrityError:  # fired already (a redelivered event, a concurrent sweep)
            return None
        steps = rule_actions.plan(list(rule.actions or []), snap, lookups)
        origin = origin_for(rule, depth)
        rule_actions.perform(steps, snap["id"], origin, rule.name)
        execution.actions = [step.summary for step in steps]
        execution.save(update_fields=["actions"])
        ticket = Ticket.objects.get(pk=snap["id"])
        events.record(
            ticket,
            "rule_applied",
            data={**origin, "key": key, "actions": execution.actions},
        )
    return execution


def run_event_rules(event: TicketEvent) -> list[RuleExecution]:
    """Run the active rules whose trigger this event sets off, in order; return the firings."""
    triggers = triggers_for(event.kind, event.data)
    if not triggers:
        return []
    cause = rule_cause(event.data)
    depth = cause["depth"] if cause else 0
    if depth >= MAX_CHAIN:
        log.warning("rule chain stopped at depth %s on event %s", depth, event.pk)
        return []
    rules = list(
        Rule.objects.filter(is_active=True, trigger__in=triggers).order_by("position", "id")
    )
    if not rules:
        return []
    happened = event_dict(event)
    lookups = rule_actions.Lookups()
    fired: list[RuleExecution] = []
    snap = snapshot(event.ticket_id)
    for rule in rules:
        if snap is None:
            break
        if cause and cause["rule"] == rule.pk:
            continue
        try:
            if not predicate(rule)(snap, happened):
                continue
        except conditions.ConditionError as error:
            log.warning("rule %s has a broken condition: %s", rule.pk, error)
            continue
        execution = fire(rule, snap, key=f"event:{event.pk}", depth=depth + 1, lookups=lookups)
        if execution is not None:
            fired.append(execution)
            snap = snapshot(event.ticket_id)  # later rules see what this one did
    return fired


def _status_prefilter(tree: Any) -> list[str] | None:
    """The statuses a time rule can match at all, from a top-level ``all`` on status."""
    if not isinstance(tree, Mapping) or "all" not in tree:
        return None
    for item in tree["all"]:
        if isinstance(item, Mapping) and item.get("field") == "status":
            if item.get("op") == "is":
                return [str(item.get("value"))]
            if item.get("op") == "in" and isinstance(item.get("value"), list):
                return [str(v) for v in item["value"]]
    return None


def time_candidates(rule: Rule | RuleDraft) -> Any:
    queryset = Ticket.objects.exclude(status=Status.CLOSED).filter(merged_into__isnull=True)
    statuses = _status_prefilter(rule.conditions)
    if statuses is not None:
        queryset = queryset.filter(status__in=statuses)
    return queryset


def run_time_rules(*, now: dt.datetime | None = None) -> int:
    """Fire the active time rules on every ticket they match now, once per status period;
    return how many firings."""
    now = now or timezone.now()
    fired = 0
    for rule in Rule.objects.filter(is_active=True, trigger=Trigger.TIME).order_by(
        "position", "id"
    ):
        last_id = 0
        while True:
            chunk = list(
                ticket_rows(time_candidates(rule).filter(pk__gt=last_id).order_by("pk"))[
                    :TIME_BATCH
                ]
            )
            if not chunk:
                break
            last_id = chunk[-1].pk
            snaps = snapshots(chunk, now)
            done = set(
                RuleExecution.objects.filter(
                    rule=rule, ticket_id__in=[t.pk for t in chunk]
                ).values_list("ticket_id", "key")
            )
            lookups = rule_actions.Lookups()
            for snap in snaps.values():
                key = time_key(snap)
                if (snap["id"], key) in done:
                    continue
                try:
                    if not predicate(rule)(snap, None):
                        continue
                except conditions.ConditionError as error:
                    log.warning("rule %s has a broken condition: %s", rule.pk, error)
                    break
                if fire(rule, snap, key=key, depth=1, lookups=lookups) is not None:
                    fired += 1
    return fired


# -- dry run --------------------------------------------------------------------------------


@dataclass
class RuleDraft:
    """What a dry run evaluates: a saved rule or the form's unsaved content."""

    trigger: str
    conditions: Any
    actions: list[dict[str, Any]]
    pk: int | None = None


@dataclass
class DryRunRow:
    ticket_id: int
    number: int
    title: str
    matched: bool
    event_id: int | None = None
    event_kind: str = ""
    already_fired: bool = False
    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DryRunResult:
    examined: int
    rows: list[DryRunRow]
    seconds: float

    @property
    def matched(self) -> list[DryRunRow]:
        return [row for row in self.rows if row.matched]


def dry_run(
    draft: RuleDraft, *, limit: int = DRY_RUN_DEFAULT, now: dt.datetime | None = None
) -> DryRunResult:
    """Which of the last ``limit`` tickets the rule would match, and what it would do to each,
    without writing anything. Event rules are evaluated against each ticket's recent events
    of the trigger's kinds (the most recent matching event counts), time rules against the
    current state. Each rule is judged alone (earlier rules' effects are not simulated)."""
    started = time.perf_counter()
    now = now or timezone.now()
    limit = max(1, min(int(limit), DRY_RUN_MAX))
    tickets = list(ticket_rows(Ticket.objects.order_by("-created_at", "-id"))[:limit])
    snaps = snapshots(tickets, now)
    ids = [t.pk for t in tickets]
    fired_keys: set[tuple[int, str]] = set()
    if draft.pk is not None:
        fired_keys = set(
            RuleExecution.objects.filter(rule_id=draft.pk, ticket_id__in=ids).values_list(
                "ticket_id", "key"
            )
        )
    lookups = rule_actions.Lookups(simulation=Simulation())
    rows: list[DryRunRow] = []
    by_ticket: dict[int, list[TicketEvent]] = {}
    if draft.trigger != Trigger.TIME:
        kinds = kinds_for(draft.trigger)
        for event in TicketEvent.objects.filter(ticket_id__in=ids, kind__in=kinds).order_by(
            "-at", "-id"
        ):
            bucket = by_ticket.setdefault(event.ticket_id, [])
            if len(bucket) < EVENTS_PER_TICKET:
                bucket.append(event)
    # Oldest first, as live rules would have met them: routing previews of a batch then
    # follow the round-robin order and loads that live routing would.
    for ticket in reversed(tickets):
        snap = snaps[ticket.pk]
        row = DryRunRow(ticket.pk, ticket.number, ticket.title, matched=False)
        if draft.trigger == Trigger.TIME:
            if ticket.status != Status.CLOSED and conditions.matches(draft.conditions, snap):
                row.matched = True
                row.already_fired = (ticket.pk, time_key(snap)) in fired_keys
        else:
            for event in by_ticket.get(ticket.pk, []):
                if draft.trigger not in triggers_for(event.kind, event.data):
                    continue
                cause = rule_cause(event.data)
                if cause and (cause["depth"] >= MAX_CHAIN or cause["rule"] == draft.pk):
                    continue
                if conditions.matches(draft.conditions, snap, event_dict(event)):
                    row.matched, row.event_id, row.event_kind = True, event.pk, event.kind
                    row.already_fired = (ticket.pk, f"event:{event.pk}") in fired_keys
                    break
        if row.matched:
            row.actions = [step.summary for step in rule_actions.plan(draft.actions, snap, lookups)]
        rows.append(row)
    rows.reverse()
    return DryRunResult(examined=len(tickets), rows=rows, seconds=time.perf_counter() - started)
