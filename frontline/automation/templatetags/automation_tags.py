"""Desk fragments of automation: the canned-response picker in the reply box and the
availability switch in the desk bar."""

from __future__ import annotations

from typing import Any

from django import template

from frontline.automation import policies, selectors
from frontline.automation.models import Availability

register = template.Library()


@register.inclusion_tag("automation/_canned_picker.html", takes_context=True)
def canned_picker(context: template.Context, ticket: Any) -> dict[str, Any]:
    """The responses the signed-in agent may use (shared and their teams'), one query."""
    user = context.get("user")
    rows = list(selectors.canned_for(user)) if user and policies.can_use_canned(user) else []
    return {"canned_responses": rows, "ticket": ticket}


@register.inclusion_tag("automation/_availability_toggle.html", takes_context=True)
def availability_toggle(context: template.Context) -> dict[str, Any]:
    user = context.get("user")
    request = context.get("request")
    if user is None or not policies.can_set_availability(user):
        return {"show": False}
    status = selectors.agent_status_of(user)
    return {
        "show": True,
        "online": status is None or status.status == Availability.ONLINE,
        "label": status.get_status_display() if status else Availability.ONLINE.label,
        "next": request.get_full_path() if request is not None else "/desk/",
        "csrf_token": context.get("csrf_token"),
    }
