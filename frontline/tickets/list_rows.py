"""Ticket list rows as plain values, for readers that only read (the API list).

A page of 25 tickets as model instances is 75 objects (ticket, requester, SLA row), and
compiling the 70-column query that loads them costs as much again: together about half of
an API list request. ``selectors.ticket_list_rows`` reads ``COLUMNS`` by a statement
compiled once per shape (``frontline.core.statements``), and the rows become ``ListRow``
objects carrying exactly the attributes the list shape (``tickets.schemas.ticket_item``)
and the cursor read, under the same names as on ``Ticket``, so one renderer serves both.
Team, organization, category and assignee come from the process's reference cache, as for
model rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from frontline.sla.models import TicketSla
from frontline.tickets.refs import attach_references

TICKET_FIELDS = (
    "pk",
    "number",
    "title",
    "type",
    "status",
    "pending_reason",
    "priority",
    "impact",
    "urgency",
    "channel",
    "tier",
    "version",
    "created_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "team_id",
    "organization_id",
    "category_id",
    "assignee_id",
)
REQUESTER_FIELDS = ("pk", "email", "full_name")
# Every column of the SLA row but its ticket: what ``sla.selectors.sla_out`` and the cursor read.
SLA_FIELDS = tuple(f.attname for f in TicketSla._meta.concrete_fields if f.name != "ticket")
COLUMNS = (
    *TICKET_FIELDS,
    *(f"requester__{name}" for name in REQUESTER_FIELDS),
    *(f"sla__{name}" for name in SLA_FIELDS),
    "tag_names",
)
_REQUESTER_AT = len(TICKET_FIELDS)
_SLA_AT = _REQUESTER_AT + len(REQUESTER_FIELDS)
_SLA_ID = _SLA_AT + SLA_FIELDS.index("id")


class ListRow(SimpleNamespace):
    """One ticket of a list page, read-only (see the module's docstring)."""


def _namespace(cls: type[SimpleNamespace], names: Sequence[str], values: Sequence[Any]) -> Any:
    made = cls()
    made.__dict__.update(zip(names, values, strict=True))
    return made


def _row(values: Sequence[Any]) -> ListRow:
    row: ListRow = _namespace(ListRow, TICKET_FIELDS, values[:_REQUESTER_AT])
    row.requester = _namespace(SimpleNamespace, REQUESTER_FIELDS, values[_REQUESTER_AT:_SLA_AT])
    row.sla = (
        None
        if values[_SLA_ID] is None
        else _namespace(SimpleNamespace, SLA_FIELDS, values[_SLA_AT:-1])
    )
    row.tag_names = values[-1]
    return row


def list_rows(found: Sequence[Sequence[Any]]) -> list[ListRow]:
    """The ``ListRow`` of each row of ``COLUMNS`` values, in order, with its references."""
    rows = [_row(values) for values in found]
    if rows:
        attach_references(rows)
    return rows
