"""Helpers shared by the ticket services: locking with version check, saving, the matrix."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone

from frontline.accounts.models import User
from frontline.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from frontline.tickets import policies
from frontline.tickets.models import Tag, Ticket
from frontline.tickets.priority import priority_for
from frontline.tickets.refs import PRIORITY_RULES
from frontline.tickets.selectors import field_specs as field_specs  # services validate with it

TAG_RE = re.compile(r"^[\w][\w .+-]{0,49}$")


def locked(ticket: Ticket | int, *, version: int | None) -> Ticket:
    """Re-read the ticket under a row lock and refuse a write made on an older version.

    Must run inside ``transaction.atomic``. On PostgreSQL the lock serialises concurrent
    writers, so of two writes made on the same version exactly one succeeds.
    """
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    try:
        current = Ticket.objects.select_for_update(of=("self",)).get(pk=pk)
    except Ticket.DoesNotExist:
        raise NotFound("No such ticket.") from None
    if version is not None and current.version != version:
        raise Conflict(
            f"Ticket #{current.number} was changed by someone else "
            f"(you saw version {version}, it is now at {current.version}). "
            "Reload it and try again; your input was not saved.",
            errors={"version": [f"Outdated: the ticket is at version {current.version}."]},
        )
    return current


def save(ticket: Ticket, fields: Iterable[str]) -> None:
    """Save the named fields, raise the version, touch updated_at."""
    ticket.version += 1
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=[*set(fields), "version", "updated_at"])


Origin = Mapping[str, Any]


def check_origin(actor: User | None, origin: Origin | None) -> None:
    """A write is made either by a user (``actor``, no ``origin``) or by Frontline itself on
    behalf of a rule or routing (``actor=None`` and an ``origin`` such as
    ``{"by": "rule", "rule": 7, "rule_version": 2, "rule_name": "..."}``, merged into the data
    of every event the write records). System writes skip the user policy checks."""
    if (actor is None) == (origin is None):
        raise ValueError("Give either an acting user or an origin (a system write), not both.")
    if origin is not None and not origin.get("by"):
        raise ValueError("An origin names who acts: {'by': 'rule', ...}.")


def origin_data(data: Mapping[str, Any] | None, origin: Origin | None) -> dict[str, Any]:
    """The event data of a write, with the origin of a system write merged in."""
    return {**(data or {}), **(origin or {})}


def origin_label(actor: User | None, origin: Origin | None) -> str:
    """Who did it, for timeline lines: the user, or e.g. the rule “Close stale tickets”."""
    if actor is not None:
        return str(actor)
    origin = origin or {}
    if origin.get("by") == "rule":
        return f"the rule “{origin.get('rule_name', origin.get('rule', ''))}”"
    return str(origin.get("by", "Frontline"))


def require_view(actor: User, ticket: Ticket) -> None:
    if not policies.can_view_ticket(actor, ticket):
        raise NotFound("No such ticket.")


def require_work(actor: User, ticket: Ticket) -> None:
    require_view(actor, ticket)
    if not policies.can_work_ticket(actor, ticket):
        raise PermissionDenied("Only the desk can do this.")


def require_desk(actor: User, what: str) -> None:
    if not policies.is_desk_user(actor):
        raise ValidationError.field(what, "Only the desk can set this.")


def matrix_priority(impact: str, urgency: str) -> str:
    rules = PRIORITY_RULES.rows().values()  # the process's copy (``tickets.refs``)
    matrix = {(rule.impact, rule.urgency): rule.priority for rule in rules}
    return priority_for(impact, urgency, matrix)


def clean_tags(names: Iterable[Any]) -> list[Tag]:
    cleaned: list[str] = []
    for raw in names:
        name = " ".join(str(raw).split()).lower()
        if not TAG_RE.match(name):
            raise ValidationError.field(
                "tags", f"“{raw}” is not a valid tag (letters, digits, space, . + -; ≤ 50)."
            )
        if name not in cleaned:
            cleaned.append(name)
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=cleaned)}
    missing = [Tag(name=name) for name in cleaned if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=cleaned)}
    return [existing[name] for name in cleaned]


def users_by_id(ids: Iterable[int], field: str) -> list[User]:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    users = {u.pk: u for u in User.objects.filter(pk__in=wanted, is_active=True)}
    unknown = [i for i in wanted if i not in users]
    if unknown:
        raise ValidationError.field(field, f"No active user with id {unknown[0]}.")
    return [users[i] for i in wanted]


def check_choice(value: str, choices: type[Any], field: str) -> str:
    """``value`` if it is one of the TextChoices ``choices``; a field error naming them if not."""
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise ValidationError.field(field, f"“{value}” is not one of: {allowed}.")
    return value


def clean_text(value: str | None, field: str, *, required: bool, limit: int) -> str:
    """Stripped text within ``limit`` characters (and present when ``required``)."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationError.field(field, "This field is required.")
    if len(text) > limit:
        raise ValidationError.field(field, f"At most {limit:,} characters ({len(text):,} given).")
    return text
