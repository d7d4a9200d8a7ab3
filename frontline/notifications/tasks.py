"""The worker's side of outbound notifications: one task per mail."""

from __future__ import annotations

from django.tasks import task

from frontline.notifications import services


@task()
def deliver_outbound_mail(outbound_id: int) -> str:
    """Send one OutboundMail (idempotent: a sent or claimed one is left alone)."""
    return services.outbound_mail_send(outbound_id=outbound_id)


@task()
def retry_outbound_mail() -> int:
    """Enqueue the mails whose back-off has passed (see services.outbound_mail_retry_due)."""
    return services.outbound_mail_retry_due()
