"""The access-checked attachment download (session or bearer token)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse, Http404, HttpRequest

from frontline.accounts.selectors import user_for_token
from frontline.core.errors import NotFound
from frontline.tickets.selectors import attachment_for_download


def _request_user(request: HttpRequest) -> object:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return user_for_token(header[7:].strip()) or AnonymousUser()
    return request.user


def attachment_download(request: HttpRequest, uuid: str) -> FileResponse:
    """Serve a file only to someone who may see its message; 404 for everyone else.

    Always as a download (``Content-Disposition: attachment``) with ``nosniff``, so an
    uploaded HTML or SVG file can never run in the desk's origin.
    """
    try:
        attachment = attachment_for_download(_request_user(request), uuid)  # type: ignore[arg-type]
    except NotFound:
        raise Http404("No such attachment.") from None
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type="application/octet-stream"
        if attachment.content_type.startswith(("text/html", "image/svg", "application/xhtml"))
        else attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
