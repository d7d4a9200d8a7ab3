"""Reading people and structure."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from frontline.accounts.models import ApiToken, Organization, User, hash_token, normalize_email


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
    orgs = list(user.organizations.prefetch_related("domains"))
    if not orgs:
        return None
    domain = email_domain(user.email)
    for org in orgs:
        if any(d.domain == domain for d in org.domains.all()):
            return org
    return orgs[0] if len(orgs) == 1 else None


def user_for_token(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None (revoked, unknown, inactive)."""
    if not raw or not raw.startswith(ApiToken.PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch at most once a minute: a write per API request would cost more than the request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def users_visible_to(user: User) -> QuerySet[User]:
    """Desk users see everyone; requesters see only themselves."""
    if user.is_agent_like:
        return User.objects.all()
    return User.objects.filter(pk=user.pk)
