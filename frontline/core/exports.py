"""CSV and JSON exports that stream, so a large export never sits whole in memory.

Every CSV cell that a spreadsheet would read as a formula (starting with = + - @, or a tab or
carriage return that hides one) is prefixed with an apostrophe: an exported ticket title must
never run as code in the manager's spreadsheet (CSV injection).
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any, cast

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """The text of one CSV cell, with a leading apostrophe if it could start a formula."""
    if type(value) is str:  # most cells: one type check instead of four isinstance calls
        return "'" + value if value.startswith(_FORMULA_START) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, int | float | Decimal):
        return text  # a negative number is data, not a formula
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows``, one line at a time, neutralised."""
    writer = csv.writer(_Echo())
    yield writer.writerow([neutralise(h) for h in header])
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def stream_csv(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A download response streaming ``rows`` as CSV (UTF-8 with BOM, for spreadsheets)."""

    def body() -> Iterator[str]:
        yield "\ufeff"
        yield from csv_lines(header, rows)

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def stream_json_array(items: Iterable[Any], *, filename: str = "") -> StreamingHttpResponse:
    """A response streaming ``items`` (dicts) as one JSON array, item by item."""

    def body() -> Iterator[str]:
        yield "["
        for index, item in enumerate(items):
            yield ("," if index else "") + json.dumps(item, default=_json_default)
        yield "]"

    response = StreamingHttpResponse(body(), content_type="application/json")
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
