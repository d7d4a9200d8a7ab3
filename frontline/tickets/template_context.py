"""The data an editable template may use about a ticket, as plain values.

Notification mails and canned responses render in a sandbox (frontline.core.safe_templates);
they get these dicts, never model instances. ``TICKET_PLACEHOLDERS`` is what an editor may
write, and what the save-time check accepts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from frontline.tickets.models import Ticket

TICKET_PLACEHOLDERS = ("ticket", "requester", "agent", "recipient", "site_url")


def person_context(user: Any) -> dict[str, str]:
    if user is None:
        return {"name": "", "first_name": "", "email": ""}
    name = user.display_name
    return {"name": name, "first_name": name.split(" ")[0], "email": user.email}


def ticket_context(ticket: Ticket, *, agent: Any = None, recipient: Any = None) -> dict[str, Any]:
    """Placeholders for ``ticket``: ``{{ ticket.number }}``, ``{{ requester.first_name }}``..."""
    return {
        "ticket": {
            "number": ticket.number,
            "reference": f"#{ticket.number}",
            "title": ticket.title,
            "status": ticket.get_status_display(),
            "priority": ticket.get_priority_display(),
            "type": ticket.get_type_display(),
            "team": ticket.team.name if ticket.team else "",
            "category": ticket.category.name if ticket.category else "",
            "organization": ticket.organization.name if ticket.organization else "",
            "assignee": ticket.assignee.display_name if ticket.assignee else "",
            "portal_url": settings.SITE_URL
            + reverse("portal:request", kwargs={"number": ticket.number}),
            "desk_url": settings.SITE_URL
            + reverse("desk:ticket", kwargs={"number": ticket.number}),
        },
        "requester": person_context(ticket.requester),
        "agent": person_context(agent),
        "recipient": person_context(recipient),
        "site_url": settings.SITE_URL,
    }
