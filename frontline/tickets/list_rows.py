"""Ticket list rows read by a statement compiled once, for readers that only read (the API).

A page of 25 tickets as model instances is 75 objects (ticket, requester, SLA row), and
compiling the 70-column query that loads them costs as much again: together about half of
an API list request. Here the ORM compiles, once per process and page length, the statement
that reads those columns for a list of ids; each request then only runs it. The rows keep
the ORM's own value conversions (SQLite's datetimes, the tag-name list) and become
``ListRow`` objects carrying exactly the attributes the list shape
(``tickets.schemas.ticket_item``) and the cursor read, under the same names as on
``Ticket``, so one renderer serves both. Team, organization, category and assignee come
from the process's reference cache, as for model rows.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from django.db import connection

from frontline.sla.models import TicketSla
from frontline.tickets.expressions import TagNames
from frontline.tickets.models import Ticket
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


class _Statement:
    """The compiled SELECT of ``COLUMNS`` for ``count`` ids, and its value converters."""

    def __init__(self, count: int) -> None:
        placeholder_ids = list(range(1, count + 1))
        queryset = (
            Ticket.objects.annotate(tag_names=TagNames())
            .filter(pk__in=placeholder_ids)
            .values_list(*COLUMNS)
        )
        compiler = queryset.query.get_compiler(connection=connection)
        self.sql, params = compiler.as_sql()
        # The ids must be the statement's only parameters, in order, for it to be reusable.
        if list(params) != placeholder_ids:
            raise RuntimeError("the list statement has parameters besides its ids")
        self._compiler = compiler
        self._converters = compiler.get_converters([column[0] for column in compiler.select])

    def run(self, ids: Sequence[int]) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, list(ids))
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        if self._converters:
            return [tuple(row) for row in self._compiler.apply_converters(rows, self._converters)]
        return rows


_statements: dict[tuple[str, int], _Statement] = {}
_lock = threading.Lock()


def _statement(count: int) -> _Statement:
    key = (connection.vendor, count)
    statement = _statements.get(key)
    if statement is None:
        statement = _Statement(count)
        with _lock:
            _statements[key] = statement
    return statement


def _row(values: Sequence[Any]) -> ListRow:
    row = ListRow(**dict(zip(TICKET_FIELDS, values, strict=False)))
    row.requester = SimpleNamespace(
        **dict(zip(REQUESTER_FIELDS, values[_REQUESTER_AT:_SLA_AT], strict=True))
    )
    row.sla = (
        None
        if values[_SLA_ID] is None
        else SimpleNamespace(**dict(zip(SLA_FIELDS, values[_SLA_AT:-1], strict=True)))
    )
    row.tag_names = values[-1]
    return row


def list_rows(ids: Sequence[int]) -> list[ListRow]:
    """The ``ListRow`` of each ticket id, in the order of ``ids`` (one query; none for no ids)."""
    if not ids:
        return []
    by_id = {values[0]: _row(values) for values in _statement(len(ids)).run(ids)}
    rows = [by_id[pk] for pk in ids if pk in by_id]
    attach_references(rows)
    return rows
