"""Who may do what in automation: coordinators and admins configure rules and routing; the
desk uses canned responses (shared ones and their teams'); each agent sets their own
availability; coordinators, admins and a team's lead set its agents' skills and
availability."""

from __future__ import annotations

from typing import Any

from frontline.accounts.models import Role
from frontline.accounts.policies import is_desk_user

CONFIGURERS = frozenset({Role.COORDINATOR, Role.ADMIN})
CANNED_EDITORS = frozenset({Role.COORDINATOR, Role.MANAGER, Role.ADMIN})


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_manage_rules(user: Any) -> bool:
    """Rules, their dry runs and versions, and team routing: coordinators and admins."""
    return _active(user) and user.role in CONFIGURERS


def can_use_canned(user: Any) -> bool:
    return _active(user) and is_desk_user(user)


def can_edit_canned(user: Any) -> bool:
    return _active(user) and user.role in CANNED_EDITORS


def can_set_availability(user: Any) -> bool:
    return _active(user) and is_desk_user(user)


def can_manage_team_agents(user: Any, team: Any) -> bool:
    """Skills and availability of a team's members: coordinators and admins for every team,
    a team lead for the team they lead."""
    if not _active(user) or not is_desk_user(user):
        return False
    return user.role in CONFIGURERS or (team is not None and team.lead_id == user.pk)


def can_manage_agent(user: Any, agent: Any) -> bool:
    """Someone else's skills and availability: coordinators and admins for any desk user, a
    team lead for the members of the teams they lead (one query)."""
    if not _active(user) or not is_desk_user(user) or agent is None or not agent.is_agent_like:
        return False
    if user.role in CONFIGURERS or user.pk == agent.pk:
        return True
    return bool(agent.memberships.filter(team__lead=user).exists())
