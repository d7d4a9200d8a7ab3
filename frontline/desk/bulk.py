"""Bulk actions on the queue page: each ticket goes through its own service call, so the
policy and the version check apply per ticket and one failure does not stop the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from frontline.accounts.models import User
from frontline.core.errors import DomainError
from frontline.desk.forms import parse_selection
from frontline.tickets import services
from frontline.tickets.selectors import ticket_for


@dataclass
class BulkResult:
    done: int = 0
    problems: list[str] = field(default_factory=list)


def apply(actor: User, data: dict[str, Any], selection: list[str]) -> BulkResult:
    result = BulkResult()
    chosen = parse_selection(selection)
    if not chosen:
        result.problems.append("Select at least one ticket.")
        return result
    action = data["action"]
    target = None
    assignee = None
    if action == "merge":
        if not data.get("into"):
            result.problems.append("Give the number of the ticket to merge into.")
            return result
        try:
            target = ticket_for(actor, data["into"])
        except DomainError:
            result.problems.append(f"There is no ticket #{data['into']} you can see.")
            return result
    if action == "assign":
        assignee = User.objects.filter(pk=data.get("assignee") or 0).first()
        if assignee is None:
            result.problems.append("Choose who to assign to.")
            return result
    for number, version in chosen:
        try:
            ticket = ticket_for(actor, number)
            if action == "claim":
                services.ticket_claim(actor=actor, ticket=ticket, version=version)
            elif action == "assign":
                services.ticket_assign(
                    actor=actor, ticket=ticket, assignee=assignee, version=version
                )
            elif action == "status":
                services.ticket_transition(
                    actor=actor,
                    ticket=ticket,
                    status=data.get("status") or "",
                    pending_reason=data.get("pending_reason") or "",
                    version=version,
                )
            elif action == "priority":
                services.ticket_update(
                    actor=actor, ticket=ticket, priority=data.get("priority") or "", version=version
                )
            elif action == "tag":
                names = [*ticket.tags.values_list("name", flat=True), data.get("tag") or ""]
                services.ticket_update(actor=actor, ticket=ticket, tags=names, version=version)
            elif action == "merge" and target is not None:
                if ticket.pk == target.pk:
                    continue
                services.ticket_merge(actor=actor, source=ticket, target=target, version=version)
            result.done += 1
        except DomainError as exc:
            detail = " ".join(m for msgs in exc.errors.values() for m in msgs) or exc.detail
            result.problems.append(f"#{number}: {detail}")
    return result
