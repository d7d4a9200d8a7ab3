"""Writing people and structure: users, organizations, teams, memberships, API tokens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from frontline.accounts.models import (
    ApiToken,
    Organization,
    OrganizationDomain,
    Role,
    Team,
    TeamMembership,
    Tier,
    User,
    hash_token,
    normalize_email,
)
from frontline.accounts.policies import can_administer, forget_scope, is_desk_user
from frontline.accounts.refs import API_TOKENS
from frontline.accounts.selectors import organization_for_email
from frontline.core.errors import Conflict, PermissionDenied, ValidationError


def require_admin(actor: User | None) -> None:
    """System actions (CLI, demo, mail ingest) pass ``actor=None``."""
    if actor is not None and not can_administer(actor):
        raise PermissionDenied("Only admins can change people and structure.")


def _clean_email(email: str) -> str:
    email = normalize_email(email)
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationError.field("email", "Enter a valid email address.") from None
    return email


def user_create(
    *,
    actor: User | None,
    email: str,
    full_name: str = "",
    role: str = Role.REQUESTER,
    password: str | None = None,
    phone: str = "",
    timezone_name: str = "UTC",
    organizations: Iterable[Organization] | None = None,
) -> User:
    """Create a user (admins only). Without organizations given, a requester joins the
    organization owning their email domain. Without a password the account cannot log in
    until a password is set (reset link). Duplicate email → Conflict."""
    require_admin(actor)
    email = _clean_email(email)
    if role not in Role.values:
        raise ValidationError.field("role", f"Choose one of: {', '.join(Role.values)}.")
    if password:
        try:
            validate_password(password)
        except DjangoValidationError as exc:
            raise ValidationError("Weak password.", errors={"password": exc.messages}) from None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                password,
                full_name=full_name.strip()[:200],
                role=role,
                phone=phone.strip()[:50],
                timezone=timezone_name,
            )
            orgs = list(organizations) if organizations is not None else []
            if organizations is None and role == Role.REQUESTER:
                found = organization_for_email(email)
                orgs = [found] if found else []
            if orgs:
                # Rows, not .set(): that would send m2m_changed and make every process reload
                # its directory, though nothing anywhere holds a scope for a user made just now.
                through = User.organizations.through
                through.objects.bulk_create(
                    [through(user_id=user.pk, organization_id=org.pk) for org in orgs]
                )
    except IntegrityError:
        raise Conflict(
            f"A user with email {email} already exists.", errors={"email": ["Already in use."]}
        ) from None
    return user


def requester_for_email(email: str, *, full_name: str = "", phone: str = "") -> User:
    """The user with this email, or a new requester for it (mail, phone calls, API).

    An existing user keeps their profile, except that a missing name or phone is filled in."""
    email = _clean_email(email)
    existing = User.objects.filter(email=email).first()
    if existing is None:
        return user_create(actor=None, email=email, full_name=full_name, phone=phone)
    missing = {
        field: value.strip()[:200]
        for field, value in (("full_name", full_name), ("phone", phone))
        if value.strip() and not getattr(existing, field)
    }
    if missing:
        User.objects.filter(pk=existing.pk).update(**missing)
        for field, value in missing.items():
            setattr(existing, field, value)
    return existing


USER_FIELDS = {"full_name", "phone", "role", "timezone", "language", "is_active"}


def user_update(*, actor: User, user: User, **changes: Any) -> User:
    """Change a user's profile fields (admins; users may change their own name, phone,
    time zone and language). Role and active flag are admin-only."""
    unknown = set(changes) - USER_FIELDS
    if unknown:
        raise ValidationError.field(sorted(unknown)[0], "Unknown field.")
    self_service = {"full_name", "phone", "timezone", "language"}
    if not (actor.pk == user.pk and set(changes) <= self_service):
        require_admin(actor)
    if "role" in changes and changes["role"] not in Role.values:
        raise ValidationError.field("role", f"Choose one of: {', '.join(Role.values)}.")
    if actor.pk == user.pk and changes.get("is_active") is False:
        raise ValidationError.field("is_active", "You cannot disable your own account.")
    for field, value in changes.items():
        setattr(user, field, value)
    user.save(update_fields=list(changes))
    forget_scope(user)
    return user


def organization_create(
    *, actor: User | None, name: str, domains: Iterable[str] = (), shares_tickets: bool = False
) -> Organization:
    """Create a customer organization with the email domains that identify its people."""
    require_admin(actor)
    name = name.strip()
    if not name:
        raise ValidationError.field("name", "This field is required.")
    clean_domains = [d.strip().lower().lstrip("@") for d in domains if d.strip()]
    for domain in clean_domains:
        if "." not in domain or " " in domain or len(domain) > 253:
            raise ValidationError.field("domains", f"“{domain}” is not a domain name.")
    try:
        with transaction.atomic():
            org = Organization.objects.create(name=name, shares_tickets=shares_tickets)
            OrganizationDomain.objects.bulk_create(
                [OrganizationDomain(organization=org, domain=d) for d in clean_domains]
            )
    except IntegrityError:
        raise Conflict("That name or one of those domains is already taken.") from None
    return org


def team_create(
    *,
    actor: User | None,
    name: str,
    email: str = "",
    is_default: bool = False,
    organizations: Iterable[Organization] = (),
) -> Team:
    """Create a team; limit it to some organizations by naming them."""
    require_admin(actor)
    name = name.strip()
    if not name:
        raise ValidationError.field("name", "This field is required.")
    try:
        with transaction.atomic():
            if is_default:
                Team.objects.filter(is_default=True).update(is_default=False)
            team = Team.objects.create(
                name=name, email=_clean_email(email) if email else "", is_default=is_default
            )
            team.organizations.set(list(organizations))
    except IntegrityError:
        raise Conflict(f"A team named {name} already exists.") from None
    return team


def team_membership_set(
    *, actor: User | None, team: Team, user: User, tier: str = Tier.L1
) -> TeamMembership:
    """Put a desk user in a team at a tier (or move them to another tier)."""
    require_admin(actor)
    if tier not in Tier.values:
        raise ValidationError.field("tier", f"Choose one of: {', '.join(Tier.values)}.")
    if not user.is_agent_like:
        raise ValidationError.field("user", "Only desk users can join a team.")
    membership, _ = TeamMembership.objects.update_or_create(
        user=user, team=team, defaults={"tier": tier}
    )
    forget_scope(user)
    return membership


def token_create(*, actor: User | None, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create an API token for ``user``; returns the row and the raw token, shown only now.
    Admins create tokens for anyone, other users only for themselves."""
    if actor is not None and actor.pk != user.pk:
        require_admin(actor)
    if not user.is_active:
        raise ValidationError.field("user", "This account is disabled.")
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100], key_hash=hash_token(raw), hint=raw[:10]
    )
    return token, raw


