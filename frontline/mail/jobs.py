"""Mail periodic jobs: poll the IMAP mailboxes that are due (each at its own interval), and
process again what is stuck in "received" or quarantined with attempts left."""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from frontline.core.scheduler import every
from frontline.mail.imap import ImapError, mailbox_poll
from frontline.mail.ingest import mail_retry_pending
from frontline.mail.models import Mailbox

log = logging.getLogger(__name__)


@task()
def poll_mailbox(mailbox_id: int) -> int:
    """Poll one mailbox; return how many messages were fetched (errors are kept on it)."""
    mailbox = Mailbox.objects.filter(pk=mailbox_id, is_active=True).first()
    if mailbox is None:
        return 0
    try:
        return mailbox_poll(mailbox=mailbox).fetched
    except ImapError as exc:
        log.warning("polling mailbox %s failed: %s", mailbox.name, exc)
        return 0


def due_mailboxes(now: dt.datetime | None = None) -> list[int]:
    """Claim the active mailboxes whose interval has passed; return their ids. Claiming is
    an update on ``last_polled_at`` conditioned on its old value, so two schedulers never
    poll one mailbox for the same interval."""
    now = now or timezone.now()
    claimed = []
    for mailbox in Mailbox.objects.filter(is_active=True):
        due = (
            mailbox.last_polled_at is None
            or mailbox.last_polled_at + dt.timedelta(seconds=mailbox.interval_seconds) <= now
        )
        if not due:
            continue
        same = (
            Q(last_polled_at__isnull=True)
            if mailbox.last_polled_at is None
            else Q(last_polled_at=mailbox.last_polled_at)
        )
        if Mailbox.objects.filter(same, pk=mailbox.pk).update(last_polled_at=now):
            claimed.append(mailbox.pk)
    return claimed


@task()
def poll_due_mailboxes() -> int:
    """Enqueue a poll of every mailbox that is due."""
    ids = due_mailboxes()
    for mailbox_id in ids:
        poll_mailbox.enqueue(mailbox_id)
    return len(ids)


@task()
def retry_pending_mail() -> int:
    """Process stuck and quarantined messages again (see ingest.mail_retry_pending)."""
    return mail_retry_pending()


@every(15, "mail-poll")
def mail_poll() -> None:
    poll_due_mailboxes.enqueue()


@every(300, "mail-retry")
def mail_retry() -> None:
    retry_pending_mail.enqueue()
