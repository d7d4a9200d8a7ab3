"""Sending mail from the task worker, never inside a web request."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task


@task()
def send_email(
    *, subject: str, body: str, to: list[str], headers: dict[str, str] | None = None
) -> int:
    """Send one plain-text message through Django's email backend (retried by re-enqueueing)."""
    message = EmailMessage(
        subject=" ".join(subject.split())[:250],  # no newlines: no header injection
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers={"Auto-Submitted": "auto-generated", **(headers or {})},
    )
    return message.send()


def queue_email(*, subject: str, body: str, to: list[str]) -> None:
    send_email.enqueue(subject=subject, body=body, to=to)
