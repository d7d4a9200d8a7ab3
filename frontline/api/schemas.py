"""Pieces every API router shares: references, problem documents, input parsing helpers.

Output is built as plain dicts straight from loaded objects (no per-field resolvers); the
schemas here and in ``<app>/schemas.py`` describe it for OpenAPI and for the tests, which
check responses against them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Protocol, cast

import orjson
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import ConfigDict

from frontline.accounts.models import User
from frontline.core.errors import ValidationError

# A row id as clients send it: bounded, so no driver ever sees an integer it cannot bind.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Input(Schema):
    """Base of request bodies: an unknown field is a 422, so a typo is never silently lost."""

    model_config = ConfigDict(extra="forbid")

    def changes(
        self, *, nullable: Iterable[str] = (), exclude: Iterable[str] = ()
    ) -> dict[str, Any]:
        """The fields the client sent (for PATCH: only those are changed). A null is refused
        with a 422 on that field unless it is ``nullable`` (e.g. clearing a category)."""
        # Top-level fields as sent; nested objects keep their defaults (a member's tier).
        sent = self.model_dump(include=self.model_fields_set - set(exclude))
        allowed_null = set(nullable)
        for name, value in sent.items():
            if value is None and name not in allowed_null:
                raise ValidationError.field(name, "May not be null; leave it out to keep it.")
        return sent


class Problem(Schema):
    """RFC 9457 problem details, with field messages under ``errors``."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: dict[str, list[str]] | None = None


ERRORS: dict[int, Any] = {401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}


class UserRef(Schema):
    id: int
    email: str
    name: str


class NamedRef(Schema):
    id: int
    name: str


class OffsetQuery(Schema):
    limit: int = Field(25, ge=1, le=100, description="Page size, 1..100.")
    offset: int = Field(0, ge=0, le=1_000_000, description="Rows to skip.")


OFFSET_PARAMS = frozenset(OffsetQuery.model_fields)


def actor(request: HttpRequest) -> User:
    """The authenticated user (the router's auth guarantees one)."""
    return cast(User, request.auth)  # type: ignore[attr-defined]


def reject_unknown(request: HttpRequest, allowed: frozenset[str]) -> None:
    """A query parameter we do not know is a 422 naming it (a typo must not widen a list)."""
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        raise ValidationError(
            "Unknown query parameter.",
            errors={
                name: [f"Unknown parameter; use one of: {', '.join(sorted(allowed))}."]
                for name in unknown
            },
        )


def by_id[M: Model](queryset: QuerySet[M], pk: int, field: str, noun: str = "") -> M:
    """The row with this id in an already-scoped queryset, else a 422 on ``field``."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ValidationError.field(field, f"No {noun or field} with id {pk}.")
    return found


def ref[M: Model](queryset: QuerySet[M], pk: int | None, field: str, noun: str = "") -> M | None:
    """Like ``by_id`` for an optional reference: None stays None."""
    return None if pk is None else by_id(queryset, pk, field, noun)


def by_ids[M: Model](
    queryset: QuerySet[M], pks: Iterable[int], field: str, noun: str = ""
) -> list[M]:
    """Rows with these ids (in the given order, duplicates dropped), else a 422 on ``field``."""
    wanted = list(dict.fromkeys(pks))
    if not wanted:
        return []
    found = {obj.pk: obj for obj in queryset.filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError.field(field, f"No {noun or field} with id {missing[0]}.")
    return [found[pk] for pk in wanted]


def offset_page[M: Model](
    queryset: QuerySet[M], limit: int, offset: int
) -> tuple[list[M], int | None]:
    """One page and the offset of the next (None on the last), without a COUNT query."""
    rows = list(queryset[offset : offset + limit + 1])
    if len(rows) > limit:
        return rows[:limit], offset + limit
    return rows, None


class Person(Protocol):
    """What a user reference reads: a ``User``, or a row with the same three attributes."""

    @property
    def pk(self) -> Any: ...
    @property
    def email(self) -> str: ...
    @property
    def full_name(self) -> str: ...


def user_ref(user: Person | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "email": user.email, "name": user.full_name or user.email}


_ENCODER = NinjaJSONEncoder()
# orjson writes the JSON (5× faster than json.dumps on a list page); times and anything else
# it does not know go through ninja's encoder, so they look as on every other endpoint.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def json_response(data: Any, status: int = 200) -> HttpResponse:
    """Render already-built dicts directly, skipping a second validation pass (hot paths)."""
    body = orjson.dumps(data, default=_ENCODER.default, option=_ORJSON_OPTIONS)
    return HttpResponse(body, status=status, content_type="application/json")
