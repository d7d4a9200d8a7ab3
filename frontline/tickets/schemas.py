"""API v1 shapes for tickets, messages, history and categories, and the functions that
render them as plain dicts from already-loaded objects (no per-row queries)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.urls import reverse
from ninja import Field, Schema

from frontline.api.schemas import Id, Input, NamedRef, UserRef, user_ref
from frontline.sla.selectors import sla_out
from frontline.tickets.detail_rows import AttachmentRow, DetailRows, LinkRow, MessageRow
from frontline.tickets.models import (
    Attachment,
    Category,
    CustomField,
    Message,
    Ticket,
    TicketEvent,
    TicketLink,
)
from frontline.tickets.selectors import DEFAULT_SORT, MAX_LIMIT

# --- Output -----------------------------------------------------------------------------------


class CategoryRef(Schema):
    id: int
    name: str
    path: str | None = Field(None, description="Only in a ticket's detail.")


class SlaMetricOut(Schema):
    state: str = Field(description="running, paused, breached (overdue), met or missed (met late).")
    target_seconds: int | None = Field(description="The target in business seconds.")
    started_at: dt.datetime | None
    due_at: dt.datetime | None = Field(description="Empty while paused (nobody knows when).")
    warning_at: dt.datetime | None
    breached_at: dt.datetime | None
    met_at: dt.datetime | None
    remaining_seconds: int | None = Field(
        description="Business seconds left as of computed_at (negative: overdue by that much)."
    )
    paused_seconds: int = Field(description="Business seconds spent paused.")
    warned: bool = Field(description="Whether the sla_warning event has fired.")


class TicketSlaOut(Schema):
    policy: int
    next_due_at: dt.datetime | None = Field(description="Earliest due time of a running clock.")
    computed_at: dt.datetime
    first_response: SlaMetricOut | None
    next_response: SlaMetricOut | None
    resolution: SlaMetricOut | None


class TicketItem(Schema):
    number: int
    title: str
    type: str
    status: str
    pending_reason: str
    priority: str
    impact: str
    urgency: str
    channel: str
    tier: str
    team: NamedRef | None
    organization: NamedRef | None
    requester: UserRef
    assignee: UserRef | None
    category: CategoryRef | None
    tags: list[str]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    sla: TicketSlaOut | None = Field(description="The ticket's SLA clocks; empty without one.")


class TicketPage(Schema):
    items: list[TicketItem]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class AttachmentOut(Schema):
    id: UUID
    filename: str
    content_type: str
    size: int
    url: str


class UploadOut(Schema):
    id: UUID
    filename: str
    size: int
    content_type: str


class MessageOut(Schema):
    id: int
    kind: str = Field(description="public, internal or system.")
    channel: str
    author: UserRef | None
    body: str
    created_at: dt.datetime
    attachments: list[AttachmentOut]


class LinkedTicket(Schema):
    number: int
    title: str
    status: str


class LinkOut(Schema):
    id: int
    kind: str
    direction: str = Field(description="outbound: this ticket → other; inbound: other → this.")
    ticket: LinkedTicket


class TicketDetail(TicketItem):
    description: str
    custom_fields: dict[str, Any]
    watchers: list[UserRef]
    merged_into: int | None = Field(description="Number of the ticket this one was merged into.")
    resolved_on_first_contact: bool
    first_response_at: dt.datetime | None
    messages: list[MessageOut]
    links: list[LinkOut]


class EventOut(Schema):
    id: int
    kind: str
    actor: UserRef | None
    field: str
    old: Any
    new: Any
    data: dict[str, Any]
    at: dt.datetime


class History(Schema):
    items: list[EventOut]


class FieldDefinition(Schema):
    key: str
    label: str
    field_type: str = Field(description="text, number, choice or date.")
    required: bool = False
    choices: list[str] = Field(default_factory=list)
    help_text: str = ""
    position: int = 0


class CategoryOut(Schema):
    id: int
    name: str
    path: str
    team: NamedRef
    parent: int | None
    is_active: bool
    custom_fields: list[FieldDefinition] = Field(description="Defined on this category.")


class CategoryDetail(CategoryOut):
    fields: list[FieldDefinition] = Field(
        description="Every field a ticket here has: its own and its ancestors'."
    )


class CategoryPage(Schema):
    items: list[CategoryOut]
    next_offset: int | None


# --- Input ------------------------------------------------------------------------------------


class TicketListQuery(Schema):
    status: list[str] = Field(default_factory=list, description="Repeat for several.")
    team: list[Id] = Field(default_factory=list)
    tier: list[str] = Field(default_factory=list)
    assignee: list[str] = Field(default_factory=list, description="User ids, “me” or “none”.")
    requester: list[Id] = Field(default_factory=list)
    organization: list[Id] = Field(default_factory=list)
    priority: list[str] = Field(default_factory=list)
    category: list[Id] = Field(default_factory=list)
    type: list[str] = Field(default_factory=list)
    channel: list[str] = Field(default_factory=list)
    tag: list[str] = Field(default_factory=list, description="Tickets with every tag given.")
    updated_since: dt.datetime | None = Field(None, description="ISO 8601 with a time zone.")
    resolved_since: dt.datetime | None = Field(None, description="ISO 8601 with a time zone.")
    text: str = Field("", max_length=200, description="A ticket number, or words of the title.")
    sort: str = Field(DEFAULT_SORT, description="-updated_at, created_at, number, priority...")
    cursor: str | None = None
    limit: int = Field(25, ge=1, le=MAX_LIMIT)


LIST_PARAMS = frozenset(TicketListQuery.model_fields)


class TicketCreateIn(Input):
    title: str
    description: str = ""
    type: str = "incident"
    category: Id | None = None
    team: Id | None = Field(None, description="Desk only.")
    organization: Id | None = None
    impact: str = "low"
    urgency: str = "low"
    priority: str | None = Field(None, description="Desk only; overrides the matrix.")
    requester: Id | None = Field(None, description="Desk only: file for someone else.")
    requester_email: str | None = Field(
        None, description="Desk only: file for this address, registering a requester if new."
    )
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list, description="Desk only.")
    watchers: list[Id] = Field(default_factory=list, description="Desk only.")
    assignee: Id | None = Field(None, description="Desk only.")
    attachments: list[UUID] = Field(default_factory=list, description="Ids from POST /attachments.")
    resolved_on_first_contact: bool = Field(False, description="Desk only.")


class TicketUpdateIn(Input):
    version: int = Field(description="The version the change was made on; stale → 409.")
    title: str | None = None
    type: str | None = None
    impact: str | None = None
    urgency: str | None = None
    priority: str | None = None
    category: Id | None = Field(None, description="null clears it.")
    custom_fields: dict[str, Any] | None = None
    tags: list[str] | None = None
    watchers: list[Id] | None = None


class MessageIn(Input):
    body: str = ""
    attachments: list[UUID] = Field(default_factory=list)
    version: int | None = None


class VersionIn(Input):
    version: int


class TransitionIn(VersionIn):
    status: str
    pending_reason: str = ""


class AssignIn(VersionIn):
    assignee: Id | None = Field(description="A member of the ticket's team, or null.")


class EscalateIn(VersionIn):
    reason: str
    team: Id | None = None
    tier: str | None = None


class MergeIn(VersionIn):
    into: int = Field(description="Number of the ticket to merge into.")


class LinkIn(Input):
    target: int = Field(description="Number of the other ticket.")
    kind: str = "related"


class FieldDefinitionIn(Input):
    key: str
    label: str
    field_type: str
    required: bool = False
    choices: list[str] = Field(default_factory=list)
    help_text: str = ""
    position: int | None = Field(None, ge=0, le=1_000_000)


class CategoryCreateIn(Input):
    team: Id
    name: str
    parent: Id | None = None
    is_active: bool = True
    custom_fields: list[FieldDefinitionIn] = Field(default_factory=list)


class CategoryUpdateIn(Input):
    name: str | None = None
    parent: Id | None = None
    is_active: bool | None = None
    custom_fields: list[FieldDefinitionIn] | None = Field(
        None, description="Replaces the category's own definitions (matched by key)."
    )


# --- Rendering --------------------------------------------------------------------------------


def iso(moment: dt.datetime | None) -> str | None:
    """The JSON form of a time, as ninja's encoder writes it (milliseconds, "Z" for UTC),
    computed directly: the list renders thousands of these a second."""
    if moment is None:
        return None
    text = moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _tag_names(t: Ticket) -> list[str]:
    # The list annotates its rows with ``tag_names`` (``tickets.expressions.TagNames``);
    # otherwise read prefetched tags, or query them for a single ticket.
    names = getattr(t, "tag_names", None)
    if names is not None:
        return list(names)
    cached = t.__dict__.get("_prefetched_objects_cache", {}).get("tags")
    return [tag.name for tag in (cached if cached is not None else t.tags.all())]


def ticket_item(t: Ticket) -> dict[str, Any]:
    """The list shape, from a ticket whose relations are joined and tags prefetched."""
    team, org, assignee, category = t.team, t.organization, t.assignee, t.category
    requester = t.requester
    return {
        "number": t.number,
        "title": t.title,
        "type": t.type,
        "status": t.status,
        "pending_reason": t.pending_reason,
        "priority": t.priority,
        "impact": t.impact,
        "urgency": t.urgency,
        "channel": t.channel,
        "tier": t.tier,
        "team": {"id": team.pk, "name": team.name} if team is not None else None,
        "organization": {"id": org.pk, "name": org.name} if org is not None else None,
        "requester": {
            "id": requester.pk,
            "email": requester.email,
            "name": requester.full_name or requester.email,
        },
        "assignee": {
            "id": assignee.pk,
            "email": assignee.email,
            "name": assignee.full_name or assignee.email,
        }
        if assignee is not None
        else None,
        "category": {"id": category.pk, "name": category.name} if category is not None else None,
        "tags": _tag_names(t),
        "version": t.version,
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
        "resolved_at": iso(t.resolved_at),
        "closed_at": iso(t.closed_at),
        "sla": sla_out(t),
    }


def attachment_out(a: Attachment | AttachmentRow) -> dict[str, Any]:
    return {
        "id": a.uuid,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "url": reverse("attachment-download", args=[a.uuid]),
    }


def upload_out(a: Attachment) -> dict[str, Any]:
    return {"id": a.uuid, "filename": a.filename, "size": a.size, "content_type": a.content_type}


def message_out(m: Message | MessageRow) -> dict[str, Any]:
    """A message, from a model with its author joined and attachments prefetched, or a
    detail row (whose attachments are a list)."""
    files = m.attachments if isinstance(m, MessageRow) else m.attachments.all()
    return {
        "id": m.pk,
        "kind": m.kind,
        "channel": m.channel,
        "author": user_ref(m.author),
        "body": m.body,
        "created_at": m.created_at,
        "attachments": [attachment_out(a) for a in files],
    }


def link_out(link: TicketLink | LinkRow, ticket: Ticket) -> dict[str, Any]:
    outbound = link.source_id == ticket.pk
    other = link.target if outbound else link.source
    return {
        "id": link.pk,
        "kind": link.kind,
        "direction": "outbound" if outbound else "inbound",
        "ticket": {"number": other.number, "title": other.title, "status": other.status},
    }


def _validated(moment: dt.datetime | None) -> str | None:
    # A time as validation renders ``iso``'s text: cut to the millisecond, then written by
    # the encoder (which leaves out a fraction of .000, where ``iso`` keeps it).
    if moment is None:
        return None
    return iso(moment.replace(microsecond=moment.microsecond // 1000 * 1000))


def _millis(sla: dict[str, Any] | None) -> dict[str, Any] | None:
    """``sla_out`` writes times to the microsecond (the list shows them so); the detail shows
    them as validation through ``TicketSlaOut`` renders them."""
    if sla is None:
        return None
    for group in (sla, *(v for v in sla.values() if isinstance(v, dict))):
        for key, value in group.items():
            if key.endswith("_at") and isinstance(value, str):
                group[key] = _validated(dt.datetime.fromisoformat(value))
    return sla


def ticket_detail(rows: DetailRows) -> dict[str, Any]:
    """The detail shape: the list shape plus conversation, links, watchers and fields, from
    the rows ``selectors.ticket_detail_for`` reads (no further queries). Already what
    validation through ``TicketDetail`` would render (tests check it), so the hot path may
    skip that."""
    t = rows.ticket
    data = ticket_item(t)
    if t.category is not None:
        data["category"]["path"] = t.category.path
    # The detail has always been validated through TicketDetail; render it as that did.
    for name in ("created_at", "updated_at", "resolved_at", "closed_at"):
        data[name] = _validated(getattr(t, name))
    data["sla"] = _millis(data["sla"])
    data.update(
        description=t.description,
        custom_fields=t.custom_fields,
        watchers=[user_ref(u) for u in rows.watchers],
        merged_into=rows.merged_into,
        resolved_on_first_contact=t.resolved_on_first_contact,
        first_response_at=t.first_response_at,
        messages=[message_out(m) for m in rows.messages],
        links=[link_out(link, t) for link in rows.links],
    )
    return data


def event_out(e: TicketEvent) -> dict[str, Any]:
    return {
        "id": e.pk,
        "kind": e.kind,
        "actor": user_ref(e.actor),
        "field": e.field,
        "old": e.old,
        "new": e.new,
        "data": e.data,
        "at": e.at,
    }


def field_out(f: CustomField) -> dict[str, Any]:
    return {
        "key": f.key,
        "label": f.label,
        "field_type": f.field_type,
        "required": f.required,
        "choices": list(f.choices or []),
        "help_text": f.help_text,
        "position": f.position,
    }


def category_out(c: Category, path: str) -> dict[str, Any]:
    """From a category with its team joined and custom fields prefetched."""
    return {
        "id": c.pk,
        "name": c.name,
        "path": path,
        "team": {"id": c.team.pk, "name": c.team.name},
        "parent": c.parent_id,
        "is_active": c.is_active,
        "custom_fields": [field_out(f) for f in c.custom_fields.all()],
    }
