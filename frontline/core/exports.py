"""CSV and JSON exports that stream, so a large export never sits whole in memory.

Every CSV cell that a spreadsheet would read as a formula (starting with = + - @, or a tab or
carriage return that hides one) is prefixed with an apostrophe: an exported ticket title must
never run as code in the manager's spreadsheet (CSV injection).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """The text of one CSV cell, with a leading apostrophe if it could start a formula."""
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
