"""API v1 shapes for people and structure, and the functions that render them as dicts from
objects whose relations are already prefetched (by the directory selectors in
``frontline.accounts.selectors``)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from ninja import Field, Schema
from pydantic import field_validator

from frontline.accounts.models import Organization, Team, User
from frontline.api.schemas import Id, Input, NamedRef, UserRef, user_ref

# --- Output -----------------------------------------------------------------------------------


class Membership(Schema):
    id: int
    name: str
    tier: str


class UserOut(Schema):
    id: int
    email: str
    name: str
    full_name: str
    role: str
    phone: str
    timezone: str
    language: str
    is_active: bool
    organizations: list[NamedRef]
    teams: list[Membership]


class UserPage(Schema):
    items: list[UserOut]
    next_offset: int | None


class OrganizationOut(Schema):
    id: int
    name: str
    domains: list[str]
    shares_tickets: bool
    notes: str | None = Field(description="Internal notes; desk users only (null otherwise).")


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    next_offset: int | None


class Member(UserRef):
    tier: str


class TeamOut(Schema):
    id: int
    name: str
    email: str
    is_default: bool
    lead: UserRef | None
    organizations: list[NamedRef] = Field(description="Empty: the team serves everyone.")
    members: list[Member]


class TeamPage(Schema):
    items: list[TeamOut]
    next_offset: int | None


# --- Input ------------------------------------------------------------------------------------


def _check_zone(value: str | None) -> str | None:
    if value is None:
        return value
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError("Not a time zone name (e.g. Europe/Paris).") from None
    return value


class UserCreateIn(Input):
    email: str = Field(max_length=254)
    full_name: str = Field("", max_length=200)
    role: str = "requester"
    password: str | None = Field(None, max_length=200)
    phone: str = Field("", max_length=50)
    timezone: str = Field("UTC", max_length=64)
    organizations: list[Id] | None = Field(
        None, description="Ids; left out, a requester joins the organization of their domain."
    )

    check_zone = field_validator("timezone")(_check_zone)


class UserUpdateIn(Input):
    full_name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=50)
    role: str | None = Field(None, description="Admins only.")
    timezone: str | None = Field(None, max_length=64)
    language: str | None = Field(None, min_length=2, max_length=10)
    is_active: bool | None = Field(None, description="Admins only.")

    check_zone = field_validator("timezone")(_check_zone)


class OrganizationCreateIn(Input):
    name: str = Field(max_length=200)
    domains: list[str] = Field(default_factory=list)
    shares_tickets: bool = False


class OrganizationUpdateIn(Input):
    name: str | None = Field(None, max_length=200)
    domains: list[str] | None = Field(None, description="Replaces the whole set.")
    shares_tickets: bool | None = None
    notes: str | None = Field(None, max_length=10_000)


class TeamCreateIn(Input):
    name: str = Field(max_length=100)
    email: str = Field("", max_length=254)
    is_default: bool = False
    organizations: list[Id] = Field(
        default_factory=list, description="Limit the team to these; empty serves everyone."
    )


class MemberIn(Input):
    user: Id
    tier: str = "l1"


class TeamUpdateIn(Input):
    name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=254)
    is_default: bool | None = None
    lead: Id | None = Field(None, description="A desk user, or null.")
    organizations: list[Id] | None = Field(None, description="Replaces the whole set.")
    members: list[MemberIn] | None = Field(None, description="Replaces the whole membership.")


# --- Rendering --------------------------------------------------------------------------------


def user_out(u: User) -> dict[str, Any]:
    """From a user with organizations and memberships (with team) prefetched."""
    return {
        "id": u.pk,
        "email": u.email,
        "name": u.full_name or u.email,
        "full_name": u.full_name,
        "role": u.role,
        "phone": u.phone,
        "timezone": u.timezone,
        "language": u.language,
        "is_active": u.is_active,
        "organizations": [{"id": o.pk, "name": o.name} for o in u.organizations.all()],
        "teams": [
            {"id": m.team.pk, "name": m.team.name, "tier": m.tier} for m in u.memberships.all()
        ],
    }


def organization_out(o: Organization, *, with_notes: bool) -> dict[str, Any]:
    """From an organization with its domains prefetched."""
    return {
        "id": o.pk,
        "name": o.name,
        "domains": [d.domain for d in o.domains.all()],
        "shares_tickets": o.shares_tickets,
        "notes": o.notes if with_notes else None,
    }


def team_out(t: Team) -> dict[str, Any]:
    """From a team with lead joined and organizations and memberships (with user) prefetched."""
    return {
        "id": t.pk,
        "name": t.name,
        "email": t.email,
        "is_default": t.is_default,
        "lead": user_ref(t.lead),
        "organizations": [{"id": o.pk, "name": o.name} for o in t.organizations.all()],
        "members": [{**(user_ref(m.user) or {}), "tier": m.tier} for m in t.memberships.all()],
    }
