"""API v1: automation rules (coordinators and admins; 404 for anyone else), their dry runs
and versions, and canned responses (the desk lists and renders them)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from frontline.accounts.models import Team
from frontline.api.schemas import (
    ERRORS,
    OFFSET_PARAMS,
    OffsetQuery,
    actor,
    by_ids,
    offset_page,
    ref,
    reject_unknown,
)
from frontline.automation import selectors, services
from frontline.automation.schemas import (
    AgentRoutingIn,
    AgentRoutingOut,
    CannedCreateIn,
    CannedOut,
    CannedPage,
    DryRunIn,
    DryRunOut,
    RenderedOut,
    RuleCreateIn,
    RuleOut,
    RulePage,
    RuleUpdateIn,
    RuleVersionOut,
    agent_routing_out,
    canned_out,
    dry_run_out,
    rule_out,
    version_out,
)
from frontline.core.errors import ValidationError
from frontline.tickets.models import Category
from frontline.tickets.selectors import ticket_for

router = Router(tags=["Automation"])


def _errors(*codes: int) -> dict[int, Any]:
    return {code: ERRORS[code] for code in codes}


# --- Rules ------------------------------------------------------------------------------------


@router.get("/rules", response={200: RulePage, **_errors(401, 404, 422)})
def list_rules(request: HttpRequest, query: Query[OffsetQuery]) -> dict[str, Any]:
    """All rules in run order (coordinators and admins)."""
    reject_unknown(request, OFFSET_PARAMS)
    rows, next_offset = offset_page(selectors.rules_for(actor(request)), query.limit, query.offset)
    return {"items": [rule_out(r) for r in rows], "next_offset": next_offset}


@router.post("/rules", response={201: RuleOut, **_errors(401, 404, 409, 422)})
def create_rule(request: HttpRequest, payload: RuleCreateIn) -> Status[dict[str, Any]]:
    """Create a rule (off unless ``is_active``). Bad conditions or actions are 422 with a
    message per path, e.g. ``conditions.all.0.op``."""
    rule = services.rule_create(
        actor=actor(request),
        name=payload.name,
        description=payload.description,
        trigger=payload.trigger,
        conditions_tree=payload.conditions,
        actions=payload.actions,
        position=payload.position,
        is_active=payload.is_active,
    )
    return Status(201, rule_out(rule))


@router.get("/rules/{rule_id}", response={200: RuleOut, **_errors(401, 404)})
def get_rule(request: HttpRequest, rule_id: int) -> dict[str, Any]:
    return rule_out(selectors.rule_for(actor(request), rule_id))


@router.patch("/rules/{rule_id}", response={200: RuleOut, **_errors(401, 404, 409, 422)})
def update_rule(request: HttpRequest, rule_id: int, payload: RuleUpdateIn) -> dict[str, Any]:
    """Change a rule; each change is a new version. Send ``version`` to refuse a stale edit."""
    user = actor(request)
    rule = selectors.rule_for(user, rule_id)
    sent = payload.changes(exclude={"version"})
    if "conditions" in sent:
        sent["conditions_tree"] = sent.pop("conditions")
    return rule_out(services.rule_update(actor=user, rule=rule, version=payload.version, **sent))


@router.delete("/rules/{rule_id}", response={204: None, **_errors(401, 404)})
def delete_rule(request: HttpRequest, rule_id: int) -> Status[None]:
    user = actor(request)
    services.rule_delete(actor=user, rule=selectors.rule_for(user, rule_id))
    return Status(204, None)


@router.post("/rules/{rule_id}/dry-run", response={200: DryRunOut, **_errors(401, 404, 422)})
def dry_run(request: HttpRequest, rule_id: int, payload: DryRunIn | None = None) -> dict[str, Any]:
    """Which of the last ``limit`` tickets (default 200) the rule would match and what it would
    do to each. Writes nothing."""
    user = actor(request)
    rule = selectors.rule_for(user, rule_id)
    limit = payload.limit if payload is not None else 200
    return dry_run_out(services.rule_dry_run(actor=user, rule=rule, limit=limit))


@router.get("/rules/{rule_id}/versions", response={200: list[RuleVersionOut], **_errors(401, 404)})
def rule_versions(request: HttpRequest, rule_id: int) -> list[dict[str, Any]]:
    user = actor(request)
    rule = selectors.rule_for(user, rule_id)
    return [version_out(v) for v in selectors.rule_versions(user, rule)]


# --- Agents: availability and skills ---------------------------------------------------------


@router.get(
    "/routing/teams/{team_id}/agents",
    response={200: list[AgentRoutingOut], **_errors(401, 404)},
)
def team_agents(request: HttpRequest, team_id: int) -> list[dict[str, Any]]:
    """The team's agents with availability, languages and skills (category ids):
    coordinators, admins and the team's lead; anyone else gets 404."""
    _team, members = selectors.team_agents(actor(request), team_id)
    return [agent_routing_out(m, tier=_tier_code(m)) for m in members]


