"""Creating tickets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from frontline.accounts.models import Organization, Team, TeamMembership, Tier, User
from frontline.accounts.refs import default_team, served_organizations
from frontline.accounts.selectors import organization_for_requester
from frontline.accounts.services import requester_get_or_create
from frontline.core.errors import ValidationError
from frontline.tickets import events, policies
from frontline.tickets.custom_fields import clean_custom_fields
from frontline.tickets.models import (
    Category,
    Channel,
    Level,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketType,
)
from frontline.tickets.numbering import next_ticket_number
from frontline.tickets.services._common import (
    check_choice,
    check_origin,
    clean_tags,
    clean_text,
    field_specs,
    matrix_priority,
    origin_data,
    require_desk,
    users_by_id,
)
from frontline.tickets.services.attachments import bind_attachments

MAX_TITLE = 250
MAX_BODY = 200_000


def route_team(
    *, actor: User, team: Team | None, category: Category | None, organization: Organization | None
) -> Team | None:
    """Explicit team (desk only), else the category's team, else the default team. The
    default team and the organizations a team serves come from the process reference cache
    (``frontline.accounts.refs``): no query per ticket."""
    if team is not None:
        require_desk(actor, "team")
    if category is not None and team is not None and category.team_id != team.pk:
        raise ValidationError.field("category", f"This category belongs to {category.team}.")
    chosen = team or (category.team if category else None) or default_team()
    if chosen is not None and organization is not None:
        served = served_organizations(chosen.pk)
        if served and organization.pk not in served:
            raise ValidationError.field("team", f"{chosen} does not serve {organization}.")
    return chosen


def ticket_create(
    *,
    actor: User | None,
    title: str,
    description: str = "",
    requester: User | None = None,
    type: str = TicketType.INCIDENT,
    category: Category | None = None,
    team: Team | None = None,
    organization: Organization | None = None,
    impact: str = Level.LOW,
    urgency: str = Level.LOW,
    priority: str | None = None,
    channel: str = Channel.WEB,
    custom_fields: Mapping[str, Any] | None = None,
    tags: Iterable[str] = (),
    watcher_ids: Iterable[int] = (),
    assignee: User | None = None,
    attachment_ids: Iterable[UUID | str] = (),
    files: Iterable[File] = (),
    resolved_on_first_contact: bool = False,
    origin: Mapping[str, Any] | None = None,
) -> Ticket:
    """Open a ticket for ``requester`` (the actor themselves unless a desk user logs it).

    Requesters may set title, description, type, category, impact, urgency, custom fields and
    attachments; the desk may also set requester, team, organization, priority (overriding the
    matrix), tags, watchers, assignee, and mark it resolved on first contact. The team comes
    from the category when not given, else the default team. The description becomes the
    first public message. Records ``created`` (and ``status_changed`` when resolved at once).
    Raises ValidationError with field messages; nothing is written then.
    ``actor=None`` with an ``origin`` is a system write on behalf of ``requester`` (mail from
    a robot): it may do what the requester may do, and its events carry the origin.
    """
    check_origin(actor, origin)
    if actor is None:
        if requester is None:
            raise ValueError("A system write names the requester it opens the ticket for.")
        actor = requester
        recorded_actor: User | None = None
    else:
        recorded_actor = actor
    is_desk = policies.is_desk_user(actor)
    title = clean_text(title, "title", required=True, limit=MAX_TITLE)
    description = clean_text(description, "description", required=False, limit=MAX_BODY)
    check_choice(type, TicketType, "type")
    check_choice(impact, Level, "impact")
    check_choice(urgency, Level, "urgency")
    check_choice(channel, Channel, "channel")
    if requester is not None and requester.pk != actor.pk:
        require_desk(actor, "requester")
    requester = requester or actor
    if not requester.is_active:
        raise ValidationError.field("requester", "This requester's account is disabled.")
    if priority is not None:
        require_desk(actor, "priority")
        check_choice(priority, Priority, "priority")
    if organization is not None:
        if not is_desk and not requester.organizations.filter(pk=organization.pk).exists():
            raise ValidationError.field("organization", "You are not a member of it.")
    else:
        organization = organization_for_requester(requester)
    if category is not None and not category.is_active:
        raise ValidationError.field("category", "This category is no longer in use.")
    team = route_team(actor=actor, team=team, category=category, organization=organization)
    cleaned_fields, errors = clean_custom_fields(field_specs(category), custom_fields)
    if errors:
        raise ValidationError("Some custom fields are invalid.", errors=errors)
    tag_names = list(tags)
    watcher_list = list(watcher_ids)
    if tag_names:
        require_desk(actor, "tags")
    if watcher_list:
        require_desk(actor, "watchers")
    if assignee is not None:
        require_desk(actor, "assignee")
        if team is None or not TeamMembership.objects.filter(user=assignee, team=team).exists():
            raise ValidationError.field("assignee", f"{assignee} is not a member of {team}.")
    if resolved_on_first_contact:
        require_desk(actor, "resolved_on_first_contact")

    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=next_ticket_number(),
            type=type,
            title=title,
            description=description,
            requester=requester,
            organization=organization,
            team=team,
            tier=Tier.L1,
            category=category,
            impact=impact,
            urgency=urgency,
            priority=priority or matrix_priority(impact, urgency),
            channel=channel,
            custom_fields=cleaned_fields,
            assignee=assignee,
        )
        if tag_names:
            ticket.tags.set(clean_tags(tag_names))
        if watcher_list:
            ticket.watchers.set(users_by_id(watcher_list, "watchers"))
        message = Message.objects.create(
            ticket=ticket,
            author=requester,
            kind=MessageKind.PUBLIC,
            channel=channel,
            body=description or title,
        )
        bind_attachments(actor=actor, message=message, ids=attachment_ids, files=files)
        events.record(
            ticket,
            "created",
            actor=recorded_actor,
            data=origin_data(
                {"channel": channel, "priority": ticket.priority, "team": team and team.pk},
                origin,
            ),
        )
        if assignee is not None:
            events.record(
                ticket,
                "assigned",
                actor=recorded_actor,
                field="assignee",
                new=assignee.pk,
                data=origin_data(None, origin),
            )
        if resolved_on_first_contact:
            now = timezone.now()
            ticket.status = Status.RESOLVED
            ticket.resolved_on_first_contact = True
            ticket.resolved_at = now
            ticket.first_response_at = now
            ticket.save(
                update_fields=[
                    "status",
                    "resolved_on_first_contact",
                    "resolved_at",
                    "first_response_at",
                ]
            )
            events.record(
                ticket,
                "status_changed",
                actor=recorded_actor,
                field="status",
                old=Status.NEW,
                new=Status.RESOLVED,
                data=origin_data({"first_contact": True}, origin),
            )
    return ticket


def ticket_create_for_contact(
    *,
    actor: User,
    requester_email: str,
    requester_name: str = "",
    requester_phone: str = "",
    **fields: Any,
) -> Ticket:
    """Open a ticket for the person with this email (desk only: a phone call, the API),
    registering them as a requester when the address is new; ``fields`` are ticket_create's.

    One transaction: a refused ticket leaves no new requester behind. An invalid address or a
    non-desk actor is a ValidationError on ``requester_email``.
    """
    with transaction.atomic():
        requester = requester_get_or_create(
            actor=actor, email=requester_email, full_name=requester_name, phone=requester_phone
        )
        return ticket_create(actor=actor, requester=requester, **fields)
