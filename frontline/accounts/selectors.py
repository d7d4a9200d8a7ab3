"""Reading people and structure."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.utils import timezone

from frontline.accounts.models import (
    ApiToken,
    Organization,
    OrganizationDomain,
    Team,
    TeamMembership,
    User,
    hash_token,
    normalize_email,
)
from frontline.accounts.policies import is_desk_user
from frontline.accounts.refs import TOKEN_USERS
from frontline.core.errors import NotFound


def email_domain(email: str) -> str:
    return normalize_email(email).rpartition("@")[2]


def organization_for_email(email: str) -> Organization | None:
    """The organization that owns the email's domain, if any (exact domain match)."""
    domain = email_domain(email)
    if not domain:
        return None
    return Organization.objects.filter(domains__domain=domain).first()


def organization_for_requester(user: User) -> Organization | None:
    """The organization a new ticket of this requester belongs to.

    The one whose domain matches the requester's email; else their only organization; else
    none (a requester in several organizations, none by domain, picks one explicitly).
    """
    domain = email_domain(user.email)
    # One query: each of the user's organizations, and whether it owns the email's domain.
    orgs = list(
        user.organizations.annotate(
            owns_domain=Exists(
                OrganizationDomain.objects.filter(organization=OuterRef("pk"), domain=domain)
            )
        )
    )
    for org in orgs:
        if org.owns_domain:
            return org
    return orgs[0] if len(orgs) == 1 else None


@dataclass
class _TokenUse:
    """What a process keeps of a valid token: its row's id, when its use was last recorded,
    and its (active) user, copied for each request so no request sees another's changes."""

    token_id: int
    last_used_at: dt.datetime | None
    user: User


def _token_use(key_hash: str) -> _TokenUse | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_hash, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    return _TokenUse(token.pk, token.last_used_at, token.user)


def user_for_token(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None (revoked, unknown, inactive).

    Valid tokens are kept per process (``accounts.refs.TOKEN_USERS``): revoking a token or
    deactivating its user takes effect at once in this process and within
    ``FRONTLINE_REFCACHE_CHECK_SECONDS`` (2 s) in the others."""
    if not raw or not raw.startswith(ApiToken.PREFIX) or len(raw) > 200:
        return None
    key_hash = hash_token(raw)
    use = TOKEN_USERS.get(key_hash, lambda: _token_use(key_hash), keep_none=False)
    if use is None:
        return None
    now = timezone.now()
    # Touch at most once a minute: a write per API request would cost more than the request.
    if use.last_used_at is None or (now - use.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=use.token_id).update(last_used_at=now)
        use.last_used_at = now
    return copy.copy(use.user)


def users_visible_to(user: User) -> QuerySet[User]:
    """Desk users see everyone; requesters see only themselves."""
    if user.is_agent_like:
        return User.objects.all()
    return User.objects.filter(pk=user.pk)


def people_search(user: User, text: str, *, limit: int = 10) -> list[User]:
    """Find people by name, email or phone, for the desk (requesters and agents alike).

    Phone numbers match on their digits, whatever spaces, dashes or brackets they were
    stored with ("5551" finds "+44 555 1234")."""
    text = text.strip()
    if not user.is_agent_like or len(text) < 2:
        return []
    digits = "".join(ch for ch in text if ch.isdigit())
    condition = Q(full_name__icontains=text) | Q(email__icontains=text)
    queryset = User.objects.filter(is_active=True)
    if len(digits) >= 3:
        bare_phone: Any = F("phone")
        for separator in (" ", "-", "(", ")", ".", "/", "+"):
            bare_phone = Replace(bare_phone, Value(separator), Value(""))
        queryset = queryset.annotate(phone_digits=bare_phone)
        condition |= Q(phone_digits__contains=digits)
    return list(
        queryset.filter(condition)
        .prefetch_related("organizations")
        .order_by("full_name", "email")[:limit]
    )


# --- The directory: people, organizations and teams, scoped and loaded for a page ---


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
