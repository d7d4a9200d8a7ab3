"""Ticket categories as each process holds them (see ``frontline.core.refcache``), and the
one place list selectors attach cached teams, organizations, categories and assignees to the
rows they load, instead of a query per relation per request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from frontline.accounts.refs import DESK_USERS, DIRECTORY, ORGANIZATIONS, TEAMS
from frontline.core.refcache import Generation, ReferenceTable
from frontline.tickets.models import Category, PriorityRule, Ticket

DIRECTORY.watch(Category)
CATEGORIES: ReferenceTable[Category] = ReferenceTable(DIRECTORY, lambda: Category.objects.all())

# The impact × urgency matrix, read by every ticket creation and impact/urgency change.
PRIORITY_MATRIX = Generation("priority-matrix")
PRIORITY_MATRIX.watch(PriorityRule)
PRIORITY_RULES: ReferenceTable[PriorityRule] = ReferenceTable(
    PRIORITY_MATRIX, lambda: PriorityRule.objects.all()
)

_CACHED_RELATIONS = (
    ("team", TEAMS),
    ("organization", ORGANIZATIONS),
    ("category", CATEGORIES),
    ("assignee", DESK_USERS),
)
CACHED_RELATIONS = tuple(name for name, _ in _CACHED_RELATIONS)


def attach_references(tickets: Sequence[Any]) -> None:
    """Set each ticket's team, organization, category and assignee from the process cache
    (as ``select_related`` would, so reading them runs no query). Works on ``Ticket``
    instances and on the API list's ``ListRow`` objects alike. Read-only objects: never save
    what you reach through them."""
    for name, table in _CACHED_RELATIONS:
        field = Ticket._meta.get_field(name)
        attname = field.attname  # type: ignore[union-attr]
        rows = table.lookup(getattr(t, attname) for t in tickets)
        for ticket in tickets:
            pk = getattr(ticket, attname)
            value = rows.get(pk) if pk is not None else None
            if isinstance(ticket, Ticket):
                field.set_cached_value(ticket, value)  # type: ignore[union-attr]
            else:
                setattr(ticket, name, value)
