"""What a demo scenario is: one kind of request a desk sees again and again."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Days(int):
    """A date custom field given as days after the ticket was opened (dates stay current)."""


@dataclass(frozen=True)
class Scenario:
    """One realistic request and the conversation it usually leads to.

    Texts may use ``{first}`` (the requester's first name) and ``{agent}`` (the working
    agent's first name). ``escalation`` is the reason L1 gives when the ticket needs the
    next tier (empty: L1 usually solves it). ``third_party`` names who the desk waits on
    when the ticket pends on a third party; ``to_vendor`` sends it to the team's vendor tier.
    """

    team: str
    category: tuple[str, str]
    title: str
    description: str
    ask: str
    answer: str
    note: str
    fix: str
    type: str = "incident"
    impact: str = "low"
    urgency: str = "low"
    fields: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    escalation: str = ""
    third_party: str = ""
    to_vendor: bool = False
