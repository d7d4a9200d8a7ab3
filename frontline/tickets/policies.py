"""Who may see and do what with tickets. The one place every entry point asks.

Visibility (a ticket the user may not see answers 404 everywhere):
- requester: tickets they requested or watch, plus those of their organizations that share
  tickets among members;
- agent, knowledge manager: tickets of their teams (of the organizations a team serves, when the
  team is limited to some), tickets assigned to them, and their own requests;
- coordinator: as an agent, plus tickets not yet routed to any team (the triage queue);
- manager: every ticket of the teams they belong to, whatever the organization, plus unrouted
  tickets; their remit is their teams;
- admin: everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q

from frontline.accounts.models import Role, Team, TeamMembership, User
from frontline.accounts.policies import SCOPE_CACHE_ATTR, is_desk_user
from frontline.accounts.policies import can_administer as can_administer
from frontline.accounts.refs import SCOPES
from frontline.tickets.lifecycle import OPEN_STATUSES
from frontline.tickets.models import Ticket

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


@dataclass(frozen=True)
class Scope:
    """What one user may see, computed once per request from two small queries."""

    everything: bool = False
    user_id: int | None = None
    unrestricted_team_ids: frozenset[int] = frozenset()
    team_orgs: dict[int, frozenset[int]] = field(default_factory=dict)  # limited teams
    unrouted: bool = False
    shared_org_ids: frozenset[int] = frozenset()
    watches: bool = False

    @property
    def team_ids(self) -> frozenset[int]:
        return self.unrestricted_team_ids | frozenset(self.team_orgs)


def _compute_scope(user: User) -> Scope:
    if user.role == Role.ADMIN or user.is_superuser:
        return Scope(everything=True, user_id=user.pk)
    if not user.is_agent_like:
        shared = frozenset(
            user.organizations.filter(shares_tickets=True).values_list("id", flat=True)
        )
        return Scope(user_id=user.pk, shared_org_ids=shared, watches=True)
    memberships = TeamMembership.objects.filter(user=user).values_list("team_id", flat=True)
    team_ids = set(memberships)
    if user.role == Role.MANAGER:
        return Scope(user_id=user.pk, unrestricted_team_ids=frozenset(team_ids), unrouted=True)
    restrictions: dict[int, set[int]] = {}
    through = Team.organizations.through
    for team_id, org_id in through.objects.filter(team_id__in=team_ids).values_list(
        "team_id", "organization_id"
    ):
        restrictions.setdefault(team_id, set()).add(org_id)
    return Scope(
        user_id=user.pk,
        unrestricted_team_ids=frozenset(team_ids - set(restrictions)),
        team_orgs={team: frozenset(orgs) for team, orgs in restrictions.items()},
        unrouted=user.role == Role.COORDINATOR,
    )


def scope_for(user: User | AnonymousUser) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, SCOPE_CACHE_ATTR, None)
    if cached is None:
        # Per process too, keyed by what the scope depends on that lives on the user row;
        # any change to teams, memberships or organizations empties that cache.
        key = (user.pk, user.role, user.is_superuser)
        cached = SCOPES.get(key, lambda: _compute_scope(user))
        setattr(user, SCOPE_CACHE_ATTR, cached)
    return cached


def ticket_filter(user: User | AnonymousUser) -> Q | None:
    """A Q selecting the tickets the user may see; None means every ticket."""
    return ticket_filter_of(scope_for(user))


def ticket_filter_of(scope: Scope) -> Q | None:
    """``ticket_filter`` of a scope: reads nothing else, so a list statement can be compiled
    once per shape of scope (``frontline.core.statements``)."""
    if scope.everything:
        return None
    if scope.user_id is None:
        return Q(pk__in=[])
    q = Q(requester_id=scope.user_id)
    if scope.watches:
        watched = Ticket.watchers.through.objects.filter(user_id=scope.user_id).values("ticket_id")
        q |= Q(pk__in=watched)
    if scope.shared_org_ids:
        q |= Q(organization_id__in=scope.shared_org_ids)
    if scope.unrestricted_team_ids:
        q |= Q(team_id__in=scope.unrestricted_team_ids)
    for team_id, org_ids in scope.team_orgs.items():
        q |= Q(team_id=team_id, organization_id__in=org_ids)
    if scope.team_ids or scope.unrouted:
        q |= Q(assignee_id=scope.user_id)
    if scope.unrouted:
        q |= Q(team__isnull=True)
    return q


def can_view_ticket(user: User | AnonymousUser, ticket: Ticket) -> bool:
    """The same rule as ticket_filter, for one ticket already in memory."""
    scope = scope_for(user)
    if scope.everything:
        return True
    if scope.user_id is None:
        return False
    if ticket.requester_id == scope.user_id:
        return True
    if ticket.assignee_id == scope.user_id and (scope.team_ids or scope.unrouted):
        return True
    if ticket.organization_id in scope.shared_org_ids:
        return True
    if scope.watches and ticket.watchers.filter(pk=scope.user_id).exists():
        return True  # before the team checks: a watched ticket may be unrouted
    if ticket.team_id is None:
        return scope.unrouted
    if ticket.team_id in scope.unrestricted_team_ids:
        return True
    if ticket.team_id in scope.team_orgs:
        return ticket.organization_id in scope.team_orgs[ticket.team_id]
    return False


def can_see_internal(user: User | AnonymousUser) -> bool:
    """Internal notes and the full event history are for the desk side only."""
    return is_desk_user(user)


def can_work_ticket(user: User | AnonymousUser, ticket: Ticket) -> bool:
    """Change fields, assign, escalate, note, merge, link: desk users who can see the ticket."""
    return is_desk_user(user) and can_view_ticket(user, ticket)


def can_reply(user: User | AnonymousUser, ticket: Ticket) -> bool:
    return can_view_ticket(user, ticket)


def can_requester_transition(user: User, ticket: Ticket, new_status: str) -> bool:
    """Requesters may mark their request solved, or say it is still a problem."""
    if not can_view_ticket(user, ticket):
        return False
    if new_status == "resolved":  # only their own: a colleague or watcher may not close it
        return ticket.requester_id == user.pk and ticket.status in OPEN_STATUSES
    if new_status == "open":
        return ticket.status == "resolved"
    return False
