"""Reading the directory for the API: users, organizations and teams, scoped and prefetched.

Selectors in the sense of DESIGN.md (kept apart from ``selectors.py`` only to avoid editing
it while others do; they may move there). Each returns what the user may see, already
joined for a page, so a list runs the same number of queries whatever its length. A thing the
user may not see is NotFound.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from frontline.accounts.models import Organization, Team, TeamMembership, User
from frontline.accounts.policies import is_desk_user
from frontline.accounts.selectors import users_visible_to
from frontline.core.errors import NotFound


def user_directory(viewer: User) -> QuerySet[User]:
    """Users the viewer may see (desk: everyone; requesters: themselves), with their
    organizations and team memberships prefetched, ordered by email."""
    return (
        users_visible_to(viewer)
        .prefetch_related(
            "organizations",
            Prefetch("memberships", queryset=TeamMembership.objects.select_related("team")),
        )
        .order_by("email", "id")
    )


def user_for(viewer: User, pk: int) -> User:
    """One user the viewer may see; NotFound otherwise."""
    user = user_directory(viewer).filter(pk=pk).first()
    if user is None:
        raise NotFound("No such user.")
    return user


def organizations_visible_to(viewer: User) -> QuerySet[Organization]:
    """Desk users see every organization; requesters only their own (they may need to pick
    one when filing a ticket). Domains prefetched, ordered by name."""
    queryset = Organization.objects.all()
    if not is_desk_user(viewer):
        queryset = queryset.filter(members=viewer)
    return queryset.prefetch_related("domains").order_by("name", "id")


def organization_for(viewer: User, pk: int) -> Organization:
    """One organization the viewer may see; NotFound otherwise."""
    organization = organizations_visible_to(viewer).filter(pk=pk).first()
    if organization is None:
        raise NotFound("No such organization.")
    return organization


def teams_visible_to(viewer: User) -> QuerySet[Team]:
    """Teams, with lead, served organizations and members (with tiers): desk users only;
    requesters see none (their tickets are routed by category)."""
    if not is_desk_user(viewer):
        return Team.objects.none()
    return (
        Team.objects.select_related("lead")
        .prefetch_related(
            "organizations",
            Prefetch(
                "memberships",
                queryset=TeamMembership.objects.select_related("user").order_by(
                    "user__email", "id"
                ),
            ),
        )
        .order_by("name", "id")
    )


def team_for(viewer: User, pk: int) -> Team:
    """One team the viewer may see; NotFound otherwise."""
    team = teams_visible_to(viewer).filter(pk=pk).first()
    if team is None:
        raise NotFound("No such team.")
    return team
