"""The portal speaks the requester's language, not the desk's."""

from __future__ import annotations

from frontline.tickets.models import Ticket

IMPACT_CHOICES = [
    ("low", "Just me"),
    ("medium", "My team"),
    ("high", "The whole company"),
]
URGENCY_CHOICES = [
    ("low", "It can wait"),
    ("medium", "It slows my work"),
    ("high", "It stops my work"),
]


def status_words(ticket: Ticket) -> str:
    if ticket.status == "new":
        return "Received"
    if ticket.status == "open":
        return "In progress"
    if ticket.status == "pending":
        return (
            "Waiting for your reply"
            if ticket.pending_reason == "requester"
            else "Waiting on a third party"
        )
    if ticket.status == "resolved":
        return "Solved: please confirm"
    if ticket.merged_into_id:
        return "Merged into another request"
    return "Closed"
