"""Moving tickets along: status, assignment, escalation, merge, links."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from frontline.accounts.models import Team, TeamMembership, Tier, User
from frontline.core.errors import Conflict, InvalidTransition, NotFound, ValidationError
from frontline.tickets import events, lifecycle, policies
from frontline.tickets.models import (
    LinkKind,
    Message,
    Status,
    Ticket,
    TicketLink,
)
from frontline.tickets.services._common import (
    check_choice,
    check_origin,
    locked,
    origin_data,
    origin_label,
    require_view,
    require_work,
    save,
)
from frontline.tickets.services.conversation import system_message


def ticket_transition(
    *,
    actor: User | None,
    ticket: Ticket,
    status: str,
    version: int | None,
    pending_reason: str = "",
    origin: Mapping[str, Any] | None = None,
) -> Ticket:
    """Move the ticket to ``status`` if the lifecycle allows it.

    The desk may make any legal move; a requester may only mark their request solved
    (→ resolved) or say it is still a problem (resolved → open). Raises InvalidTransition for
    an illegal move, ValidationError for a missing/extra pending reason, Conflict for a stale
    version. Records ``status_changed`` (data.reopened on a reopen). ``actor=None`` with an
    ``origin`` is a system write (a rule): the lifecycle still applies.
    """
    check_origin(actor, origin)
    if actor is not None:
        require_view(actor, ticket)
    with transaction.atomic():
        ticket = locked(ticket, version=version)
        old = ticket.status
        lifecycle.check_transition(
            old, status, pending_reason=pending_reason, old_reason=ticket.pending_reason
        )
        if (
            actor is not None
            and not policies.is_desk_user(actor)
            and not policies.can_requester_transition(actor, ticket, status)
        ):
            raise InvalidTransition("You can mark your request solved, or reopen it.")
        now = timezone.now()
        ticket.status = status
        ticket.pending_reason = pending_reason
        if status == Status.RESOLVED:
            ticket.resolved_at = now
        elif status == Status.CLOSED:
            ticket.closed_at = now
        elif lifecycle.is_reopen(old, status):
            ticket.resolved_at = None
            ticket.closed_at = None
        save(ticket, ["status", "pending_reason", "resolved_at", "closed_at"])
        events.record(
            ticket,
            "status_changed",
            actor=actor,
            field="status",
            old=old,
            new=status,
            data=origin_data(
                {"pending_reason": pending_reason, "reopened": lifecycle.is_reopen(old, status)},
                origin,
            ),
        )
    return ticket


def _check_assignable(ticket: Ticket, assignee: User) -> None:
    if not assignee.is_active or not assignee.is_agent_like:
        raise ValidationError.field("assignee", f"{assignee} is not an active desk member.")
    if ticket.team_id is None:
        raise ValidationError.field("assignee", "Route the ticket to a team first.")
    if not TeamMembership.objects.filter(user=assignee, team_id=ticket.team_id).exists():
        raise ValidationError.field("assignee", f"{assignee} is not a member of {ticket.team}.")


def ticket_assign(
    *,
    actor: User | None,
    ticket: Ticket,
    assignee: User | None,
    version: int | None,
    origin: Mapping[str, Any] | None = None,
) -> Ticket:
    """Assign to a member of the ticket's team, or unassign (``assignee=None``).

    Records ``assigned`` (old and new user ids). Assigning the current assignee again is a
    Conflict, not a silent success, so two agents claiming at once learn who won.
    ``actor=None`` with an ``origin`` is a system write (routing, a rule).
    """
    check_origin(actor, origin)
    if actor is not None:
        require_work(actor, ticket)
    with transaction.atomic():
        ticket = locked(ticket, version=version)
        if assignee is not None:
            _check_assignable(ticket, assignee)
        if ticket.assignee_id == (assignee.pk if assignee else None):
            who = assignee or "nobody"
            raise Conflict(f"Ticket #{ticket.number} is already assigned to {who}.")
        old = ticket.assignee_id
        ticket.assignee = assignee
        save(ticket, ["assignee"])
        events.record(
            ticket,
            "assigned",
            actor=actor,
            field="assignee",
            old=old,
            new=assignee.pk if assignee else None,
            data=origin_data(None, origin),
        )
    return ticket


def ticket_claim(*, actor: User, ticket: Ticket, version: int | None) -> Ticket:
    """Assign the ticket to the acting agent. A ticket someone else holds is a Conflict, so of
    two agents claiming at once the second learns who won (reassigning is ticket_assign)."""
    require_work(actor, ticket)
    with transaction.atomic():
        current = locked(ticket, version=version)
        if current.assignee_id is not None and current.assignee_id != actor.pk:
            raise Conflict(f"Ticket #{current.number} is already assigned to {current.assignee}.")
        return ticket_assign(actor=actor, ticket=current, assignee=actor, version=version)


def ticket_escalate(
    *,
    actor: User | None,
    ticket: Ticket,
    reason: str,
    version: int | None,
    team: Team | None = None,
    tier: str | None = None,
    origin: Mapping[str, Any] | None = None,
) -> Ticket:
    """Escalate to the next tier of the same team, or to another team (at ``tier`` or L1).

    A reason is required; it goes into the desk timeline. The assignee is cleared because the
    new tier or team picks it up; a category of the old team is dropped when the team changes.
    Raises InvalidTransition at the last tier, ValidationError for a team that does not serve
    the ticket's organization. Records ``escalated`` with from/to team and tier and the reason.
    ``actor=None`` with an ``origin`` is a system write (a rule).
    """
    check_origin(actor, origin)
    if actor is not None:
        require_work(actor, ticket)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError.field("reason", "Say why the ticket is escalated.")
    if tier is not None:
        check_choice(tier, Tier, "tier")
    with transaction.atomic():
        ticket = locked(ticket, version=version)
        if ticket.status == Status.CLOSED:
            raise InvalidTransition("A closed ticket cannot be escalated.")
        old_team, old_tier = ticket.team, ticket.tier
        new_team: Team | None
        if team is not None and team.pk != ticket.team_id:
            served = set(team.organizations.values_list("id", flat=True))
            if served and ticket.organization_id not in served:
                raise ValidationError.field("team", f"{team} does not serve this organization.")
            new_team, new_tier = team, tier or Tier.L1
        else:
            if tier is not None:
                new_tier = tier
                if Tier.order().index(Tier(tier)) <= Tier.order().index(Tier(old_tier)):
                    raise ValidationError.field("tier", "Escalation goes to a higher tier.")
            else:
                following = Tier(old_tier).next()
                if following is None:
                    raise InvalidTransition("The ticket is already at the last tier.")
                new_tier = following
            new_team = old_team
        ticket.team, ticket.tier, ticket.assignee = new_team, new_tier, None
        fields = ["team", "tier", "assignee"]
        if new_team != old_team and ticket.category_id is not None:
            ticket.category = None
            fields.append("category")
        save(ticket, fields)
        where = f"{new_team} {Tier(new_tier).label}" if new_team else Tier(new_tier).label
        system_message(ticket, f"Escalated to {where} by {origin_label(actor, origin)}: {reason}")
        events.record(
            ticket,
            "escalated",
            actor=actor,
            data=origin_data(
                {
                    "from_team": old_team.pk if old_team else None,
                    "to_team": new_team.pk if new_team else None,
                    "from_tier": old_tier,
                    "to_tier": new_tier,
                    "reason": reason,
                },
                origin,
            ),
        )
    return ticket


def ticket_merge(*, actor: User, source: Ticket, target: Ticket, version: int | None) -> Ticket:
    """Merge ``source`` into ``target``: its messages, tags and watchers move, its requester
    watches the target, and the source is closed with a pointer (``merged_into``).

    ``version`` is the source's. Both must be workable by the actor; a ticket cannot merge into
    itself, a merged ticket cannot merge again, and nothing merges into a closed ticket.
    Records ``merged`` on the source and ``merged_in`` on the target. Returns the target.
    """
    require_work(actor, source)
    require_work(actor, target)
    if source.pk == target.pk:
        raise ValidationError.field("target", "A ticket cannot be merged into itself.")
    with transaction.atomic():
        # Lock in id order so two opposite merges cannot deadlock.
        first, second = sorted([source.pk, target.pk])
        locked_rows = {
            first: locked(first, version=version if first == source.pk else None),
            second: locked(second, version=version if second == source.pk else None),
        }
        source, target = locked_rows[source.pk], locked_rows[target.pk]
        if source.merged_into_id is not None:
            raise InvalidTransition(f"Ticket #{source.number} is already merged.")
        if target.status == Status.CLOSED:
            raise InvalidTransition(f"Ticket #{target.number} is closed; merge into an open one.")
        moved = Message.objects.filter(ticket=source).update(ticket=target)
        target.tags.add(*source.tags.all())
        watchers = list(source.watchers.all())
        if source.requester_id != target.requester_id:
            watchers.append(source.requester)
        target.watchers.add(*watchers)
        old_status = source.status
        source.status, source.pending_reason = Status.CLOSED, ""
        source.closed_at = timezone.now()
        source.merged_into = target
        save(source, ["status", "pending_reason", "closed_at", "merged_into"])
        save(target, [])
        system_message(source, f"Merged into #{target.number} by {actor}.")
        system_message(target, f"#{source.number} was merged into this ticket by {actor}.")
        events.record(
            source,
            "merged",
            actor=actor,
            field="status",
            old=old_status,
            new=Status.CLOSED,
            data={"into": target.number, "messages": moved},
        )
        events.record(target, "merged_in", actor=actor, data={"from": source.number})
    return target


def ticket_link(
    *, actor: User, source: Ticket, target: Ticket, kind: str = LinkKind.RELATED
) -> TicketLink:
    """Link two tickets (related, caused by, duplicate of). Linking twice is a Conflict."""
    require_work(actor, source)
    require_work(actor, target)
    check_choice(kind, LinkKind, "kind")
    if source.pk == target.pk:
        raise ValidationError.field("target", "A ticket cannot be linked to itself.")
    try:
        with transaction.atomic():
            link = TicketLink.objects.create(
                source=source, target=target, kind=kind, created_by=actor
            )
            events.record(
                source, "linked", actor=actor, data={"target": target.number, "kind": kind}
            )
            events.record(
                target,
                "linked",
                actor=actor,
                data={"source": source.number, "kind": kind, "inbound": True},
            )
    except IntegrityError:
        raise Conflict(f"#{source.number} is already linked to #{target.number}.") from None
    return link


def ticket_unlink(*, actor: User, link: TicketLink) -> None:
    """Remove a link. Records ``unlinked`` on both tickets."""
    require_work(actor, link.source)
    if not policies.can_view_ticket(actor, link.target):
        raise NotFound("No such link.")
    with transaction.atomic():
        data = {"target": link.target.number, "kind": link.kind}
        events.record(link.source, "unlinked", actor=actor, data=data)
        events.record(
            link.target,
            "unlinked",
            actor=actor,
            data={"source": link.source.number, "kind": link.kind, "inbound": True},
        )
        link.delete()
