"""Changing a ticket's fields: title, type, impact/urgency/priority, category, custom fields,
tags and watchers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from frontline.accounts.models import User
from frontline.core.errors import ValidationError
from frontline.tickets import events
from frontline.tickets.custom_fields import clean_custom_fields
from frontline.tickets.models import Category, Level, Priority, Ticket, TicketType
from frontline.tickets.services._common import (
    check_choice,
    check_origin,
    clean_tags,
    clean_text,
    field_specs,
    locked,
    matrix_priority,
    origin_data,
    require_work,
    save,
    users_by_id,
)
from frontline.tickets.services.create import MAX_TITLE

UNSET: Any = object()


def ticket_update(
    *,
    actor: User | None,
    ticket: Ticket,
    version: int | None,
    title: str = UNSET,
    type: str = UNSET,
    impact: str = UNSET,
    urgency: str = UNSET,
    priority: str = UNSET,
    category: Category | None = UNSET,
    custom_fields: Mapping[str, Any] = UNSET,
    tags: Iterable[str] = UNSET,
    watcher_ids: Iterable[int] = UNSET,
    origin: Mapping[str, Any] | None = None,
) -> Ticket:
    """Change any of the given fields (desk only); arguments left out stay as they are.

    Changing impact or urgency re-derives the priority from the matrix, unless a priority is
    given in the same call (an agent's override). A category must belong to the ticket's team
    (moving teams is an escalation). Custom fields are validated against the (new) category;
    values of fields the new category lacks are dropped. Each changed field records a
    ``field_changed`` event with old and new; nothing changed means nothing recorded.
    Raises ValidationError (field messages), Conflict (stale version). ``actor=None`` with an
    ``origin`` is a system write (a rule), recorded with the origin in the event data.
    """
    check_origin(actor, origin)
    if actor is not None:
        require_work(actor, ticket)
    with transaction.atomic():
        ticket = locked(ticket, version=version)
        changes: dict[str, tuple[Any, Any]] = {}

        def change(field: str, new: Any, old: Any) -> None:
            if new != old:
                changes[field] = (old, new)

        if title is not UNSET:
            change(
                "title", clean_text(title, "title", required=True, limit=MAX_TITLE), ticket.title
            )
        if type is not UNSET:
            change("type", check_choice(type, TicketType, "type"), ticket.type)
        new_impact = check_choice(impact, Level, "impact") if impact is not UNSET else ticket.impact
        new_urgency = (
            check_choice(urgency, Level, "urgency") if urgency is not UNSET else ticket.urgency
        )
        change("impact", new_impact, ticket.impact)
        change("urgency", new_urgency, ticket.urgency)
        if priority is not UNSET:
            change("priority", check_choice(priority, Priority, "priority"), ticket.priority)
        elif "impact" in changes or "urgency" in changes:
            change("priority", matrix_priority(new_impact, new_urgency), ticket.priority)

        new_category = ticket.category if category is UNSET else category
        if category is not UNSET and category is not None:
            if category.team_id != ticket.team_id:
                raise ValidationError.field(
                    "category", f"This category belongs to {category.team}; escalate to move."
                )
            if not category.is_active and category.pk != ticket.category_id:
                raise ValidationError.field("category", "This category is no longer in use.")
        change("category", new_category.pk if new_category else None, ticket.category_id)

        if custom_fields is not UNSET or "category" in changes:
            specs = field_specs(new_category)
            if custom_fields is UNSET:
                known = {spec.key for spec in specs}
                values = {k: v for k, v in ticket.custom_fields.items() if k in known}
            else:
                values = dict(custom_fields)
            cleaned, errors = clean_custom_fields(specs, values)
            if errors:
                raise ValidationError("Some custom fields are invalid.", errors=errors)
            change("custom_fields", cleaned, ticket.custom_fields)

        for field, (_old, new) in changes.items():
            if field == "category":
                ticket.category = new_category
            else:
                setattr(ticket, field, new)

        if tags is not UNSET:
            old_tags = sorted(ticket.tags.values_list("name", flat=True))
            new_tags = clean_tags(tags)
            if sorted(t.name for t in new_tags) != old_tags:
                ticket.tags.set(new_tags)
                changes["tags"] = (old_tags, sorted(t.name for t in new_tags))
        if watcher_ids is not UNSET:
            old_watchers = sorted(ticket.watchers.values_list("id", flat=True))
            new_watchers = users_by_id(watcher_ids, "watchers")
            if sorted(u.pk for u in new_watchers) != old_watchers:
                ticket.watchers.set(new_watchers)
                changes["watchers"] = (old_watchers, sorted(u.pk for u in new_watchers))

        if not changes:
            return ticket
        save(ticket, [f for f in changes if f not in {"tags", "watchers"}])
        for field, (old, new) in changes.items():
            events.record(
                ticket,
                "field_changed",
                actor=actor,
                field=field,
                old=old,
                new=new,
                data=origin_data(None, origin),
            )
    return ticket
