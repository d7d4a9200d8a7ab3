"""Ticket list exports: CSV from a desk queue, CSV or JSON from the API, streamed.

One selector (``ticket_export``) reads every ticket the user may see that matches the list
filters, through the same scoping and filter rules as the lists
(``frontline.tickets.selectors.tickets_filtered``), as plain rows: a ``values_list`` over the
needed joins, read in chunks of ``CHUNK`` rows, plus one query per chunk for the tags and one
for the category paths. Memory stays flat and the number of queries does not grow with the
rows (only with the number of chunks). CSV cells are neutralised against formulas by
``frontline.core.exports``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, cast

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.core.handlers.asgi import ASGIRequest
from django.db.models import F
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from frontline.accounts.models import Tier, User
from frontline.core.errors import DomainError, ValidationError
from frontline.core.exports import stream_csv, stream_json_array
from frontline.desk.access import desk_required, me
from frontline.desk.forms import FilterForm
from frontline.desk.queues import QUEUE_KEYS, queue_filters
from frontline.desk.views import filter_options
from frontline.tickets.models import Channel, Priority, Status, Ticket, TicketType
from frontline.tickets.selectors import (
    DEFAULT_SORT,
    SLA_DUE,
    SORTS,
    TicketFilters,
    category_paths,
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


def _ordering(sort: str) -> list[Any]:
    """The lists' order for ``sort`` (SLA due times nulls last either way), ties by id."""
    field = SORTS[sort]
    descending = sort.startswith("-")
    if field == SLA_DUE:
        due = F(SLA_DUE)
        return [
            due.desc(nulls_last=True) if descending else due.asc(nulls_last=True),
            "-pk" if descending else "pk",
        ]
    return [f"-{field}", "-pk"] if descending else [field, "pk"]


def _chunks(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _tags_of(ids: Sequence[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = {}
    through = Ticket.tags.through.objects.filter(ticket_id__in=ids)
    for ticket_id, name in through.order_by("tag__name").values_list("ticket_id", "tag__name"):
        tags.setdefault(ticket_id, []).append(name)
    return tags


def _records(rows: Iterable[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
    paths: dict[int, str] | None = None
    for chunk in _chunks(rows, CHUNK):
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
    queryset = tickets_filtered(user, filters).order_by(*_ordering(sort)).values_list(*_FIELDS)
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


ASGI_BATCH = 256  # parts (CSV lines, JSON items) read per hop to the database thread


def stream_under_asgi(
    request: HttpRequest, response: StreamingHttpResponse
) -> StreamingHttpResponse:
    """Keep a sync streaming response streamed when served over ASGI (uvicorn).

    Django's ASGI handler reads a *sync* iterator whole into a list before sending a byte
    (``sync_to_async(list)``), which would hold a large export in memory. Here the iterator
    is handed over as an async one that reads ``ASGI_BATCH`` parts at a time in the thread
    that holds the request's database connection. Under WSGI (and the sync test client) the
    response is left as it is.
    """
    if isinstance(request, ASGIRequest) and not response.is_async:
        parts = cast(Iterator[bytes], response.streaming_content)
        response.streaming_content = _async_parts(parts)
    return response


async def _async_parts(parts: Iterator[Any]) -> AsyncIterator[Any]:
    take = sync_to_async(lambda: list(islice(parts, ASGI_BATCH)), thread_sensitive=True)
    while batch := await take():
        for part in batch:
            yield part


@desk_required
def queue_export(request: HttpRequest, key: str) -> HttpResponse:
    """The queue as CSV, with the filters and sort the agent has on screen (the same query
    string as the queue page), streamed."""
    if key not in QUEUE_KEYS:
        return redirect("desk:queue", key="mine")
    user = me(request)
    form = FilterForm(request.GET, options=filter_options(user))
    back = f"{request.path.rsplit('export.csv', 1)[0]}?{request.GET.urlencode()}"
    if not form.is_valid():
        messages.error(request, "Fix the filters before exporting.")
        return redirect(back)
    filters = queue_filters(user, key, form.to_filters())
    sort = form.cleaned_data.get("sort") or QUEUE_KEYS[key].sort or DEFAULT_SORT
    try:
        records = ticket_export(user, filters, sort=sort)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(back)
    # desk_required wraps views returning HttpResponse; a streaming one is served the same.
    return cast(HttpResponse, export_response(request, records, fmt="csv", stem=f"tickets-{key}"))
