"""Who may do what in automation: coordinators and admins configure rules and routing; the
desk uses canned responses (shared ones and their teams'); each agent sets their own
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
