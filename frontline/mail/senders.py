"""Who wrote a message, and what they may do to a ticket by mail.

Policy (docs/mail.md, "Strangers and agents"):
- a new message from an unknown address registers that address as a requester; the
  organization is the one owning its email domain (as at signup);
- a reply is appended only when its sender is the ticket's requester or one of its watchers
  (Cc'd people become watchers); anyone else's reply is HELD for an agent to accept, reject or
  turn into a new ticket;
- mail grants no desk powers: an agent's address counts only as the requester of their own
  ticket; an agent's mail to someone else's ticket is held like a stranger's (a From line is
  easy to forge, and a desk reply would stamp the first response and change the status).
"""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import parseaddr

from django.conf import settings
from django.db import transaction

from frontline.accounts.models import User, normalize_email
from frontline.accounts.services import requester_for_email
from frontline.core.errors import ValidationError
from frontline.tickets import events
from frontline.tickets.models import Ticket
from frontline.tickets.services._common import locked, save


def _load_our_addresses() -> frozenset[str]:
    from frontline.mail.models import Mailbox

    found = {
        normalize_email(settings.SUPPORT_EMAIL),
        normalize_email(parseaddr(settings.DEFAULT_FROM_EMAIL)[1]),
    }
    for address, username in Mailbox.objects.values_list("address", "username"):
        found.add(normalize_email(address))
        if "@" in username:
            found.add(normalize_email(username))
    found.discard("")
    return frozenset(found)


def our_addresses() -> frozenset[str]:
    """Addresses of the desk itself: never a requester or a watcher. Held per process
    (``frontline.mail.refs``) until a mailbox changes."""
    from frontline.mail.refs import DESK_ADDRESSES

    key = (settings.SUPPORT_EMAIL, settings.DEFAULT_FROM_EMAIL)
    return DESK_ADDRESSES.get(key, _load_our_addresses)


def existing_user(email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email)).first()


def sender_for(email: str, name: str = "") -> User:
    """The user behind ``email``, registered as a requester (with the organization of their
    domain) when new. ValidationError on ``email`` when the address is not usable."""
    return requester_for_email(email, full_name=name)


def is_participant(user: User | None, ticket: Ticket) -> bool:
    """The ticket's requester or one of its watchers."""
    if user is None or not user.is_active:
        return False
    if ticket.requester_id == user.pk:
        return True
    return ticket.watchers.filter(pk=user.pk).exists()


def may_reply_by_mail(user: User | None, ticket: Ticket) -> bool:
    """True when a mail from ``user`` is appended to ``ticket`` as their public reply; False
    when it must be held (see the module docstring)."""
    if user is None or not is_participant(user, ticket):
        return False
    return not (user.is_agent_like and ticket.requester_id != user.pk)


def watcher_candidates(
    addresses: Iterable[tuple[str, str]], *, exclude: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """(email, name) pairs fit to become watchers: not the desk's own addresses, not
    ``exclude`` (sender, requester), no duplicates, at most FRONTLINE_MAIL_MAX_WATCHERS."""
    skip = our_addresses() | {normalize_email(e) for e in exclude}
    chosen: dict[str, str] = {}
    for email, name in addresses:
        email = normalize_email(email)
        if not email or "@" not in email or email in skip or email in chosen:
            continue
        chosen[email] = name
        if len(chosen) >= settings.FRONTLINE_MAIL_MAX_WATCHERS:
            break
    return list(chosen.items())


def watchers_add(*, actor: User | None, ticket: Ticket, users: Iterable[User]) -> Ticket:
    """Add ``users`` as watchers of ``ticket`` (those already on it are skipped).

    Used by mail (Cc'd people, an accepted stranger); ``actor`` is None for mail itself.
    Records ``field_changed`` on ``watchers`` with the old and new id lists, as the desk's
    field edit does. (Ticket services have no add-watcher service; see docs/mail.md.)
    """
    wanted = [u for u in users if u.is_active]
    if not wanted:
        return ticket
    with transaction.atomic():
        current = locked(ticket, version=None)
        old = sorted(current.watchers.values_list("id", flat=True))
        new_users = [u for u in wanted if u.pk not in old and u.pk != current.requester_id]
        if not new_users:
            return current
        current.watchers.add(*new_users)
        new = sorted({*old, *(u.pk for u in new_users)})
        save(current, [])
        events.record(
            current,
            "field_changed",
            actor=actor,
            field="watchers",
            old=old,
            new=new,
            data={"via": "email"},
        )
    return current


def watchers_from_addresses(
    *, ticket: Ticket, addresses: Iterable[tuple[str, str]], exclude: Iterable[str] = ()
) -> list[User]:
    """Register unknown Cc'd addresses as requesters and add them all as watchers."""
    addresses = list(addresses)
    if not addresses:
        return []
    users: list[User] = []
    for email, name in watcher_candidates(addresses, exclude=exclude):
        try:
            users.append(sender_for(email, name))
        except ValidationError:
            continue  # a malformed Cc address is skipped, not fatal
    watchers_add(actor=None, ticket=ticket, users=users)
    return users