def token_revoke(*, actor: User | None, token: ApiToken) -> None:
    if actor is not None and actor.pk != token.user_id:
        require_admin(actor)
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    API_TOKENS.bump_now_and_on_commit()  # an UPDATE sends no signal


# --- Updates (API v1) -----------------------------------------------------------------------

UNSET: Any = object()


def _clean_domains(domains: Iterable[str]) -> list[str]:
    clean = list(dict.fromkeys(d.strip().lower().lstrip("@") for d in domains if d.strip()))
    for domain in clean:
        if "." not in domain or " " in domain or len(domain) > 253:
            raise ValidationError.field("domains", f"“{domain}” is not a domain name.")
    return clean


def organization_update(
    *,
    actor: User | None,
    organization: Organization,
    name: str = UNSET,
    domains: Iterable[str] = UNSET,
    shares_tickets: bool = UNSET,
    notes: str = UNSET,
) -> Organization:
    """Change an organization (admins only); arguments left out stay as they are.

    ``domains`` replaces the whole set of email domains. A name or domain already taken by
    another organization is a Conflict; nothing is written then.
    """
    require_admin(actor)
    fields: list[str] = []
    if name is not UNSET:
        name = name.strip()
        if not name:
            raise ValidationError.field("name", "This field is required.")
        if len(name) > 200:
            raise ValidationError.field("name", "At most 200 characters.")
        organization.name = name
        fields.append("name")
    if shares_tickets is not UNSET:
        organization.shares_tickets = bool(shares_tickets)
        fields.append("shares_tickets")
    if notes is not UNSET:
        organization.notes = notes.strip()
        fields.append("notes")
    clean_domains = _clean_domains(domains) if domains is not UNSET else None
    try:
        with transaction.atomic():
            if fields:
                organization.save(update_fields=[*fields, "updated_at"])
            if clean_domains is not None:
                organization.domains.exclude(domain__in=clean_domains).delete()
                have = set(organization.domains.values_list("domain", flat=True))
                OrganizationDomain.objects.bulk_create(
                    [
                        OrganizationDomain(organization=organization, domain=d)
                        for d in clean_domains
                        if d not in have
                    ]
                )
    except IntegrityError:
        raise Conflict("That name or one of those domains is already taken.") from None
    return organization


