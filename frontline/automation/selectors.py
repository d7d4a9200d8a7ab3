"""Automation reads, scoped to what the user may see (NotFound otherwise)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from frontline.accounts.models import User
from frontline.automation import policies
from frontline.automation.models import (
    AgentStatus,
    CannedResponse,
    Rule,
    RuleExecution,
    RuleVersion,
    TeamRouting,
)
from frontline.core.errors import NotFound


def rules_for(user: User) -> QuerySet[Rule]:
    """All rules in run order, for coordinators and admins (NotFound for anyone else)."""
    if not policies.can_manage_rules(user):
        raise NotFound("No such page.")
    return Rule.objects.select_related("created_by").order_by("trigger", "position", "id")


def rule_for(user: User, pk: int) -> Rule:
    rule = rules_for(user).filter(pk=pk).first()
    if rule is None:
        raise NotFound("No such rule.")
    return rule


def rule_versions(user: User, rule: Rule) -> QuerySet[RuleVersion]:
    """The rule's saved versions, newest first, with who edited each."""
    rules_for(user)
    return RuleVersion.objects.filter(rule=rule).select_related("edited_by").order_by("-number")


def rule_executions(user: User, rule: Rule, limit: int = 50) -> list[RuleExecution]:
    """The rule's latest firings with their tickets."""
    rules_for(user)
    return list(
        RuleExecution.objects.filter(rule=rule)
        .select_related("ticket")
        .order_by("-at", "-id")[:limit]
    )


def canned_for(user: User) -> QuerySet[CannedResponse]:
    """Active canned responses a desk user may use: shared ones and their teams' (admins: all).
    NotFound for anyone not on the desk."""
    if not policies.can_use_canned(user):
        raise NotFound("No such page.")
    queryset = CannedResponse.objects.filter(is_active=True).select_related("team")
    if user.role != "admin":
        queryset = queryset.filter(
            Q(team__isnull=True) | Q(team__memberships__user=user)
        ).distinct()
    return queryset.order_by("title", "id")


def canned_one(user: User, pk: int) -> CannedResponse:
    found = canned_for(user).filter(pk=pk).first()
    if found is None:
        raise NotFound("No such canned response.")
    return found


def agent_status_of(user: User) -> AgentStatus | None:
    return AgentStatus.objects.filter(user=user).first()


def team_routings(user: User) -> QuerySet[TeamRouting]:
    rules_for(user)
    return TeamRouting.objects.select_related("team").order_by("team__name")
