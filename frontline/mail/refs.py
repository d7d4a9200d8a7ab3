"""What each process keeps of the mail configuration (see ``frontline.core.refcache``): the
desk's own addresses, read for every inbound message, reloaded when a mailbox changes."""

from __future__ import annotations

from frontline.core.refcache import Generation, PerKeyCache
from frontline.mail.models import Mailbox

MAILBOXES = Generation("mailboxes")
MAILBOXES.watch(Mailbox)

# keyed by (SUPPORT_EMAIL, DEFAULT_FROM_EMAIL); see frontline.mail.senders.our_addresses
DESK_ADDRESSES: PerKeyCache[frozenset[str]] = PerKeyCache(MAILBOXES, size=4)