def _tier_code(agent: Any) -> str | None:
    tier = getattr(agent, "team_tier_code", None)
    return str(tier) if tier else None


@router.get("/routing/agents/{user_id}", response={200: AgentRoutingOut, **_errors(401, 404)})
def get_agent(request: HttpRequest, user_id: int) -> dict[str, Any]:
    """One agent's availability, languages and skills (who may change them: else 404)."""
    return agent_routing_out(selectors.managed_agent(actor(request), user_id))


@router.patch(
    "/routing/agents/{user_id}", response={200: AgentRoutingOut, **_errors(401, 404, 422)}
)
def update_agent(request: HttpRequest, user_id: int, payload: AgentRoutingIn) -> dict[str, Any]:
    """Change an agent's availability (online / away / out_of_office, dates), languages and
    skills; all or nothing. Coordinators, admins, and team leads for their teams' members."""
    user = actor(request)
    agent = selectors.managed_agent(user, user_id)
    sent = payload.changes(nullable={"away_from", "away_until"}, exclude={"team", "skills"})
    team = ref(Team.objects.all(), payload.team, "team")
    if payload.skills is not None:
        sent["categories"] = by_ids(Category.objects.all(), payload.skills, "skills", "category")
    services.agent_routing_set(actor=user, agent=agent, team=team, **sent)
    return agent_routing_out(selectors.managed_agent(user, user_id))


# --- Canned responses -------------------------------------------------------------------------


@router.get("/canned-responses", response={200: CannedPage, **_errors(401, 404, 422)})
def list_canned(request: HttpRequest, query: Query[OffsetQuery]) -> dict[str, Any]:
    """Active canned responses you may use: shared ones and your teams' (desk only)."""
    reject_unknown(request, OFFSET_PARAMS)
    rows, next_offset = offset_page(selectors.canned_for(actor(request)), query.limit, query.offset)
    return {"items": [canned_out(c) for c in rows], "next_offset": next_offset}


@router.post("/canned-responses", response={201: CannedOut, **_errors(401, 404, 422)})
def create_canned(request: HttpRequest, payload: CannedCreateIn) -> Status[dict[str, Any]]:
    """Create one (coordinators, managers, admins). The body is checked as a template: a syntax
    error or an unknown placeholder is a 422 on ``body``."""
    team = ref(Team.objects.all(), payload.team, "team")
    canned = services.canned_create(
        actor=actor(request),
        title=payload.title,
        body=payload.body,
        team=team,
        is_active=payload.is_active,
    )
    return Status(201, canned_out(canned))


@router.post(
    "/canned-responses/{canned_id}/render",
    response={200: RenderedOut, **_errors(401, 404, 422)},
)
def render_canned(request: HttpRequest, canned_id: int, ticket: str = "") -> dict[str, Any]:
    """The response rendered for the ticket with number ``?ticket=``."""
    user = actor(request)
    if not ticket:
        raise ValidationError.field("ticket", "Give the ticket number: ?ticket=1042.")
    canned = selectors.canned_one(user, canned_id)
    found = ticket_for(user, ticket)
    body = services.canned_render(actor=user, canned=canned, ticket=found)
    return {"id": canned.pk, "ticket": found.number, "body": body}
