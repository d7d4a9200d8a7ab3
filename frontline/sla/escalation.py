"""SLA escalation (a service): what happens when a clock warns or breaches, per policy.

Done by the system, not by a user: ticket services require an acting user, so
``sla_escalate`` makes its own minimal locked update (raising the version like every ticket
write) and records ``field_changed`` / ``escalated`` with ``actor=None`` and
``data["by"] = "sla"``. Each warning or breach escalates once, however often its event is
delivered.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from frontline.accounts.models import Role, TeamMembership, Tier, User
from frontline.core.mail import queue_email
from frontline.sla.models import (
    EscalationAction,
    TicketSla,
)
from frontline.sla.services import STOPPED
from frontline.tickets import events
from frontline.tickets.models import Priority, Ticket, TicketEvent
from frontline.tickets.services import system_message

log = logging.getLogger(__name__)
PRIORITY_UP = {Priority.P4: Priority.P3, Priority.P3: Priority.P2, Priority.P2: Priority.P1}


def _recipients(ticket: Ticket, action: str) -> list[str]:
    if action == EscalationAction.NOTIFY_ASSIGNEE:
        return [ticket.assignee.email] if ticket.assignee and ticket.assignee.is_active else []
    if ticket.team is None:
        return []
    if action == EscalationAction.NOTIFY_TEAM_LEAD:
        lead = ticket.team.lead
        return [lead.email] if lead is not None and lead.is_active else []
    managers = User.objects.filter(
        role=Role.MANAGER,
        is_active=True,
        pk__in=TeamMembership.objects.filter(team=ticket.team).values("user_id"),
    )
    return sorted(m.email for m in managers)


def _system_save(ticket: Ticket, fields: list[str]) -> None:
    ticket.version += 1
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=[*fields, "version", "updated_at"])


def sla_escalate(event: TicketEvent) -> list[str]:
    """Carry out the policy's escalation for an ``sla_warning`` / ``sla_breached`` event;
    return the actions done.

    Actions (``SlaPolicy.on_warning`` / ``on_breach``): notify the assignee, the team lead or
    the team's managers (one plain-text email each, queued after commit), raise the priority
    one step, move to the next tier, or move to the policy's escalation team. Ticket changes
    are system writes under a row lock (version raised, events with ``actor=None`` and
    ``data.by == "sla"``). Idempotent per event: an ``sla_escalated`` event naming the source
    event is recorded in the same transaction and checked first.
    """
    if event.kind not in ("sla_warning", "sla_breached"):
        return []
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("assignee", "team__lead")
            .filter(pk=event.ticket_id)
            .first()
        )
        if ticket is None or ticket.status in STOPPED:
            return []
        done_before = TicketEvent.objects.filter(
            ticket_id=ticket.pk, kind="sla_escalated", data__source=event.pk
        ).exists()
        sla = TicketSla.objects.filter(ticket_id=ticket.pk).select_related("policy").first()
        if done_before or sla is None:
            return []
        policy = sla.policy
        actions = policy.on_warning if event.kind == "sla_warning" else policy.on_breach
        metric = str((event.data or {}).get("metric", ""))
        what = "warning" if event.kind == "sla_warning" else "breach"
        label = metric.replace("_", " ")
        done: list[str] = []
        emails: set[str] = set()
        for action in actions or []:
            if action in (
                EscalationAction.NOTIFY_ASSIGNEE,
                EscalationAction.NOTIFY_TEAM_LEAD,
                EscalationAction.NOTIFY_MANAGERS,
            ):
                to = [e for e in _recipients(ticket, action) if e not in emails]
                if to:
                    emails.update(to)
                    done.append(action)
            elif action == EscalationAction.RAISE_PRIORITY:
                new = PRIORITY_UP.get(Priority(ticket.priority))
                if new is not None:
                    old, ticket.priority = ticket.priority, new.value
                    _system_save(ticket, ["priority"])
                    events.record(
                        ticket,
                        "field_changed",
                        field="priority",
                        old=old,
                        new=ticket.priority,
                        data={"by": "sla", "metric": metric, "reason": what},
                    )
                    done.append(action)
            elif action in (EscalationAction.NEXT_TIER, EscalationAction.OTHER_TEAM):
                old_team, old_tier = ticket.team, ticket.tier
                if action == EscalationAction.NEXT_TIER:
                    following = Tier(ticket.tier).next()
                    if following is None:
                        continue
                    new_team, new_tier = old_team, following.value
                else:
                    new_team = policy.escalation_team
                    if new_team is None or new_team.pk == ticket.team_id:
                        continue
                    new_tier = Tier.L1.value
                ticket.team, ticket.tier, ticket.assignee = new_team, new_tier, None
                fields = ["team", "tier", "assignee"]
                if new_team != old_team and ticket.category_id is not None:
                    ticket.category = None
                    fields.append("category")
                _system_save(ticket, fields)
                reason = f"SLA {what}: {label}"
                where = f"{new_team} {Tier(new_tier).label}" if new_team else Tier(new_tier).label
                system_message(ticket, f"Escalated to {where} by the SLA policy: {reason}")
                events.record(
                    ticket,
                    "escalated",
                    data={
                        "from_team": old_team.pk if old_team else None,
                        "to_team": new_team.pk if new_team else None,
                        "from_tier": old_tier,
                        "to_tier": new_tier,
                        "reason": reason,
                        "by": "sla",
                    },
                )
                done.append(action)
        events.record(
            ticket, "sla_escalated", data={"source": event.pk, "metric": metric, "actions": done}
        )
        if emails:
            link = f"{settings.SITE_URL}/desk/tickets/{ticket.number}/"
            subject = f"[#{ticket.number}] SLA {what}: {label} — {ticket.title}"
            due = (event.data or {}).get("due_at") or "—"
            body = (
                f"Ticket #{ticket.number} “{ticket.title}” has reached its {label} SLA "
                f"{what} under the policy “{policy.name}”.\n\n"
                f"Priority: {ticket.get_priority_display()}\nDue: {due}\n\n{link}\n"
            )
            recipients = sorted(emails)

            def send() -> None:
                for to in recipients:
                    queue_email(subject=subject, body=body, to=[to])

            transaction.on_commit(send)
    return done
