"""People and structure: users and roles, customer organizations, teams with tiers, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as dj_timezone

from frontline.core.models import TimeStampedModel


class Role(models.TextChoices):
    REQUESTER = "requester", "Requester"
    AGENT = "agent", "Agent"
    COORDINATOR = "coordinator", "Coordinator (dispatcher)"
    KNOWLEDGE_MANAGER = "knowledge_manager", "Knowledge manager"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Admin"


STAFF_ROLES = frozenset(
    {Role.AGENT, Role.COORDINATOR, Role.KNOWLEDGE_MANAGER, Role.MANAGER, Role.ADMIN}
)


class Tier(models.TextChoices):
    """Support tiers, in escalation order."""

    L1 = "l1", "L1"
    L2 = "l2", "L2"
    L3 = "l3", "L3"
    VENDOR = "vendor", "External vendor"

    @classmethod
    def order(cls) -> list[Tier]:
        return [cls.L1, cls.L2, cls.L3, cls.VENDOR]

    def next(self) -> Tier | None:
        tiers = Tier.order()
        index = tiers.index(self)
        return tiers[index + 1] if index + 1 < len(tiers) else None


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively everywhere in Frontline."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email=normalize_email(username or ""))

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("role", Role.ADMIN)
        fields["is_superuser"] = True
        return self.create_user(email, password, **fields)


class Organization(TimeStampedModel):
    """A customer company the desk serves, recognised by its email domains."""

    name = models.CharField(max_length=200, unique=True)
    shares_tickets = models.BooleanField(
        default=False, help_text="Members see each other's tickets in the portal."
    )
    allow_signup = models.BooleanField(
        default=False, help_text="People with an email at its domains may sign up in the portal."
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationDomain(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.domain = self.domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.REQUESTER)
    timezone = models.CharField(max_length=64, default="UTC")
    language = models.CharField(max_length=10, default="en")
    organizations = models.ManyToManyField(Organization, related_name="members", blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=dj_timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]
        indexes = [models.Index(Lower("full_name"), name="user_full_name_lower")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @property
    def first_name(self) -> str:
        return (self.full_name or self.email.split("@")[0]).split()[0]

    @property
    def is_staff(self) -> bool:  # Django admin is for admins only.
        return self.role == Role.ADMIN and self.is_active

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        """Admins may configure everything in the Django admin; nobody else enters it."""
        return self.is_staff or super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff or super().has_module_perms(app_label)

    @property
    def is_agent_like(self) -> bool:
        """Works tickets: anyone on the desk side, from agent to admin."""
        return self.role in STAFF_ROLES

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)


class Team(TimeStampedModel):
    """A department that works tickets (IT, HR, Facilities), staffed at tiers L1..vendor."""

    name = models.CharField(max_length=100, unique=True)
    email = models.EmailField(blank=True, help_text="The team's mailbox; replies go here.")
    is_default = models.BooleanField(
        default=False, help_text="Receives tickets that name no team and no category."
    )
    lead = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="teams_led"
    )
    organizations = models.ManyToManyField(
        Organization,
        blank=True,
        related_name="teams",
        help_text="If any are chosen, the team serves only these organizations.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_team"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.L1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="one_membership_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.get_tier_display()})"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(TimeStampedModel):
    """A bearer token; only its SHA-256 is stored, the raw value is shown once at creation."""

    PREFIX = "fl_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="The first characters, to tell tokens apart.")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.hint}… ({self.user})"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
