"""The directory as each process holds it: teams, organizations, desk users and every user's
visibility scope, reloaded when any of them changes (see ``frontline.core.refcache``)."""

from __future__ import annotations

from typing import Any

from frontline.accounts.models import (
    STAFF_ROLES,
    ApiToken,
    Organization,
    Team,
    TeamMembership,
    User,
)
from frontline.core.refcache import Generation, PerKeyCache, ReferenceTable

DIRECTORY = Generation("directory")
DIRECTORY.watch(
    Team,
    Organization,
    TeamMembership,
    m2m=(Team.organizations.through, User.organizations.through),
)
# A new requester (mail brings many) is in no cached table and has no cached scope yet, so it
# need not make every process reload everything; their organizations arrive through the m2m.
DIRECTORY.watch(User, new_rows_matter=lambda user: user.role in STAFF_ROLES)

TEAMS: ReferenceTable[Team] = ReferenceTable(DIRECTORY, lambda: Team.objects.all())
ORGANIZATIONS: ReferenceTable[Organization] = ReferenceTable(
    DIRECTORY, lambda: Organization.objects.all()
)
# Assignees: the people who work tickets (a few hundred at most), never the requesters.
DESK_USERS: ReferenceTable[User] = ReferenceTable(
    DIRECTORY, lambda: User.objects.filter(role__in=list(STAFF_ROLES))
)
# Per user id; the Scope type lives in frontline.tickets.policies.
SCOPES: PerKeyCache[Any] = PerKeyCache(DIRECTORY)
# Per team id: the organizations the team is limited to (read by every ticket creation).
_SERVED: PerKeyCache[frozenset[int]] = PerKeyCache(DIRECTORY)


def default_team() -> Team | None:
    """The team new tickets go to when nothing else routes them (cached; read-only)."""
    return next((team for team in TEAMS.rows().values() if team.is_default), None)


def served_organizations(team_id: int) -> frozenset[int]:
    """Ids of the organizations team ``team_id`` is limited to; empty: it serves everyone."""
    return _SERVED.get(
        team_id,
        lambda: frozenset(
            Team.organizations.through.objects.filter(team_id=team_id).values_list(
                "organization_id", flat=True
            )
        ),
    )


# Bearer tokens by their hash, so an API request does not query its token and user again.
# Any save or delete of a token or a user drops them all; ``token_revoke`` (an UPDATE, which
# sends no signal) bumps it itself.
API_TOKENS = Generation("api-tokens")
API_TOKENS.watch(ApiToken)
API_TOKENS.watch(User, new_rows_matter=lambda user: False)  # a new user has no token yet
TOKEN_USERS: PerKeyCache[Any] = PerKeyCache(API_TOKENS)
