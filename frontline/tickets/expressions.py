"""SQL expressions the ticket selectors share."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.db.models import OuterRef, Subquery

from frontline.tickets.models import Tag


class _NameList(models.Field[Any, list[str]]):
    """A list of strings read back from either database: PostgreSQL returns an array,
    SQLite a JSON text."""

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> list[str]:
        if value is None:
            return []
        names = json.loads(value) if isinstance(value, str) else list(value)
        return sorted(name for name in names if name is not None)


class TagNames(Subquery):
    """A ticket's tag names, sorted, computed inside the row's own query.

    A page of tickets then needs no second query for its tags (``prefetch_related`` costs a
    round trip and a related-manager per row, the largest per-row cost of the list)."""

    template = "ARRAY(%(subquery)s)"

    def __init__(self, ticket_ref: str = "pk") -> None:
        names = Tag.objects.filter(tickets=OuterRef(ticket_ref)).values("name")
        super().__init__(names, output_field=_NameList())

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="(SELECT json_group_array(name) FROM (%(subquery)s))",
            **extra_context,
        )
