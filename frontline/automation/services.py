"""Automation services: rules (with versions), canned responses, agent availability and team
routing. Each checks its policy, validates (ValidationError with field messages; nothing is
written then) and runs in one transaction."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from frontline.accounts.models import Team, User
from frontline.automation import actions as rule_actions
from frontline.automation import conditions, engine, policies
from frontline.automation.models import (
    AgentSkill,
    AgentStatus,
    Availability,
    CannedResponse,
    RoutingMode,
    Rule,
    RuleVersion,
    TeamRouting,
    Trigger,
)
from frontline.core.errors import Conflict, NotFound, ValidationError
from frontline.core.safe_templates import TemplateProblem, render_safe, template_problems
from frontline.tickets import policies as ticket_policies
from frontline.tickets.models import Category, Ticket
from frontline.tickets.template_context import TICKET_PLACEHOLDERS, ticket_context

UNSET: Any = object()
MAX_NAME = 200
MAX_BODY = 20_000


def _require_rules(actor: User) -> None:
    if not policies.can_manage_rules(actor):
        raise NotFound("No such page.")


# -- rules ----------------------------------------------------------------------------------


def _clean_rule(
    *, name: str, trigger: str, conditions_tree: Any, actions: Any, exclude: int | None = None
) -> tuple[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = ["Give the rule a name."]
    elif len(name) > MAX_NAME:
        errors["name"] = [f"At most {MAX_NAME} characters."]
    elif Rule.objects.filter(name__iexact=name).exclude(pk=exclude or 0).exists():
        errors["name"] = ["Another rule has this name."]
    if trigger not in Trigger.values:
        errors["trigger"] = [f"One of: {', '.join(Trigger.values)}."]
    if conditions_tree in (None, ""):
        conditions_tree = {}
    errors.update(conditions.validate(conditions_tree))
    if trigger == Trigger.TIME and _uses_event_ops(conditions_tree):
        errors.setdefault("conditions", []).append(
            "A time rule has no triggering event: changed / changed to / changed from do not apply."
        )
    errors.update(rule_actions.validate(actions))
    _refuse_non_finite(conditions_tree, "conditions", errors)
    _refuse_non_finite(actions, "actions", errors)
    if errors:
        raise ValidationError("The rule has problems.", errors=errors)
    return name, conditions_tree


def _refuse_non_finite(value: Any, path: str, errors: dict[str, list[str]]) -> None:
    """NaN and ±Infinity (which Python's JSON reader accepts) are no JSON: no database
    stores them, so they are a field error rather than a crash when saving. Iterative: an
    API body may nest as deep as its parser allows."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            errors.setdefault(where, []).append("A finite number.")
        elif isinstance(item, Mapping):
            stack.extend((child, f"{where}.{key}") for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, f"{where}.{index}") for index, child in enumerate(item))


def _uses_event_ops(tree: Any) -> bool:
    if not isinstance(tree, Mapping):
        return False
    for items in tree.values():
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping) and (
                item.get("op") in conditions.EVENT_OPS
                or _uses_event_ops({k: v for k, v in item.items() if k in ("all", "any")})
            ):
                return True
    return False


def _snapshot(rule: Rule, actor: User | None) -> RuleVersion:
    return RuleVersion.objects.create(
        rule=rule,
        number=rule.version,
        name=rule.name,
        trigger=rule.trigger,
        conditions=rule.conditions,
        actions=rule.actions,
        is_active=rule.is_active,
        edited_by=actor,
    )


def rule_create(
    *,
    actor: User,
    name: str,
    trigger: str,
    conditions_tree: Any,
    actions: Any,
    description: str = "",
    position: int = 0,
    is_active: bool = False,
) -> Rule:
    """Create a rule (coordinators and admins; others get NotFound) and its version 1.
    New rules are off by default: dry-run them, then switch them on."""
    _require_rules(actor)
    name, conditions_tree = _clean_rule(
        name=name, trigger=trigger, conditions_tree=conditions_tree, actions=actions
    )
    with transaction.atomic():
        rule = Rule.objects.create(
            name=name,
            description=(description or "").strip(),
            trigger=trigger,
            conditions=conditions_tree,
            actions=actions,
            position=max(0, int(position)),
            is_active=is_active,
            created_by=actor,
        )
        _snapshot(rule, actor)
    return rule


