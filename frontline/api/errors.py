"""Every API error is RFC 9457 problem+json, with field messages under ``errors``."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from frontline.core.errors import DomainError

PROBLEM = "application/problem+json"


def problem(
    request: HttpRequest,
    status: int,
    title: str,
    detail: str = "",
    *,
    code: str = "",
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": f"https://frontline.invalid/problems/{code or status}",
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    return HttpResponse(json.dumps(body), status=status, content_type=PROBLEM)


def _location(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja reports ("body", "payload", "title") or ("query", "status"): keep the useful tail.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "file", "payload")]
    return ".".join(parts) or "__all__"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return problem(
            request, exc.status, exc.title, exc.detail, code=exc.code, errors=exc.errors or None
        )

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for item in exc.errors:
            errors.setdefault(_location(item.get("loc", ())), []).append(str(item.get("msg")))
        return problem(
            request,
            422,
            "Invalid input",
            "Some fields are invalid.",
            code="validation_error",
            errors=errors,
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(
            request,
            401,
            "Not authenticated",
            "Send Authorization: Bearer <token>, or sign in.",
            code="not_authenticated",
        )
        response["WWW-Authenticate"] = 'Bearer realm="frontline"'
        return response

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(request, 404, "Not found", "No such thing.", code="not_found")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(request, exc.status_code, str(exc) or "Error", str(exc))
