"""Ticket list exports: every ticket a user may see that matches the list filters, as plain
records, and their streamed CSV or JSON download (used by the desk queue and the API).

``ticket_export`` reads through the lists' own scoping, filters and order
(``frontline.tickets.selectors``) as a ``values_list`` over the needed joins, in chunks of
``CHUNK`` rows, plus one query per chunk for the tags and one for the category paths: memory
stays flat and the number of queries grows only with the number of chunks. CSV cells are
neutralised against formulas by ``frontline.core.exports``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import batched
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

from frontline.accounts.models import Tier, User
from frontline.core.errors import ValidationError
from frontline.core.exports import stream_csv, stream_json_array, stream_under_asgi
from frontline.tickets.models import Channel, Priority, Status, Ticket, TicketType
from frontline.tickets.selectors import (
    DEFAULT_SORT,
    SORTS,
    TicketFilters,
    category_paths,
    list_order,
    tickets_filtered,
)

CHUNK = 2000
FORMATS = ("csv", "json")

# (key in a JSON record, CSV header), in column order.
COLUMNS: list[tuple[str, str]] = [
    ("number", "Number"),
    ("title", "Title"),
    ("status", "Status"),
    ("priority", "Priority"),
    ("type", "Type"),
    ("team", "Team"),
    ("tier", "Tier"),
    ("assignee", "Assignee"),
    ("requester", "Requester"),
    ("requester_email", "Requester email"),
    ("organization", "Organization"),
    ("category", "Category"),
    ("channel", "Channel"),
    ("created_at", "Created"),
    ("updated_at", "Updated"),
    ("first_response_at", "First response"),
    ("resolved_at", "Resolved"),
    ("tags", "Tags"),
]
HEADER = [header for _, header in COLUMNS]

_FIELDS = (
    "pk",
    "number",
    "title",
    "status",
    "priority",
    "type",
    "team__name",
    "tier",
    "assignee__full_name",
    "assignee__email",
    "requester__full_name",
    "requester__email",
    "organization__name",
    "category_id",
    "channel",
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
)

# Spreadsheet readers get the words the desk shows; JSON keeps the API's codes.
_LABELS: dict[str, dict[str, str]] = {
    "status": dict(Status.choices),
    "priority": dict(Priority.choices),
    "type": dict(TicketType.choices),
    "tier": dict(Tier.choices),
    "channel": dict(Channel.choices),
}


def _tags_of(ids: Sequence[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {}
    through = Ticket.tags.through.objects.filter(ticket_id__in=ids)
    for ticket_id, name in through.order_by("tag__name").values_list("ticket_id", "tag__name"):
        tags.setdefault(ticket_id, []).append(name)
    return tags


def _records(rows: Iterable[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    paths: dict[int, str] | None = None
    for chunk in batched(rows, CHUNK):
        if paths is None:
            paths = category_paths()
        tags = _tags_of([row[0] for row in chunk])
        for (
            pk,
            number,
            title,
            status,
            priority,
            type_,
            team,
            tier,
            assignee_name,
            assignee_email,
            requester_name,
            requester_email,
            organization,
            category_id,
            channel,
            created_at,
            updated_at,
            first_response_at,
            resolved_at,
        ) in chunk:
            yield {
                "number": number,
                "title": title,
                "status": status,
                "priority": priority,
                "type": type_,
                "team": team or "",
                "tier": tier,
                "assignee": (assignee_name or assignee_email or ""),
                "requester": requester_name or requester_email,
                "requester_email": requester_email,
                "organization": organization or "",
                "category": paths.get(category_id, "") if category_id else "",
                "channel": channel,
                "created_at": created_at,
                "updated_at": updated_at,
                "first_response_at": first_response_at,
                "resolved_at": resolved_at,
                "tags": tags.get(pk, []),
            }


def ticket_export(
    user: User, filters: TicketFilters | None = None, *, sort: str = DEFAULT_SORT
) -> Iterator[dict[str, Any]]:
    """Every ticket the user may see matching ``filters``, in ``sort`` order, as plain dicts
    (keys: ``COLUMNS``; codes for status, priority...; tags as a list).

    Scoping and filters are the lists' own. Bad filters or an unknown sort raise
    ValidationError at once, before anything is streamed; the rows are read lazily, in
    chunks, as the caller iterates: queries are 1 + 2 per CHUNK rows, whatever the count.
    """
    if sort not in SORTS:
        raise ValidationError.field("sort", f"Sort by one of: {', '.join(SORTS)}.")
    queryset = tickets_filtered(user, filters).order_by(*list_order(sort)).values_list(*_FIELDS)
    return _records(queryset.iterator(chunk_size=CHUNK))


def csv_row(record: dict[str, Any]) -> list[Any]:
    """One record as CSV cells: the desk's words for codes, tags joined by commas."""
    cells: list[Any] = []
    for key, _ in COLUMNS:
        value = record[key]
        if key in _LABELS:
            value = _LABELS[key].get(value, value)
        elif key == "tags":
            value = ", ".join(value)
        cells.append(value)
    return cells


def _filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.now():%Y%m%d-%H%M}.{extension}"


def export_response(
    request: HttpRequest, records: Iterator[dict[str, Any]], *, fmt: str, stem: str = "tickets"
) -> StreamingHttpResponse:
    """A streaming download of ``records`` as CSV or as one JSON array."""
    if fmt == "json":
        response = stream_json_array(records, filename=_filename(stem, "json"))
    else:
        response = stream_csv(_filename(stem, "csv"), HEADER, (csv_row(r) for r in records))
    return stream_under_asgi(request, response)