def rule_update(
    *,
    actor: User,
    rule: Rule,
    version: int | None,
    name: str = UNSET,
    trigger: str = UNSET,
    conditions_tree: Any = UNSET,
    actions: Any = UNSET,
    description: str = UNSET,
    position: int = UNSET,
    is_active: bool = UNSET,
) -> Rule:
    """Change a rule; every change raises its version and stores a RuleVersion snapshot.
    ``version`` (when given) must be the rule's current one, else Conflict."""
    _require_rules(actor)
    with transaction.atomic():
        current = Rule.objects.select_for_update().filter(pk=rule.pk).first()
        if current is None:
            raise NotFound("No such rule.")
        if version is not None and current.version != version:
            raise Conflict(
                f"The rule was changed meanwhile (you saw version {version}, it is now at "
                f"{current.version}). Reload it; your input was not saved.",
                errors={"version": [f"Outdated: the rule is at version {current.version}."]},
            )
        new_name, new_conditions = _clean_rule(
            name=current.name if name is UNSET else name,
            trigger=current.trigger if trigger is UNSET else trigger,
            conditions_tree=current.conditions if conditions_tree is UNSET else conditions_tree,
            actions=current.actions if actions is UNSET else actions,
            exclude=current.pk,
        )
        changed = {
            "name": new_name,
            "trigger": current.trigger if trigger is UNSET else trigger,
            "conditions": new_conditions,
            "actions": current.actions if actions is UNSET else actions,
            "description": current.description if description is UNSET else description.strip(),
            "position": current.position if position is UNSET else max(0, int(position)),
            "is_active": current.is_active if is_active is UNSET else bool(is_active),
        }
        if all(getattr(current, k) == v for k, v in changed.items()):
            return current
        for key, value in changed.items():
            setattr(current, key, value)
        current.version += 1
        current.save()
        _snapshot(current, actor)
    return current


def rule_check(*, actor: User, trigger: str, conditions_tree: Any, actions: Any) -> None:
    """Validate a rule's trigger, conditions and actions without saving anything (the rule
    builder shows every message at once, even while the name is still missing). Raises
    ValidationError with messages by path, exactly as ``rule_create`` would."""
    _require_rules(actor)
    errors: dict[str, list[str]] = {}
    try:
        _clean_rule(
            name="draft",
            trigger=trigger,
            conditions_tree=conditions_tree,
            actions=actions,
            exclude=-1,
        )
    except ValidationError as error:
        errors = {k: v for k, v in error.errors.items() if k != "name"}
    if errors:
        raise ValidationError("The rule has problems.", errors=errors)


def rule_delete(*, actor: User, rule: Rule) -> None:
    """Delete a rule with its versions and executions (switching it off keeps the history)."""
    _require_rules(actor)
    rule.delete()


def rule_dry_run(
    *,
    actor: User,
    rule: Rule | None = None,
    draft: engine.RuleDraft | None = None,
    limit: int = engine.DRY_RUN_DEFAULT,
) -> engine.DryRunResult:
    """What ``rule`` (or an unsaved ``draft``, validated first) would do on the last ``limit``
    tickets. Reads only."""
    _require_rules(actor)
    if draft is None:
        if rule is None:
            raise ValidationError.field("rule", "Give a rule.")
        draft = engine.RuleDraft(rule.trigger, rule.conditions, list(rule.actions), rule.pk)
    else:
        _clean_rule(
            name="draft",
            trigger=draft.trigger,
            conditions_tree=draft.conditions,
            actions=draft.actions,
            exclude=draft.pk or -1,
        )
    if not 1 <= int(limit) <= engine.DRY_RUN_MAX:
        raise ValidationError.field("limit", f"Between 1 and {engine.DRY_RUN_MAX}.")
    return engine.dry_run(draft, limit=limit)


