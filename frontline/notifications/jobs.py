"""Periodic job of the notifications app: failed sends are retried after their back-off."""

from __future__ import annotations

from frontline.core.scheduler import every
from frontline.notifications.tasks import retry_outbound_mail


@every(60, "outbound-mail-retry")
def outbound_mail_retry() -> None:
    retry_outbound_mail.enqueue()
