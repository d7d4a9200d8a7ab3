"""Rule actions: validating them, planning them against a snapshot (read-only, what the dry
run shows), and carrying out a plan through the ticket services as the rule.

Planning and doing share one code path: ``plan`` decides, for each configured action, what it
will do or why it is skipped (an illegal status move, a value already set, nobody to notify),
updating a copy of the snapshot as it goes so later actions see earlier ones. ``perform`` then
does exactly the planned steps. So the dry run predicts what the live rule does.

Actions (JSON):
- ``{"type": "set_field", "field": "status", "value": "pending", "pending_reason": "requester"}``
  (fields: status, priority, type, team, tier, category);
- ``{"type": "assign", "to": 12}`` or ``{"type": "assign", "to": "routing"}``;
- ``{"type": "add_tag", "tag": "vip"}``; ``{"type": "add_watcher", "user": 12}``;
- ``{"type": "canned_reply", "canned_response": 3}``;
- ``{"type": "notify", "to": "assignee" | "team_lead" | "user", "user": 12,
  "subject": "...", "body": "..."}`` (subject and body are templates);
- ``{"type": "escalate", "team": 4, "tier": "l2"}`` (both optional: next tier of the team).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from frontline.accounts.models import Team, TeamMembership, Tier, User
from frontline.automation.models import CannedResponse, RoutingMode, TeamRouting
from frontline.core.errors import DomainError
from frontline.core.mail import queue_email
from frontline.core.safe_templates import TemplateProblem, render_safe, template_problems
from frontline.tickets import lifecycle
from frontline.tickets.models import Category, Priority, Status, Ticket, TicketType
from frontline.tickets.template_context import TICKET_PLACEHOLDERS, ticket_context

ACTION_TYPES = (
    "set_field",
    "assign",
    "add_tag",
    "add_watcher",
    "canned_reply",
    "notify",
    "escalate",
)
SETTABLE = ("status", "priority", "type", "team", "tier", "category")
NOTIFY_TO = ("assignee", "team_lead", "user")
MAX_ACTIONS = 20


# -- validation -----------------------------------------------------------------------------


def validate(actions: Any, path: str = "actions") -> dict[str, list[str]]:
    """Field messages for everything wrong with the action list (empty when usable)."""
    errors: dict[str, list[str]] = {}

    def add(where: str, message: str) -> None:
        errors.setdefault(where, []).append(message)

    if not isinstance(actions, list):
        add(path, "A list of actions.")
        return errors
    if not actions:
        add(path, "Give at least one action.")
    if len(actions) > MAX_ACTIONS:
        add(path, f"At most {MAX_ACTIONS} actions.")
    for index, action in enumerate(actions):
        where = f"{path}.{index}"
        if not isinstance(action, Mapping) or action.get("type") not in ACTION_TYPES:
            add(f"{where}.type", f"Unknown action. Known: {', '.join(ACTION_TYPES)}.")
            continue
        kind = action["type"]
        if kind == "set_field":
            name, value = action.get("field"), action.get("value")
            if name not in SETTABLE:
                add(f"{where}.field", f"One of: {', '.join(SETTABLE)}.")
            elif name == "status" and value not in Status.values:
                add(f"{where}.value", f"One of: {', '.join(Status.values)}.")
            elif name == "priority" and value not in Priority.values:
                add(f"{where}.value", f"One of: {', '.join(Priority.values)}.")
            elif name == "type" and value not in TicketType.values:
                add(f"{where}.value", f"One of: {', '.join(TicketType.values)}.")
            elif name == "tier" and value not in Tier.values:
                add(f"{where}.value", f"One of: {', '.join(Tier.values)}.")
            elif name == "team" and not Team.objects.filter(pk=_int(value)).exists():
                add(f"{where}.value", f"No team with id {value}.")
            elif name == "category" and not Category.objects.filter(pk=_int(value)).exists():
                add(f"{where}.value", f"No category with id {value}.")
            if (
                name == "status"
                and value == Status.PENDING
                and action.get("pending_reason") not in ("requester", "third_party")
            ):
                add(f"{where}.pending_reason", "requester or third_party.")
        elif kind == "assign":
            to = action.get("to")
            if to != "routing" and not _active_agent(to):
                add(f"{where}.to", "An active desk user's id, or “routing”.")
        elif kind == "add_tag":
            tag = action.get("tag")
            if not isinstance(tag, str) or not tag.strip() or len(tag) > 50:
                add(f"{where}.tag", "A tag name (at most 50 characters).")
        elif kind == "add_watcher":
            if not User.objects.filter(pk=_int(action.get("user")), is_active=True).exists():
                add(f"{where}.user", "An active user's id.")
        elif kind == "canned_reply":
            if not CannedResponse.objects.filter(
                pk=_int(action.get("canned_response")), is_active=True
            ).exists():
                add(f"{where}.canned_response", "An active canned response's id.")
        elif kind == "notify":
            to = action.get("to")
            if to not in NOTIFY_TO:
                add(f"{where}.to", f"One of: {', '.join(NOTIFY_TO)}.")
            elif (
                to == "user"
                and not User.objects.filter(pk=_int(action.get("user")), is_active=True).exists()
            ):
                add(f"{where}.user", "An active user's id.")
            for part in ("subject", "body"):
                text = action.get(part)
                if not isinstance(text, str) or not text.strip():
                    add(f"{where}.{part}", "Required.")
                    continue
                for problem in template_problems(text, allowed_names=TICKET_PLACEHOLDERS):
                    add(f"{where}.{part}", problem)
        elif kind == "escalate":
            if action.get("tier") not in (None, "", *Tier.values):
                add(f"{where}.tier", f"One of: {', '.join(Tier.values)}.")
            if (
                action.get("team") not in (None, "")
                and not Team.objects.filter(pk=_int(action.get("team"))).exists()
            ):
                add(f"{where}.team", f"No team with id {action.get('team')}.")
    return errors


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _active_agent(value: Any) -> bool:
    user = User.objects.filter(pk=_int(value), is_active=True).first()
    return user is not None and user.is_agent_like


# -- planning -------------------------------------------------------------------------------


@dataclass
class Lookups:
    """Read-only lookups shared by one evaluation pass (cached: a dry run over 200 tickets
    asks for each team or user once)."""

    users: dict[int, User | None] = field(default_factory=dict)
    teams: dict[int, Team | None] = field(default_factory=dict)
    members: dict[int, set[int]] = field(default_factory=dict)
    canned: dict[int, CannedResponse | None] = field(default_factory=dict)
    categories: dict[int, Category | None] = field(default_factory=dict)
    modes: dict[int, str] = field(default_factory=dict)
    # Set for dry runs: routing previews then remember the cursors they would have moved and
    # the tickets they would have handed out, so a batch is predicted as live routing does it.
    simulation: Any = None

    def routed_agent(self, mode: str, snap: Mapping[str, Any]) -> User | None:
        """Who routing in ``mode`` would give the ticket now (no writes: the shared routing
        decision with ``advance=False``)."""
        from frontline.automation import routing

        category = self.category(snap["category"]) if snap.get("category") else None
        return routing.choose(
            mode=mode,
            team_id=snap["team"],
            tier=str(snap["tier"]),
            category=category,
            language=str(snap.get("language") or ""),
            advance=False,
            simulation=self.simulation,
        )

    def user(self, pk: Any) -> User | None:
        key = _int(pk)
        if key not in self.users:
            self.users[key] = User.objects.filter(pk=key, is_active=True).first()
        return self.users[key]

    def team(self, pk: Any) -> Team | None:
        key = _int(pk)
        if key not in self.teams:
            self.teams[key] = Team.objects.select_related("lead").filter(pk=key).first()
        return self.teams[key]

    def team_members(self, pk: int | None) -> set[int]:
        if pk is None:
            return set()
        if pk not in self.members:
            self.members[pk] = set(
                TeamMembership.objects.filter(team_id=pk).values_list("user_id", flat=True)
            )
        return self.members[pk]

    def canned_response(self, pk: Any) -> CannedResponse | None:
        key = _int(pk)
        if key not in self.canned:
            self.canned[key] = CannedResponse.objects.filter(pk=key, is_active=True).first()
        return self.canned[key]

    def category(self, pk: Any) -> Category | None:
        key = _int(pk)
        if key not in self.categories:
            self.categories[key] = Category.objects.filter(pk=key).first()
        return self.categories[key]

    def mode(self, team_id: int | None) -> str:
        if team_id is None:
            return RoutingMode.MANUAL
        if team_id not in self.modes:
            routing = TeamRouting.objects.filter(team_id=team_id).first()
            self.modes[team_id] = routing.mode if routing else RoutingMode.MANUAL
        return self.modes[team_id]


@dataclass
class Step:
    action: dict[str, Any]
    summary: dict[str, Any]

    @property
    def skipped(self) -> bool:
        return "skipped" in self.summary


def plan(
    actions: list[dict[str, Any]], ticket: Mapping[str, Any], lookups: Lookups | None = None
) -> list[Step]:
    """What each action will do to the ticket (read-only; no writes)."""
    lookups = lookups or Lookups()
    snap = copy.deepcopy(dict(ticket))
    return [Step(dict(a), _plan_one(a, snap, lookups)) for a in actions]


def _skip(summary: dict[str, Any], reason: str) -> dict[str, Any]:
    return {**summary, "skipped": reason}


def _plan_one(action: Mapping[str, Any], snap: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    kind = action.get("type")
    closed = snap["status"] == Status.CLOSED
    if kind == "set_field":
        name, value = action.get("field"), action.get("value")
        summary: dict[str, Any] = {"type": kind, "field": name, "to": value}
        if name == "status":
            reason = str(action.get("pending_reason") or "")
            try:
                lifecycle.check_transition(
                    snap["status"],
                    str(value),
                    pending_reason=reason,
                    old_reason=snap["pending_reason"],
                )
            except DomainError as error:
                return _skip(summary, error.detail)
            snap["status"], snap["pending_reason"] = value, reason
            return summary
        if name in ("priority", "type"):
            if snap[name] == value:
                return _skip(summary, f"The {name} is already {value}.")
            snap[name] = value
            return summary
        if name == "team":
            team = lookups.team(value)
            if team is None:
                return _skip(summary, "No such team.")
            if closed:
                return _skip(summary, "The ticket is closed.")
            if team.pk == snap["team"]:
                return _skip(summary, f"The ticket is already with {team}.")
            _moved(snap, team.pk, Tier.L1)
            return summary
        if name == "tier":
            if closed:
                return _skip(summary, "The ticket is closed.")
            order = [t.value for t in Tier.order()]
            if value not in order or order.index(value) <= order.index(snap["tier"]):
                return _skip(summary, "Escalation goes to a higher tier.")
            _moved(snap, snap["team"], str(value))
            return summary
        if name == "category":
            category = lookups.category(value)
            if category is None:
                return _skip(summary, "No such category.")
            if category.team_id != snap["team"]:
                return _skip(summary, "The category belongs to another team.")
            if snap["category"] == category.pk:
                return _skip(summary, "The category is already set.")
            snap["category"] = category.pk
            return summary
        return _skip(summary, "Unknown field.")
    if kind == "assign":
        to = action.get("to")
        summary = {"type": kind, "to": to}
        if to == "routing":
            if snap["assignee"] is not None:
                return _skip(summary, "The ticket is already assigned.")
            if snap["status"] not in lifecycle.OPEN_STATUSES:
                return _skip(summary, "Only open tickets are routed.")
            mode = lookups.mode(snap["team"])
            if mode == RoutingMode.MANUAL:
                return _skip(summary, "The team routes manually.")
            summary["mode"] = mode
            agent = lookups.routed_agent(mode, snap)
            if agent is None:
                return _skip(summary, "Nobody in the team is available at this tier.")
            summary["agent"], summary["agent_name"] = agent.pk, str(agent)
            snap["assignee"] = agent.pk
            return summary
        user = lookups.user(to)
        if user is None or not user.is_agent_like:
            return _skip(summary, "Not an active desk user.")
        if snap["team"] is None or user.pk not in lookups.team_members(snap["team"]):
            return _skip(summary, f"{user} is not a member of the ticket's team.")
        if snap["assignee"] == user.pk:
            return _skip(summary, f"Already assigned to {user}.")
        snap["assignee"] = user.pk
        return summary
    if kind == "add_tag":
        tag = " ".join(str(action.get("tag", "")).split()).lower()
        summary = {"type": kind, "tag": tag}
        if tag in snap["tags"]:
            return _skip(summary, "Already tagged.")
        snap["tags"] = sorted([*snap["tags"], tag])
        return summary
    if kind == "add_watcher":
        user = lookups.user(action.get("user"))
        summary = {"type": kind, "user": _int(action.get("user"))}
        if user is None:
            return _skip(summary, "No such active user.")
        if user.pk in snap.get("watchers", []):
            return _skip(summary, "Already watching.")
        snap["watchers"] = sorted([*snap.get("watchers", []), user.pk])
        return summary
    if kind == "canned_reply":
        canned = lookups.canned_response(action.get("canned_response"))
        summary = {"type": kind, "canned_response": _int(action.get("canned_response"))}
        if canned is None:
            return _skip(summary, "No such active canned response.")
        if closed:
            return _skip(summary, "A closed ticket takes no replies.")
        if snap["status"] == Status.NEW:
            snap["status"] = Status.OPEN
        return summary
    if kind == "notify":
        to = action.get("to")
        summary = {"type": kind, "to": to}
        emails = _recipients(action, snap, lookups)
        if not emails:
            return _skip(summary, "Nobody to notify.")
        summary["emails"] = emails
        return summary
    if kind == "escalate":
        summary = {"type": kind}
        if closed:
            return _skip(summary, "A closed ticket cannot be escalated.")
        team_id = _int(action.get("team")) or None
        tier = action.get("tier") or None
        if team_id is not None and team_id != snap["team"]:
            if lookups.team(team_id) is None:
                return _skip(summary, "No such team.")
            _moved(snap, team_id, str(tier or Tier.L1))
            summary.update(team=team_id, tier=str(tier or Tier.L1))
            return summary
        order = [t.value for t in Tier.order()]
        current = order.index(snap["tier"])
        if tier is None:
            if current + 1 >= len(order):
                return _skip(summary, "The ticket is already at the last tier.")
            tier = order[current + 1]
        elif tier not in order or order.index(tier) <= current:
            return _skip(summary, "Escalation goes to a higher tier.")
        _moved(snap, snap["team"], str(tier))
        summary["tier"] = tier
        return summary
    return {"type": kind, "skipped": "Unknown action."}


def _moved(snap: dict[str, Any], team: int | None, tier: str) -> None:
    if team != snap["team"]:
        snap["category"] = None
        snap["category_path"] = []
    snap["team"], snap["tier"], snap["assignee"] = team, tier, None


def _recipients(action: Mapping[str, Any], snap: Mapping[str, Any], lookups: Lookups) -> list[str]:
    to = action.get("to")
    user: User | None = None
    if to == "assignee" and snap["assignee"]:
        user = lookups.user(snap["assignee"])
    elif to == "team_lead" and snap["team"]:
        team = lookups.team(snap["team"])
        user = team.lead if team is not None and team.lead and team.lead.is_active else None
    elif to == "user":
        user = lookups.user(action.get("user"))
    return [user.email] if user is not None else []


# -- doing ----------------------------------------------------------------------------------


def perform(steps: list[Step], ticket_id: int, origin: Mapping[str, Any], rule_name: str) -> None:
    """Carry out the planned (not skipped) steps as the rule; inside the caller's transaction.
    A step the services refuse at run time (the ticket changed meanwhile) is marked skipped
    with the reason and the others still run."""
    from frontline.automation.routing import route_ticket
    from frontline.tickets import services

    for step in steps:
        if step.skipped:
            continue
        action, summary = step.action, step.summary
        ticket = Ticket.objects.select_related("team__lead", "assignee", "requester").get(
            pk=ticket_id
        )
        try:
            with transaction.atomic():
                kind = action["type"]
                if kind == "set_field":
                    name, value = action["field"], action["value"]
                    if name == "status":
                        services.ticket_transition(
                            actor=None,
                            ticket=ticket,
                            status=value,
                            pending_reason=str(action.get("pending_reason") or ""),
                            version=None,
                            origin=origin,
                        )
                    elif name in ("priority", "type"):
                        services.ticket_update(
                            actor=None, ticket=ticket, version=None, origin=origin, **{name: value}
                        )
                    elif name == "category":
                        services.ticket_update(
                            actor=None,
                            ticket=ticket,
                            version=None,
                            origin=origin,
                            category=Category.objects.get(pk=_int(value)),
                        )
                    else:  # team or tier: an escalation
                        team = Team.objects.get(pk=_int(value)) if name == "team" else None
                        services.ticket_escalate(
                            actor=None,
                            ticket=ticket,
                            reason=f"rule: {rule_name}",
                            version=None,
                            team=team,
                            tier=str(value) if name == "tier" else None,
                            origin=origin,
                        )
                elif kind == "assign":
                    if action["to"] == "routing":
                        agent = route_ticket(ticket, mode=summary["mode"], origin=origin)
                        if agent is None:
                            summary["skipped"] = "Nobody in the team is available at this tier."
                        elif agent.pk != summary.get("agent"):  # record who it really was
                            summary["agent"], summary["agent_name"] = agent.pk, str(agent)
                    else:
                        services.ticket_assign(
                            actor=None,
                            ticket=ticket,
                            assignee=User.objects.get(pk=_int(action["to"])),
                            version=None,
                            origin=origin,
                        )
                elif kind == "add_tag":
                    names = list(ticket.tags.values_list("name", flat=True))
                    services.ticket_update(
                        actor=None,
                        ticket=ticket,
                        version=None,
                        origin=origin,
                        tags=[*names, summary["tag"]],
                    )
                elif kind == "add_watcher":
                    ids = list(ticket.watchers.values_list("id", flat=True))
                    services.ticket_update(
                        actor=None,
                        ticket=ticket,
                        version=None,
                        origin=origin,
                        watcher_ids=[*ids, summary["user"]],
                    )
                elif kind == "canned_reply":
                    canned = CannedResponse.objects.get(pk=summary["canned_response"])
                    body = render_safe(canned.body, ticket_context(ticket))
                    services.ticket_reply(
                        actor=None, ticket=ticket, body=body, version=None, origin=origin
                    )
                elif kind == "notify":
                    context = ticket_context(ticket, agent=ticket.assignee)
                    subject = render_safe(str(action["subject"]), context).strip()[:200]
                    body = render_safe(str(action["body"]), context)
                    recipients = list(summary["emails"])

                    def send(
                        subject: str = subject, body: str = body, recipients: list[str] = recipients
                    ) -> None:
                        for to in recipients:
                            queue_email(subject=subject, body=body, to=[to])

                    transaction.on_commit(send)
                elif kind == "escalate":
                    team_id = summary.get("team")
                    services.ticket_escalate(
                        actor=None,
                        ticket=ticket,
                        reason=f"rule: {rule_name}",
                        version=None,
                        team=Team.objects.get(pk=team_id) if team_id else None,
                        tier=summary.get("tier"),
                        origin=origin,
                    )
        except (DomainError, TemplateProblem) as error:
            summary["skipped"] = getattr(error, "detail", None) or str(error)