# -- canned responses -----------------------------------------------------------------------


def _clean_canned(title: str, body: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = ["Give it a title."]
    elif len(title) > MAX_NAME:
        errors["title"] = [f"At most {MAX_NAME} characters."]
    body = (body or "").strip()
    if not body:
        errors["body"] = ["Write the response."]
    elif len(body) > MAX_BODY:
        errors["body"] = [f"At most {MAX_BODY:,} characters."]
    else:
        problems = template_problems(body, allowed_names=TICKET_PLACEHOLDERS)
        if problems:
            errors["body"] = problems
    if errors:
        raise ValidationError("The canned response has problems.", errors=errors)
    return title, body


def _check_team(actor: User, team: Team | None) -> None:
    if (
        team is not None
        and actor.role != "admin"
        and not actor.memberships.filter(team=team).exists()
    ):
        raise ValidationError.field("team", f"You are not a member of {team}.")


def canned_create(
    *, actor: User, title: str, body: str, team: Team | None = None, is_active: bool = True
) -> CannedResponse:
    """Create a canned response (coordinators, managers, admins). The body is a template over
    the ticket placeholders, checked now: a syntax error or unknown name is a field error."""
    if not policies.can_edit_canned(actor):
        raise NotFound("No such page.")
    title, body = _clean_canned(title, body)
    _check_team(actor, team)
    return CannedResponse.objects.create(
        title=title, body=body, team=team, created_by=actor, is_active=is_active
    )


def canned_update(
    *,
    actor: User,
    canned: CannedResponse,
    title: str = UNSET,
    body: str = UNSET,
    team: Team | None = UNSET,
    is_active: bool = UNSET,
) -> CannedResponse:
    """Change a canned response (same rules as ``canned_create``)."""
    if not policies.can_edit_canned(actor):
        raise NotFound("No such canned response.")
    new_title, new_body = _clean_canned(
        canned.title if title is UNSET else title, canned.body if body is UNSET else body
    )
    if team is not UNSET:
        _check_team(actor, team)
        canned.team = team
    canned.title, canned.body = new_title, new_body
    if is_active is not UNSET:
        canned.is_active = bool(is_active)
    canned.save()
    return canned


def canned_render(*, actor: User, canned: CannedResponse, ticket: Ticket) -> str:
    """The response's text for ``ticket`` as ``actor`` would send it (sandboxed; plain values
    only). The actor must be on the desk and see the ticket (else NotFound)."""
    if not policies.can_use_canned(actor) or not ticket_policies.can_view_ticket(actor, ticket):
        raise NotFound("No such ticket.")
    try:
        return render_safe(canned.body, ticket_context(ticket, agent=actor))
    except TemplateProblem as error:
        raise ValidationError.field("body", f"The response cannot be rendered: {error}") from None


# -- availability and routing ---------------------------------------------------------------


def agent_status_set(
    *,
    actor: User,
    agent: User | None = None,
    status: str = UNSET,
    away_from: dt.date | None = UNSET,
    away_until: dt.date | None = UNSET,
    languages: Iterable[str] = UNSET,
) -> AgentStatus:
    """Set an agent's availability (online / away / out of office), out-of-office dates and
    the languages they handle: one's own (any desk user), or ``agent``'s for coordinators,
    admins and the lead of a team ``agent`` is in (anyone else: NotFound)."""
    if not policies.can_set_availability(actor):
        raise NotFound("No such page.")
    target = actor if agent is None else agent
    if target.pk != actor.pk and not policies.can_manage_agent(actor, target):
        raise NotFound("No such agent.")
    row = AgentStatus.objects.filter(user=target).first() or AgentStatus(user=target)
    errors: dict[str, list[str]] = {}
    if status is not UNSET:
        if status not in Availability.values:
            errors["status"] = [f"One of: {', '.join(Availability.values)}."]
        else:
            row.status = status
    if away_from is not UNSET:
        row.away_from = away_from
    if away_until is not UNSET:
        row.away_until = away_until
    if row.away_from and row.away_until and row.away_until < row.away_from:
        errors["away_until"] = ["The last day comes after the first."]
    if languages is not UNSET:
        cleaned = []
        for code in languages:
            code = str(code).strip().lower()
            if code and (len(code) > 10 or not code.replace("-", "").isalpha()):
                errors["languages"] = [f"“{code}” is not a language code like en or pt-br."]
            elif code and code not in cleaned:
                cleaned.append(code)
        row.languages = cleaned
    if errors:
        who = "Your availability" if target.pk == actor.pk else f"{target}'s availability"
        raise ValidationError(f"{who} has problems.", errors=errors)
    row.save()
    return row


def agent_skills_set(
    *, actor: User, agent: User, categories: Iterable[Category], team: Team | None = None
) -> list[AgentSkill]:
    """Replace ``agent``'s skills (categories they handle, with their sub-categories) within
    a scope: ``team``'s categories when given, else every category for coordinators and
    admins and the categories of the teams they lead for team leads. Skills outside the
    scope are kept. A category outside the scope is a field error on ``skills``; someone who
    may not manage ``agent`` (or ``team``) gets NotFound. Returns the agent's skills."""
    if not policies.can_manage_agent(actor, agent):
        raise NotFound("No such agent.")
    if team is not None and not policies.can_manage_team_agents(actor, team):
        raise NotFound("No such team.")
    scope = Category.objects.all()
    if team is not None:
        scope = scope.filter(team=team)
    elif not policies.can_manage_rules(actor):
        scope = scope.filter(team__lead=actor)
    allowed = set(scope.values_list("id", flat=True))
    wanted = {category.pk: category for category in categories}
    outside = [str(c) for pk, c in wanted.items() if pk not in allowed]
    if outside:
        raise ValidationError.field(
            "skills", f"Not a category you may give here: {', '.join(sorted(outside))}."
        )
    with transaction.atomic():
        AgentSkill.objects.filter(user=agent, category_id__in=allowed).exclude(
            category_id__in=wanted
        ).delete()
        have = set(AgentSkill.objects.filter(user=agent).values_list("category_id", flat=True))
        AgentSkill.objects.bulk_create(
            [AgentSkill(user=agent, category_id=pk) for pk in wanted if pk not in have]
        )
    return list(AgentSkill.objects.filter(user=agent).select_related("category"))


def agent_routing_set(
    *,
    actor: User,
    agent: User,
    team: Team | None = None,
    status: str = UNSET,
    away_from: dt.date | None = UNSET,
    away_until: dt.date | None = UNSET,
    languages: Iterable[str] = UNSET,
    categories: Iterable[Category] = UNSET,
) -> AgentStatus:
    """Availability, languages and skills of ``agent`` in one go (``agent_status_set`` then
    ``agent_skills_set``, same permissions): all saved, or nothing when either refuses."""
    if not policies.can_manage_agent(actor, agent):
        raise NotFound("No such agent.")
    with transaction.atomic():
        row = agent_status_set(
            actor=actor,
            agent=agent,
            status=status,
            away_from=away_from,
            away_until=away_until,
            languages=languages,
        )
        if categories is not UNSET:
            agent_skills_set(actor=actor, agent=agent, categories=categories, team=team)
    return row


def team_routing_set(
    *, actor: User, team: Team, mode: str, unassign_after: int | None = None
) -> TeamRouting:
    """Configure a team's routing (coordinators and admins)."""
    _require_rules(actor)
    errors: dict[str, list[str]] = {}
    if mode not in RoutingMode.values:
        errors["mode"] = [f"One of: {', '.join(RoutingMode.values)}."]
    if unassign_after is not None and not 1 <= unassign_after <= 60 * 24 * 30:
        errors["unassign_after"] = ["Between 1 minute and 30 days (in minutes), or empty."]
    if errors:
        raise ValidationError("The routing has problems.", errors=errors)
    row, _ = TeamRouting.objects.update_or_create(
        team=team, defaults={"mode": mode, "unassign_after": unassign_after}
    )
    return row
