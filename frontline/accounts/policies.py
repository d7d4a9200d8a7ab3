"""Role checks shared by every app."""

from __future__ import annotations

from typing import Any

from frontline.accounts.models import Role

SCOPE_CACHE_ATTR = "_frontline_scope"


def is_desk_user(user: Any) -> bool:
    """Agents, coordinators, knowledge managers, managers and admins work the desk."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_agent_like)


def can_administer(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.role == Role.ADMIN
    )


def forget_scope(user: Any) -> None:
    """Drop the visibility scope cached on the user object after their teams/orgs change."""
    if hasattr(user, SCOPE_CACHE_ATTR):
        delattr(user, SCOPE_CACHE_ATTR)
