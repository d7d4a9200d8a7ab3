"""Turning events and messages into what the desk shows: one timeline, readable history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from frontline.accounts.models import Team, Tier, User
from frontline.tickets.models import Message, Status, TicketEvent

TIMELINE_EVENT_KINDS = {
    "status_changed",
    "assigned",
    "escalated",
    "merged",
    "merged_in",
    "linked",
    "survey_answered",
}


@dataclass
class Entry:
    at: Any
    kind: str  # "message" or "event"
    message: Message | None = None
    text: str = ""
    actor: str = ""


def _people(events: list[TicketEvent]) -> dict[int, str]:
    ids = {
        value
        for event in events
        if event.field in {"assignee", "watchers"}
        for value in ([event.old, event.new] if event.field == "assignee" else [])
        if isinstance(value, int)
    }
    return {u.pk: u.display_name for u in User.objects.filter(pk__in=ids)} if ids else {}


def _teams(events: list[TicketEvent]) -> dict[int, str]:
    ids = {
        value
        for event in events
        if event.kind == "escalated"
        for value in (event.data.get("from_team"), event.data.get("to_team"))
        if isinstance(value, int)
    }
    return {t.pk: t.name for t in Team.objects.filter(pk__in=ids)} if ids else {}


def _label(value: Any, choices: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def describe(event: TicketEvent, people: dict[int, str], teams: dict[int, str]) -> str:
    """One line of plain English for an event."""
    data = event.data or {}
    if event.kind == "created":
        return f"Created via {data.get('channel', 'web')}"
    if event.kind == "status_changed":
        text = f"Status {_label(event.old, Status)} → {_label(event.new, Status)}"
        if data.get("pending_reason"):
            text += f" ({data['pending_reason'].replace('_', ' ')})"
        if data.get("first_contact"):
            text += " on first contact"
        return text
    if event.kind == "assigned":
        new = people.get(event.new, "nobody") if event.new else "nobody"
        return f"Assigned to {new}"
    if event.kind == "escalated":
        to_team = teams.get(data.get("to_team") or 0, "")
        return (
            f"Escalated to {to_team + ' ' if to_team else ''}"
            f"{_label(data.get('to_tier'), Tier)}: {data.get('reason', '')}"
        )
    if event.kind == "field_changed":
        return f"Changed {event.field.replace('_', ' ')}: {_short(event.old)} → {_short(event.new)}"
    if event.kind == "replied":
        return "Replied" if data.get("by") == "agent" else "Requester replied"
    if event.kind == "noted":
        return "Added an internal note"
    if event.kind == "merged":
        return f"Merged into #{data.get('into')}"
    if event.kind == "merged_in":
        return f"#{data.get('from')} was merged into this ticket"
    if event.kind in {"linked", "unlinked"}:
        other = data.get("target") or data.get("source")
        verb = "Linked" if event.kind == "linked" else "Unlinked"
        return f"{verb} #{other} ({str(data.get('kind', '')).replace('_', ' ')})"
    if event.kind == "survey_answered":
        verb = "Changed the rating to" if data.get("changed") else "Rated the request"
        return f"{verb} {data.get('score')}/5" + (" with a comment" if data.get("comment") else "")
    return event.kind.replace("_", " ").capitalize()


def _short(value: Any) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def system_actor(event: TicketEvent) -> str:
    """Who did a change no person made: the rule, routing or SLA named in its data."""
    data: dict[str, Any] = event.data or {}
    nested = data.get("origin")
    origin: dict[str, Any] = nested if isinstance(nested, dict) else data
    by = origin.get("by")
    if by == "rule":
        return f"Rule “{origin.get('rule_name') or origin.get('rule')}”"
    if by == "routing":
        return "Routing"
    if by == "sla":
        return "SLA"
    if data.get("via") == "email" or data.get("auto"):
        return "Email"
    return "Frontline"


def history(events: list[TicketEvent]) -> list[Entry]:
    people, teams = _people(events), _teams(events)
    return [
        Entry(
            at=event.at,
            kind="event",
            text=describe(event, people, teams),
            actor=event.actor.display_name if event.actor else system_actor(event),
        )
        for event in events
    ]


def timeline(messages: list[Message], events: list[TicketEvent]) -> list[Entry]:
    """Messages and the notable events, in order."""
    entries = [Entry(at=m.created_at, kind="message", message=m) for m in messages]
    entries += [
        entry
        for entry, event in zip(history(events), events, strict=True)
        if event.kind in TIMELINE_EVENT_KINDS and event.kind != "escalated"
    ]  # escalations already appear as a system message with the reason
    entries.sort(key=lambda entry: entry.at)
    return entries
