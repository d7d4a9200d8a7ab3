"""API v1: users, organizations and teams. Reads are scoped by the directory selectors;
writes go through the account services, which allow admins only (and users their own
profile)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from frontline.accounts import selectors, services
from frontline.accounts.policies import is_desk_user
from frontline.accounts.schemas import (
    OrganizationCreateIn,
    OrganizationOut,
    OrganizationPage,
    OrganizationUpdateIn,
    TeamCreateIn,
    TeamOut,
    TeamPage,
    TeamUpdateIn,
    UserCreateIn,
    UserOut,
    UserPage,
    UserUpdateIn,
    organization_out,
    team_out,
    user_out,
)
from frontline.api.schemas import (
    ERRORS,
    OFFSET_PARAMS,
    OffsetQuery,
    actor,
    by_ids,
    offset_page,
    ref,
    reject_unknown,
)

router = Router(tags=["people"])


def _errors(*codes: int) -> dict[int, Any]:
    return {code: ERRORS[code] for code in codes}


# --- Users ------------------------------------------------------------------------------------


@router.get("/users", response={200: UserPage, **_errors(401, 422)})
def list_users(request: HttpRequest, query: Query[OffsetQuery]) -> dict[str, Any]:
    """Users you may see: the desk sees everyone, a requester only themselves."""
    reject_unknown(request, OFFSET_PARAMS)
    rows, next_offset = offset_page(
        selectors.user_directory(actor(request)), query.limit, query.offset
    )
    return {"items": [user_out(u) for u in rows], "next_offset": next_offset}


@router.get("/users/me", response={200: UserOut, **_errors(401)})
def me(request: HttpRequest) -> dict[str, Any]:
    """The user the token or session belongs to."""
    user = actor(request)
    return user_out(selectors.user_for(user, user.pk))


@router.get("/users/{user_id}", response={200: UserOut, **_errors(401, 404)})
def get_user(request: HttpRequest, user_id: int) -> dict[str, Any]:
    return user_out(selectors.user_for(actor(request), user_id))


@router.post("/users", response={201: UserOut, **_errors(401, 403, 409, 422)})
def create_user(request: HttpRequest, payload: UserCreateIn) -> Status[dict[str, Any]]:
    """Create a user (admins)."""
    user = actor(request)
    organizations = (
        by_ids(selectors.organizations_visible_to(user), payload.organizations, "organizations")
        if payload.organizations is not None
        else None
    )
    created = services.user_create(
        actor=user,
        email=payload.email,
        full_name=payload.full_name,
        role=payload.role,
        password=payload.password,
        phone=payload.phone,
        timezone_name=payload.timezone,
        organizations=organizations,
    )
    return Status(201, user_out(selectors.user_for(user, created.pk)))


@router.patch("/users/{user_id}", response={200: UserOut, **_errors(401, 403, 404, 422)})
def update_user(request: HttpRequest, user_id: int, payload: UserUpdateIn) -> dict[str, Any]:
    """Change a profile: admins anything, users their own name, phone, time zone, language."""
    user = actor(request)
    target = selectors.user_for(user, user_id)
    updated = services.user_update(actor=user, user=target, **payload.changes())
    return user_out(updated)


# --- Organizations ----------------------------------------------------------------------------


@router.get("/organizations", response={200: OrganizationPage, **_errors(401, 422)})
def list_organizations(request: HttpRequest, query: Query[OffsetQuery]) -> dict[str, Any]:
    """Organizations: the desk sees all, a requester their own."""
    reject_unknown(request, OFFSET_PARAMS)
    user = actor(request)
    rows, next_offset = offset_page(
        selectors.organizations_visible_to(user), query.limit, query.offset
    )
    notes = is_desk_user(user)
    return {
        "items": [organization_out(o, with_notes=notes) for o in rows],
        "next_offset": next_offset,
    }


@router.get("/organizations/{org_id}", response={200: OrganizationOut, **_errors(401, 404)})
def get_organization(request: HttpRequest, org_id: int) -> dict[str, Any]:
    user = actor(request)
    return organization_out(selectors.organization_for(user, org_id), with_notes=is_desk_user(user))


@router.post("/organizations", response={201: OrganizationOut, **_errors(401, 403, 409, 422)})
def create_organization(
    request: HttpRequest, payload: OrganizationCreateIn
) -> Status[dict[str, Any]]:
    """Create a customer organization with the email domains of its people (admins)."""
    user = actor(request)
    created = services.organization_create(
        actor=user,
        name=payload.name,
        domains=payload.domains,
        shares_tickets=payload.shares_tickets,
    )
    return Status(
        201, organization_out(selectors.organization_for(user, created.pk), with_notes=True)
    )


@router.patch(
    "/organizations/{org_id}", response={200: OrganizationOut, **_errors(401, 403, 404, 409, 422)}
)
def update_organization(
    request: HttpRequest, org_id: int, payload: OrganizationUpdateIn
) -> dict[str, Any]:
    """Change an organization (admins); `domains` replaces the whole set."""
    user = actor(request)
    organization = services.organization_update(
        actor=user,
        organization=selectors.organization_for(user, org_id),
        **payload.changes(),
    )
    return organization_out(selectors.organization_for(user, organization.pk), with_notes=True)


# --- Teams ------------------------------------------------------------------------------------


@router.get("/teams", response={200: TeamPage, **_errors(401, 422)})
def list_teams(request: HttpRequest, query: Query[OffsetQuery]) -> dict[str, Any]:
    """Teams with their members and tiers (desk users; a requester gets an empty list)."""
    reject_unknown(request, OFFSET_PARAMS)
    rows, next_offset = offset_page(
        selectors.teams_visible_to(actor(request)), query.limit, query.offset
    )
    return {"items": [team_out(t) for t in rows], "next_offset": next_offset}


@router.get("/teams/{team_id}", response={200: TeamOut, **_errors(401, 404)})
def get_team(request: HttpRequest, team_id: int) -> dict[str, Any]:
    return team_out(selectors.team_for(actor(request), team_id))


@router.post("/teams", response={201: TeamOut, **_errors(401, 403, 409, 422)})
def create_team(request: HttpRequest, payload: TeamCreateIn) -> Status[dict[str, Any]]:
    """Create a team, optionally limited to some organizations (admins). Add members with
    PATCH."""
    user = actor(request)
    created = services.team_create(
        actor=user,
        name=payload.name,
        email=payload.email,
        is_default=payload.is_default,
        organizations=by_ids(
            selectors.organizations_visible_to(user), payload.organizations, "organizations"
        ),
    )
    return Status(201, team_out(selectors.team_for(user, created.pk)))


@router.patch("/teams/{team_id}", response={200: TeamOut, **_errors(401, 403, 404, 409, 422)})
def update_team(request: HttpRequest, team_id: int, payload: TeamUpdateIn) -> dict[str, Any]:
    """Change a team (admins); `organizations` and `members` replace the whole set."""
    user = actor(request)
    team = selectors.team_for(user, team_id)
    changes = payload.changes(nullable={"lead"})
    people = selectors.user_directory(user)
    if "lead" in changes:
        changes["lead"] = ref(people, changes["lead"], "lead", "user")
    if "organizations" in changes:
        changes["organizations"] = by_ids(
            selectors.organizations_visible_to(user),
            changes["organizations"],
            "organizations",
        )
    if "members" in changes:
        wanted = changes["members"]
        users = by_ids(people, [m["user"] for m in wanted], "members", "user")
        by_pk = {u.pk: u for u in users}
        changes["members"] = [(by_pk[m["user"]], m["tier"]) for m in wanted]
    team = services.team_update(actor=user, team=team, **changes)
    return team_out(selectors.team_for(user, team.pk))
