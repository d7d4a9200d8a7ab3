"""What other apps add to a notification before it is rendered.

An app registers a function for a kind (``@extends(NotificationKind.RESOLVED)``, in its
``subscribers.py`` so it is registered at start-up with the event subscribers). When a mail
of that kind is about to be stored, the function gets the event, the ticket and the recipient
and returns extra template context (or None). It runs inside the savepoint that stores the
OutboundMail, after the idempotency check: it runs once per stored mail, and whatever it
writes is rolled back with the mail when storing fails. The satisfaction app uses it to put
the rating links in the requester's "resolved" mail (see docs/satisfaction.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

Extension = Callable[..., Mapping[str, Any] | None]

_registry: dict[str, list[Extension]] = defaultdict(list)


def extends(*kinds: str) -> Callable[[Extension], Extension]:
    """Register the decorated ``func(*, event, ticket, recipient)`` for these kinds."""

    def register(func: Extension) -> Extension:
        for kind in kinds:
            if func not in _registry[kind]:
                _registry[kind].append(func)
        return func

    return register


def extra_context(kind: str, *, event: Any, ticket: Any, recipient: Any) -> dict[str, Any]:
    """The context every extension of ``kind`` adds for this mail (later ones win)."""
    extra: dict[str, Any] = {}
    for func in _registry.get(kind, []):
        extra.update(func(event=event, ticket=ticket, recipient=recipient) or {})
    return extra
