"""Automation reads, scoped to what the user may see (NotFound otherwise)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from frontline.accounts.models import STAFF_ROLES, Organization, Team, TeamMembership, User
from frontline.automation import policies
from frontline.automation.builder import Catalog
from frontline.automation.models import (
    AgentSkill,
    AgentStatus,
    CannedResponse,
    Rule,
    RuleExecution,
    RuleVersion,
    TeamRouting,
)
from frontline.core.errors import NotFound
from frontline.tickets.models import Category, CustomField


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


def category_paths(team: Team | None = None) -> list[tuple[int, str, str]]:
    """(id, team name, "Hardware › Laptops") of every category (or ``team``'s), sorted by
    team and path, from one query."""
    rows = list(Category.objects.values_list("id", "parent_id", "name", "team__name", "team_id"))
    by_id = {pk: (parent, name) for pk, parent, name, _, _ in rows}

    def path(pk: int) -> str:
        names: list[str] = []
        seen: set[int] = set()
        node: int | None = pk
        while node is not None and node in by_id and node not in seen:
            seen.add(node)
            parent, name = by_id[node]
            names.append(name)
            node = parent
        return " › ".join(reversed(names))

    found = [
        (pk, team_name, path(pk))
        for pk, _, _, team_name, team_id in rows
        if team is None or team_id == team.pk
    ]
    return sorted(found, key=lambda row: (row[1].lower(), row[2].lower()))


def categories_by_id(ids: Iterable[int]) -> list[Category]:
    """The categories with these ids (unknown ids are left out; the skills services check
    which of them the actor may give)."""
    return list(Category.objects.filter(pk__in=list(ids)).order_by("id"))


def builder_catalog(user: User) -> Catalog:
    """The options of the rule builder's selects (teams, desk users, organizations,
    categories with their paths, active canned responses, custom fields): six queries."""
    rules_for(user)
    categories = category_paths()
    custom: dict[str, tuple[str, str, list[str]]] = {}
    for key, label, kind, choices in CustomField.objects.order_by("key", "id").values_list(
        "key", "label", "field_type", "choices"
    ):
        custom.setdefault(key, (label, kind, [str(c) for c in choices or []]))
    return Catalog(
        teams=[
            (str(pk), name) for pk, name in Team.objects.order_by("name").values_list("id", "name")
        ],
        agents=[
            (str(u.pk), u.display_name)
            for u in User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by(
                "full_name", "id"
            )
        ],
        organizations=[
            (str(pk), name)
            for pk, name in Organization.objects.order_by("name").values_list("id", "name")
        ],
        categories=[(str(pk), f"{team}: {path}") for pk, team, path in categories],
        canned=[
            (str(pk), title)
            for pk, title in CannedResponse.objects.filter(is_active=True)
            .order_by("title", "id")
            .values_list("id", "title")
        ],
        custom=custom,
    )


def teams_with_agents_for(user: User) -> QuerySet[Team]:
    """Teams whose agents ``user`` may manage: all for coordinators and admins, else the teams
    they lead (possibly none)."""
    teams = Team.objects.order_by("name")
    if policies.can_manage_rules(user):
        return teams
    return teams.filter(lead=user) if policies.can_use_canned(user) else teams.none()


def team_agents(user: User, team_id: int) -> tuple[Team, list[User]]:
    """The team and its desk members (by tier, name) with availability, memberships and skills
    loaded: a constant number of queries. NotFound unless ``user`` may manage them."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None or not policies.can_manage_team_agents(user, team):
        raise NotFound("No such team.")
    members: list[User] = []
    for membership in (
        TeamMembership.objects.filter(team=team, user__is_active=True)
        .select_related("user__agent_status")
        .prefetch_related(
            Prefetch("user__skills", queryset=AgentSkill.objects.select_related("category"))
        )
        .order_by("tier", "user__full_name", "user_id")
    ):
        if membership.user.is_agent_like:
            membership.user.team_tier = membership.get_tier_display()  # type: ignore[attr-defined]
            membership.user.team_tier_code = membership.tier  # type: ignore[attr-defined]
            members.append(membership.user)
    return team, members


def managed_agent(user: User, agent_id: int) -> User:
    """A desk user whose skills and availability ``user`` may change (NotFound otherwise)."""
    agent = User.objects.select_related("agent_status").filter(pk=agent_id).first()
    if agent is None or not policies.can_manage_agent(user, agent):
        raise NotFound("No such agent.")
    return agent
