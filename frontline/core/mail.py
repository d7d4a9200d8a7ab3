"""Sending mail from the task worker, never inside a web request.

Every header value that may carry user-controlled text (names, subjects, ticket titles) goes
through ``header_text``/``format_address``: control characters (CR, LF, NUL, ...) become
spaces, so no value can end its header line and start another (no injected Bcc or headers).
"""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task

# C0 and C1 controls (CR, LF, TAB, NUL, NEL ...) and the Unicode line/paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,76}$")
_MESSAGE_ID = re.compile(r"^<[^<>\s@]+@[^<>\s@]+>$")
_ADDR_SPEC = re.compile(r"^[^\s<>@,;:\"()\[\]\\]+@[^\s<>@,;:\"()\[\]\\]+$")


def header_text(value: str, limit: int = 250) -> str:
    """One line of header text: control characters become spaces, runs of space one space."""
    return " ".join(_CONTROL.sub(" ", value or "").split())[:limit]


def is_message_id(value: str) -> bool:
    """``<left@right>`` with nothing that could end the header line or open another id."""
    return bool(_MESSAGE_ID.match(value or ""))


def format_address(address: str, name: str = "") -> str:
    """``"Name" <address>`` with the name cleaned (quoted/encoded on send); ValueError for an
    address that is not a single plain addr-spec (so a hostile value never adds a recipient)."""
    if not _ADDR_SPEC.match(address or ""):
        raise ValueError(f"Not a single email address: {address!r}")
    local, _, domain = address.rpartition("@")
    return str(Address(display_name=header_text(name, 120), username=local, domain=domain))


def from_address(name: str = "") -> str:
    """DEFAULT_FROM_EMAIL's address, with ``name`` as the display name when given."""
    default_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return format_address(address, name or default_name)


def build_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    headers: dict[str, str] | None = None,
    from_email: str | None = None,
    reply_to: list[str] | None = None,
    message_id: str | None = None,
    auto_submitted: bool = True,
) -> EmailMessage:
    """One plain-text message with every header value reduced to a single clean line.

    ``headers`` names must be plain header names (else ValueError); ``message_id`` must look
    like ``<left@right>`` (else ValueError). ``Auto-Submitted: auto-generated`` is set unless
    ``auto_submitted`` is false (a person's words relayed, e.g. an agent's reply).
    """
    extra: dict[str, str] = {}
    if auto_submitted:
        extra["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        if not _HEADER_NAME.match(name):
            raise ValueError(f"Not a header name: {name!r}")
        extra[name] = header_text(str(value), 2000)
    if message_id is not None:
        if not is_message_id(message_id):
            raise ValueError(f"Not a Message-ID: {message_id!r}")
        extra["Message-ID"] = message_id
    return EmailMessage(
        subject=header_text(subject),  # no newlines: no header injection
        body=body,
        from_email=header_text(from_email, 500) if from_email else settings.DEFAULT_FROM_EMAIL,
        to=[header_text(address, 500) for address in to],
        reply_to=[header_text(address, 500) for address in reply_to or []],
        headers=extra,
    )


@task()
def send_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    headers: dict[str, str] | None = None,
    from_email: str | None = None,
    reply_to: list[str] | None = None,
    message_id: str | None = None,
) -> int:
    """Send one plain-text message through Django's email backend (retried by re-enqueueing)."""
    message = build_email(
        subject=subject,
        body=body,
        to=to,
        headers=headers,
        from_email=from_email,
        reply_to=reply_to,
        message_id=message_id,
    )
    return message.send()


def queue_email(*, subject: str, body: str, to: list[str]) -> None:
    send_email.enqueue(subject=subject, body=body, to=to)
