"""Reading people and structure."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace
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