def team_update(
    *,
    actor: User | None,
    team: Team,
    name: str = UNSET,
    email: str = UNSET,
    is_default: bool = UNSET,
    lead: User | None = UNSET,
    organizations: Iterable[Organization] = UNSET,
    members: Iterable[tuple[User, str]] = UNSET,
) -> Team:
    """Change a team (admins only); arguments left out stay as they are.

    ``organizations`` replaces the organizations the team is limited to (empty: serves all).
    ``members`` replaces the whole membership with (desk user, tier) pairs; members left out
    leave the team. Making the team the default takes that flag from the previous default.
    The lead must be a desk user. A name already taken is a Conflict; nothing is written then.
    """
    require_admin(actor)
    fields: list[str] = []
    if name is not UNSET:
        name = name.strip()
        if not name:
            raise ValidationError.field("name", "This field is required.")
        if len(name) > 100:
            raise ValidationError.field("name", "At most 100 characters.")
        team.name = name
        fields.append("name")
    if email is not UNSET:
        team.email = _clean_email(email) if email.strip() else ""
        fields.append("email")
    if lead is not UNSET:
        if lead is not None and not lead.is_agent_like:
            raise ValidationError.field("lead", "The lead must be a desk user.")
        team.lead = lead
        fields.append("lead")
    if is_default is not UNSET:
        team.is_default = bool(is_default)
        fields.append("is_default")
    wanted: dict[int, tuple[User, str]] | None = None
    if members is not UNSET:
        wanted = {}
        for user, tier in members:
            if tier not in Tier.values:
                raise ValidationError.field("members", f"Tier: choose one of {Tier.values}.")
            if not user.is_agent_like:
                raise ValidationError.field("members", f"{user} is not a desk user.")
            wanted[user.pk] = (user, tier)
    try:
        with transaction.atomic():
            if is_default is True:
                Team.objects.filter(is_default=True).exclude(pk=team.pk).update(is_default=False)
            if fields:
                team.save(update_fields=[*fields, "updated_at"])
            if organizations is not UNSET:
                team.organizations.set(list(organizations))
            if wanted is not None:
                TeamMembership.objects.filter(team=team).exclude(user_id__in=wanted).delete()
                for user, tier in wanted.values():
                    TeamMembership.objects.update_or_create(
                        user=user, team=team, defaults={"tier": tier}
                    )
                    forget_scope(user)
    except IntegrityError:
        raise Conflict(f"A team named {team.name} already exists.") from None
    return team


def requester_get_or_create(
    *, actor: User, email: str, full_name: str = "", phone: str = ""
) -> User:
    """The user with this email, or a new requester for it, for the desk logging a ticket on
    someone's behalf (phone call, API). Desk users only: anyone else gets a ValidationError on
    ``requester_email`` and nothing is created."""
    if not is_desk_user(actor):
        raise ValidationError.field("requester_email", "Only the desk can set this.")
    try:
        return requester_for_email(email, full_name=full_name, phone=phone)
    except ValidationError as exc:
        messages = exc.errors.get("email") or [exc.detail]
        raise ValidationError(exc.detail, errors={"requester_email": messages}) from None
