"""The subscriber registry: which code runs for which kind of ticket event.

Subscribers are registered explicitly (``@subscribe("ticket.created")``) in modules that
``frontline.core.subscribers`` imports, so the whole fan-out can be found with grep. No Django
signals carry business flow. A subscriber receives the TicketEvent row; delivery is
at-least-once, so a subscriber must be idempotent (check before it acts, or act on a key).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

Subscriber = Callable[[Any], None]

ALL = "*"
_registry: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(*kinds: str) -> Callable[[Subscriber], Subscriber]:
    """Register the decorated function for the given event kinds (``"*"`` for every kind)."""

    def register(func: Subscriber) -> Subscriber:
        for kind in kinds:
            if func not in _registry[kind]:
                _registry[kind].append(func)
        return func

    return register


def subscribers_for(kind: str) -> list[Subscriber]:
    return [*_registry.get(kind, []), *_registry.get(ALL, [])]


def unsubscribe(func: Subscriber) -> None:
    for funcs in _registry.values():
        if func in funcs:
            funcs.remove(func)
