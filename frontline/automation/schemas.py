"""API shapes of automation: rules, their dry runs and versions, canned responses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from frontline.accounts.models import User
from frontline.api.schemas import Id, Input
from frontline.automation.engine import DryRunResult
from frontline.automation.models import Availability, CannedResponse, Rule, RuleVersion


class RuleOut(Schema):
    id: int
    name: str
    description: str
    trigger: str
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    position: int
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class RulePage(Schema):
    items: list[RuleOut]
    next_offset: int | None


class RuleCreateIn(Input):
    name: str = Field(max_length=200)
    description: str = ""
    trigger: str
    conditions: dict[str, Any] = Field(default_factory=dict)
    actions: list[dict[str, Any]]
    position: int = Field(default=0, ge=0, le=100_000)
    is_active: bool = False


class RuleUpdateIn(Input):
    version: int | None = None
    name: str | None = Field(default=None, max_length=200)
    description: str | None = None
    trigger: str | None = None
    conditions: dict[str, Any] | None = None
    actions: list[dict[str, Any]] | None = None
    position: int | None = Field(default=None, ge=0, le=100_000)
    is_active: bool | None = None


class DryRunIn(Input):
    limit: int = Field(default=200, ge=1, le=1000)


class DryRunRowOut(Schema):
    ticket: int
    title: str
    event_id: int | None
    event_kind: str
    already_fired: bool
    actions: list[dict[str, Any]]


class DryRunOut(Schema):
    examined: int
    matched: int
    seconds: float
    rows: list[DryRunRowOut]


class RuleVersionOut(Schema):
    number: int
    name: str
    trigger: str
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    is_active: bool
    edited_by: int | None
    at: datetime


class CannedOut(Schema):
    id: int
    title: str
    body: str
    team: int | None
    is_active: bool


class CannedPage(Schema):
    items: list[CannedOut]
    next_offset: int | None


class CannedCreateIn(Input):
    title: str = Field(max_length=200)
    body: str
    team: Id | None = None
    is_active: bool = True


class RenderedOut(Schema):
    id: int
    ticket: int
    body: str


def rule_out(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "description": rule.description,
        "trigger": rule.trigger,
        "conditions": rule.conditions or {},
        "actions": rule.actions or [],
        "position": rule.position,
        "is_active": rule.is_active,
        "version": rule.version,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


def version_out(version: RuleVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "name": version.name,
        "trigger": version.trigger,
        "conditions": version.conditions or {},
        "actions": version.actions or [],
        "is_active": version.is_active,
        "edited_by": version.edited_by_id,
        "at": version.at,
    }


def dry_run_out(result: DryRunResult) -> dict[str, Any]:
    matched = result.matched
    return {
        "examined": result.examined,
        "matched": len(matched),
        "seconds": round(result.seconds, 4),
        "rows": [
            {
                "ticket": row.number,
                "title": row.title,
                "event_id": row.event_id,
                "event_kind": row.event_kind,
                "already_fired": row.already_fired,
                "actions": row.actions,
            }
            for row in matched
        ],
    }


def canned_out(canned: CannedResponse) -> dict[str, Any]:
    return {
        "id": canned.pk,
        "title": canned.title,
        "body": canned.body,
        "team": canned.team_id,
        "is_active": canned.is_active,
    }


class AgentRoutingOut(Schema):
    id: int
    name: str
    email: str
    tier: str | None
    status: str
    away_from: date | None
    away_until: date | None
    languages: list[str]
    skills: list[int]
    available: bool


class AgentRoutingIn(Input):
    """Only what is sent changes. ``skills`` replaces the agent's skills within the scope:
    ``team``'s categories when given, else all (coordinators, admins) or those of the teams
    you lead (team leads)."""

    status: str | None = None
    away_from: date | None = None
    away_until: date | None = None
    languages: list[str] | None = Field(default=None, max_length=20)
    skills: list[Id] | None = Field(default=None, max_length=500)
    team: Id | None = None


def agent_routing_out(agent: User, *, tier: str | None = None) -> dict[str, Any]:
    from django.utils import timezone

    from frontline.automation.routing import is_available

    status = getattr(agent, "agent_status", None)
    return {
        "id": agent.pk,
        "name": agent.display_name,
        "email": agent.email,
        "tier": tier,
        "status": status.status if status else Availability.ONLINE,
        "away_from": status.away_from if status else None,
        "away_until": status.away_until if status else None,
        "languages": list(status.languages) if status else [],
        "skills": sorted(s.category_id for s in agent.skills.all()),
        "available": is_available(status, timezone.localdate()),
    }
