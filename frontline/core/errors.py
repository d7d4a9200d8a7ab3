"""Domain errors raised by services; one handler per entry point maps them to HTTP or messages.

- NotFound: the thing does not exist *or the user may not see it* (404, no existence oracle).
- PermissionDenied: the user may see the thing but may not do this to it (403).
- ValidationError: bad input, with messages per field (422 / form errors).
- InvalidTransition: the state machine refuses the change (409 in the API, a message in the UI).
- Conflict: the write was based on an outdated version (409).
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    status = 400
    title = "Bad request"
    code = "bad_request"

    def __init__(self, detail: str = "", *, errors: Mapping[str, list[str]] | None = None):
        self.detail = detail or self.title
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        super().__init__(self.detail)


class NotFound(DomainError):
    status = 404
    title = "Not found"
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    title = "Permission denied"
    code = "permission_denied"


class ValidationError(DomainError):
    status = 422
    title = "Invalid input"
    code = "validation_error"

    @classmethod
    def field(cls, name: str, message: str) -> ValidationError:
        return cls(message, errors={name: [message]})


class InvalidTransition(DomainError):
    status = 409
    title = "Invalid transition"
    code = "invalid_transition"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    code = "conflict"
