"""What a notification's template gets: the context every mail shares, and the one way other
apps add to it (context providers).

``mail_context`` builds the placeholders every kind has (the ticket's, ``message``,
``author``, ``status``, ``link``): the notifications' own subscribers use it, and so does any
app that queues a notification of its own.

A *context provider* adds one more placeholder, ``name``, to the mails of some kinds. An app
declares it once (``provider = ContextProvider(...)``; ``register(provider)`` in its
``subscribers.py``, so it is registered at start-up with the event subscribers). Its ``provide``
function gets the event, the ticket and the recipient and returns the value, or None for "not
in this mail". It runs inside the savepoint that stores the OutboundMail, after the
idempotency check: once per stored mail, and whatever it writes is rolled back with the mail
when storing fails. A provider may also declare

- ``section``: wording added below an admin's template that does not use the placeholder,
  so a customised text never loses what the placeholder carries;
- ``required_for``: kinds whose mail is pointless without the value (nothing is stored when
  ``provide`` returns None).

The satisfaction app's rating links (``survey``) and its low-rating figures (``rating``) are
providers (see docs/notifications.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from frontline.accounts.policies import is_desk_user
from frontline.tickets.models import PendingReason, Status, Ticket
from frontline.tickets.template_context import TICKET_PLACEHOLDERS, person_context, ticket_context

# Beyond the ticket's: the message text (reply, new ticket), its author, the status in words,
# and the link the recipient should open (portal for requesters, desk for agents).
BASE_PLACEHOLDERS = (*TICKET_PLACEHOLDERS, "message", "author", "status", "link")


def status_text(ticket: Ticket, status: str, recipient: Any) -> str:
    """The status in words for ``recipient`` ("Waiting for your reply" for the requester)."""
    if status == Status.PENDING:
        if ticket.pending_reason == PendingReason.REQUESTER:
            if recipient is not None and recipient.pk == ticket.requester_id:
                return "Waiting for your reply"
            return "Pending: waiting on the requester"
        if ticket.pending_reason == PendingReason.THIRD_PARTY:
            return "Pending: waiting on a third party"
    try:
        return str(Status(status).label)
    except ValueError:
        return str(status)


def mail_context(
    ticket: Ticket,
    *,
    recipient: Any,
    author: Any = None,
    message: str = "",
    status: str | None = None,
    desk: bool = False,
) -> dict[str, Any]:
    """The placeholders every notification has, for ``recipient`` (``desk``: they work the
    ticket, so ``link`` opens the desk, else the portal). ``agent`` is the author when the
    author is a desk user; ``status`` defaults to the ticket's."""
    context = ticket_context(
        ticket, agent=author if is_desk_user(author) else None, recipient=recipient
    )
    context.update(
        message=message,
        author=person_context(author),
        status=status_text(ticket, status or ticket.status, recipient),
        link=context["ticket"]["desk_url" if desk else "portal_url"],
    )
    return context


Provide = Callable[..., Any]


@dataclass(frozen=True)
class ContextProvider:
    """One placeholder another app adds to the mails of ``kinds`` (see the module doc)."""

    name: str
    kinds: frozenset[str]
    provide: Provide  # (*, kind, event, ticket, recipient) -> value | None
    help: str = ""
    section: str = ""
    required_for: frozenset[str] = field(default_factory=frozenset)


_providers: dict[str, ContextProvider] = {}


def register(provider: ContextProvider) -> ContextProvider:
    """Register (or replace, by name) a provider; returns it."""
    if provider.name in BASE_PLACEHOLDERS:
        raise ValueError(f"“{provider.name}” is a placeholder of every notification.")
    _providers[provider.name] = provider
    return provider


def providers(kind: str | None = None) -> list[ContextProvider]:
    """The registered providers (of ``kind``, when given), by name."""
    return [p for _, p in sorted(_providers.items()) if kind is None or kind in p.kinds]


def placeholders() -> tuple[str, ...]:
    """Every name a notification template may use."""
    return (*BASE_PLACEHOLDERS, *(p.name for p in providers()))


class MissingContext(Exception):
    """A provider required for this kind had nothing to add: the mail is not worth sending."""


def provided_context(kind: str, *, event: Any, ticket: Any, recipient: Any) -> dict[str, Any]:
    """What the providers of ``kind`` add to this mail. Raises MissingContext when one that
    is required for ``kind`` returns None."""
    extra: dict[str, Any] = {}
    for provider in providers(kind):
        value = provider.provide(kind=kind, event=event, ticket=ticket, recipient=recipient)
        if value is None:
            if kind in provider.required_for:
                raise MissingContext(provider.name)
            continue
        extra[provider.name] = value
    return extra
