"""API v1: tickets, their conversation, workflow and links; attachments; categories.

Handlers parse input, call one service or selector, and render the result. Permissions,
scoping and state rules live in policies, selectors and services; their domain errors become
problem+json through the handlers installed in ``frontline.api.errors``.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile
from ninja.responses import NinjaJSONEncoder

from frontline.accounts import selectors as account_selectors
from frontline.accounts.selectors import users_visible_to
from frontline.api.schemas import (
    ERRORS,
    OFFSET_PARAMS,
    OffsetQuery,
    actor,
    by_id,
    json_response,
    offset_page,
    ref,
    reject_unknown,
)
from frontline.core.errors import NotFound, ValidationError
from frontline.tickets import selectors, services
from frontline.tickets.exports import export_response, ticket_export
from frontline.tickets.models import Category, Channel, Ticket
from frontline.tickets.schemas import (
    LIST_PARAMS,
    AssignIn,
    CategoryCreateIn,
    CategoryDetail,
    CategoryPage,
    CategoryUpdateIn,
    EscalateIn,
    History,
    LinkIn,
    LinkOut,
    MergeIn,
    MessageIn,
    MessageOut,
    TicketCreateIn,
    TicketDetail,
    TicketItem,
    TicketListQuery,
    TicketPage,
    TicketUpdateIn,
    TransitionIn,
    UploadOut,
    VersionIn,
    category_out,
    event_out,
    field_out,
    link_out,
    message_out,
    ticket_detail,
    ticket_item,
    upload_out,
)
from frontline.tickets.services.categories import category_create, category_update

router = Router(tags=["tickets"])
JSON_UTF8 = "application/json; charset=utf-8"  # ninja's own content type


def _errors(*codes: int) -> dict[int, Any]:
    return {code: ERRORS[code] for code in codes}


def _detail(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """The detail of a ticket the caller has just written, read afresh."""
    return ticket_detail(selectors.ticket_detail_of(actor(request), ticket))


def _other_ticket(request: HttpRequest, number: int, field: str) -> Ticket:
    """A ticket named in the body: one the caller cannot see is a 422 on that field."""
    try:
        return selectors.ticket_for(actor(request), number)
    except NotFound:
        raise ValidationError.field(field, f"No ticket #{number}.") from None


# --- Tickets ----------------------------------------------------------------------------------


@router.get("/tickets", response={200: TicketPage, **_errors(401, 422)})
def list_tickets(request: HttpRequest, query: Query[TicketListQuery]) -> HttpResponse:
    """Tickets you may see, newest change first, by keyset cursor (`next_cursor`)."""
    reject_unknown(request, LIST_PARAMS)
    filters = selectors.TicketFilters(
        status=query.status,
        team=query.team,
        tier=query.tier,
        assignee=query.assignee,
        requester=query.requester,
        organization=query.organization,
        priority=query.priority,
        category=query.category,
        type=query.type,
        channel=query.channel,
        tag=query.tag,
        updated_since=query.updated_since,
        resolved_since=query.resolved_since,
        text=query.text,
    )
    page = selectors.ticket_list_rows(
        actor(request), filters, sort=query.sort, cursor=query.cursor, limit=query.limit
    )
    # The hot path: rows are rendered straight from the loaded objects and not validated a
    # second time (tests check the shape against TicketPage).
    return json_response(
        {"items": [ticket_item(t) for t in page.items], "next_cursor": page.next_cursor}
    )


EXPORT_PARAMS = (LIST_PARAMS - {"cursor", "limit"}) | {"format"}


@router.get("/tickets/export", response={200: None, **_errors(401, 422)})
def export_tickets(
    request: HttpRequest,
    query: Query[TicketListQuery],
    fmt: Literal["csv", "json"] = Query("json", alias="format"),
) -> StreamingHttpResponse:
    """Every ticket you may see matching the list's filters and sort, streamed whole (no
    pages) as `format=json` (one array of rows) or `format=csv` (formula cells neutralised).
    Unknown parameters are a 422, as on the list."""
    reject_unknown(request, EXPORT_PARAMS)
    filters = selectors.TicketFilters(**query.model_dump(exclude={"sort", "cursor", "limit"}))
    records = ticket_export(actor(request), filters, sort=query.sort)
    return export_response(request, records, fmt=fmt)


@router.post("/tickets", response={201: TicketDetail, **_errors(401, 403, 422)})
def create_ticket(request: HttpRequest, payload: TicketCreateIn) -> Status[dict[str, Any]]:
    """Open a ticket (channel `api`). The desk may file it for someone else by `requester`
    id or `requester_email` (a new address becomes a requester)."""
    user = actor(request)
    if payload.requester is not None and payload.requester_email:
        raise ValidationError.field("requester_email", "Give requester or requester_email.")
    people = users_visible_to(user)
    refs: dict[str, Any] = {
        "category": ref(selectors.categories_visible_to(user), payload.category, "category"),
        "team": ref(account_selectors.teams_visible_to(user), payload.team, "team"),
        "organization": ref(
            account_selectors.organizations_visible_to(user), payload.organization, "organization"
        ),
        "requester": ref(people, payload.requester, "requester", "user"),
        "assignee": ref(people, payload.assignee, "assignee", "user"),
    }
    fields: dict[str, Any] = {
        "title": payload.title,
        "description": payload.description,
        "type": payload.type,
        "impact": payload.impact,
        "urgency": payload.urgency,
        "priority": payload.priority,
        "channel": Channel.API,
        "custom_fields": payload.custom_fields,
        "tags": payload.tags,
        "watcher_ids": payload.watchers,
        "attachment_ids": payload.attachments,
        "resolved_on_first_contact": payload.resolved_on_first_contact,
        **refs,
    }
    if payload.requester_email:
        del fields["requester"]
        ticket = services.ticket_create_for_contact(
            actor=user, requester_email=payload.requester_email, **fields
        )
    else:
        ticket = services.ticket_create(actor=user, **fields)
    return Status(201, _detail(request, ticket))


@router.get("/tickets/{number}", response={200: TicketDetail, **_errors(401, 404)})
def get_ticket(request: HttpRequest, number: int) -> HttpResponse:
    """One ticket with its conversation (requesters never get internal notes) and links."""
    data = ticket_detail(selectors.ticket_detail_for(actor(request), number))
    # A hot path: rendered straight from the rows, not validated a second time; the bytes
    # and headers are what ninja renders through TicketDetail (tests check it).
    return HttpResponse(json.dumps(data, cls=NinjaJSONEncoder), content_type=JSON_UTF8)


@router.patch("/tickets/{number}", response={200: TicketDetail, **_errors(401, 403, 404, 409, 422)})
def update_ticket(request: HttpRequest, number: int, payload: TicketUpdateIn) -> dict[str, Any]:
    """Change the fields sent (desk only). `version` is required: a stale one is a 409."""
    user = actor(request)
    ticket = selectors.ticket_for(user, number)
    changes = payload.changes(nullable={"category"}, exclude={"version"})
    if changes.get("category") is not None:
        changes["category"] = by_id(
            selectors.categories_visible_to(user), changes["category"], "category"
        )
    if "watchers" in changes:
        changes["watcher_ids"] = changes.pop("watchers")
    ticket = services.ticket_update(actor=user, ticket=ticket, version=payload.version, **changes)
    return _detail(request, ticket)


@router.get("/tickets/{number}/history", response={200: History, **_errors(401, 404)})
def ticket_history(request: HttpRequest, number: int) -> dict[str, Any]:
    """What happened to the ticket, oldest first (requesters see the milestones only)."""
    user = actor(request)
    events = selectors.ticket_history(user, selectors.ticket_for(user, number))
    return {"items": [event_out(e) for e in events]}


@router.post(
    "/tickets/{number}/reply", response={201: MessageOut, **_errors(401, 403, 404, 409, 422)}
)
def reply(request: HttpRequest, number: int, payload: MessageIn) -> Status[dict[str, Any]]:
    """Add a public reply (seen by the requester and watchers)."""
    user = actor(request)
    message = services.ticket_reply(
        actor=user,
        ticket=selectors.ticket_for(user, number),
        body=payload.body,
        channel=Channel.API,
        attachment_ids=payload.attachments,
        version=payload.version,
    )
    return Status(201, message_out(message))


@router.post(
    "/tickets/{number}/note", response={201: MessageOut, **_errors(401, 403, 404, 409, 422)}
)
def note(request: HttpRequest, number: int, payload: MessageIn) -> Status[dict[str, Any]]:
    """Add an internal note (desk only; never shown to requesters)."""
    user = actor(request)
    message = services.ticket_note(
        actor=user,
        ticket=selectors.ticket_for(user, number),
        body=payload.body,
        attachment_ids=payload.attachments,
        version=payload.version,
    )
    return Status(201, message_out(message))


@router.post(
    "/tickets/{number}/transition", response={200: TicketItem, **_errors(401, 404, 409, 422)}
)
def transition(request: HttpRequest, number: int, payload: TransitionIn) -> dict[str, Any]:
    """Change the status; an illegal move is a 409 (`invalid_transition`)."""
    user = actor(request)
    ticket = services.ticket_transition(
        actor=user,
        ticket=selectors.ticket_for(user, number),
        status=payload.status,
        pending_reason=payload.pending_reason,
        version=payload.version,
    )
    return ticket_item(ticket)


@router.post(
    "/tickets/{number}/assign", response={200: TicketItem, **_errors(401, 403, 404, 409, 422)}
)
def assign(request: HttpRequest, number: int, payload: AssignIn) -> dict[str, Any]:
    """Assign to a member of the ticket's team, or unassign with `null`."""
    user = actor(request)
    assignee = ref(users_visible_to(user), payload.assignee, "assignee", "user")
    ticket = services.ticket_assign(
        actor=user,
        ticket=selectors.ticket_for(user, number),
        assignee=assignee,
        version=payload.version,
    )
    return ticket_item(ticket)


@router.post(
    "/tickets/{number}/claim", response={200: TicketItem, **_errors(401, 403, 404, 409, 422)}
)
def claim(request: HttpRequest, number: int, payload: VersionIn) -> dict[str, Any]:
    """Assign the ticket to yourself."""
    user = actor(request)
    ticket = services.ticket_claim(
        actor=user, ticket=selectors.ticket_for(user, number), version=payload.version
    )
    return ticket_item(ticket)


@router.post(
    "/tickets/{number}/escalate", response={200: TicketItem, **_errors(401, 403, 404, 409, 422)}
)
def escalate(request: HttpRequest, number: int, payload: EscalateIn) -> dict[str, Any]:
    """Escalate to the next tier, a given tier, or another team, with a reason."""
    user = actor(request)
    team = ref(account_selectors.teams_visible_to(user), payload.team, "team")
    ticket = services.ticket_escalate(
        actor=user,
        ticket=selectors.ticket_for(user, number),
        reason=payload.reason,
        team=team,
        tier=payload.tier,
        version=payload.version,
    )
    return ticket_item(ticket)


@router.post(
    "/tickets/{number}/merge", response={200: TicketItem, **_errors(401, 403, 404, 409, 422)}
)
def merge(request: HttpRequest, number: int, payload: MergeIn) -> dict[str, Any]:
    """Merge this ticket into ticket `into`; returns the target. `version` is this one's."""
    user = actor(request)
    target = services.ticket_merge(
        actor=user,
        source=selectors.ticket_for(user, number),
        target=_other_ticket(request, payload.into, "into"),
        version=payload.version,
    )
    return ticket_item(target)


@router.post("/tickets/{number}/links", response={201: LinkOut, **_errors(401, 403, 404, 409, 422)})
def link(request: HttpRequest, number: int, payload: LinkIn) -> Status[dict[str, Any]]:
    """Link this ticket to another (related, caused_by, duplicate_of)."""
    user = actor(request)
    source = selectors.ticket_for(user, number)
    created = services.ticket_link(
        actor=user,
        source=source,
        target=_other_ticket(request, payload.target, "target"),
        kind=payload.kind,
    )
    return Status(201, link_out(created, source))


@router.delete("/tickets/{number}/links/{link_id}", response={204: None, **_errors(401, 403, 404)})
def unlink(request: HttpRequest, number: int, link_id: int) -> Status[None]:
    """Remove a link of this ticket."""
    user = actor(request)
    ticket = selectors.ticket_for(user, number)
    found = next((x for x in selectors.ticket_links(user, ticket) if x.pk == link_id), None)
    if found is None:
        raise NotFound("No such link.")
    services.ticket_unlink(actor=user, link=found)
    return Status(204, None)


# --- Attachments ------------------------------------------------------------------------------


@router.post("/attachments", response={201: UploadOut, **_errors(401, 422)}, tags=["attachments"])
def upload(request: HttpRequest, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    """Upload a file (multipart, field `file`); send its `id` with a ticket or message within a
    day. Download with GET /attachments/{id}/ (outside /api/v1)."""
    attachment = services.attachment_upload(
        actor=actor(request),
        content=file,
        filename=file.name or "attachment",
        content_type=file.content_type or "",
    )
    return Status(201, upload_out(attachment))


# --- Categories -------------------------------------------------------------------------------


@router.get("/categories", response={200: CategoryPage, **_errors(401, 422)}, tags=["categories"])
def list_categories(request: HttpRequest, query: Query[OffsetQuery]) -> dict[str, Any]:
    """Categories you may file under (the desk sees inactive ones too), with their fields."""
    reject_unknown(request, OFFSET_PARAMS)
    rows, next_offset = offset_page(
        selectors.categories_visible_to(actor(request)), query.limit, query.offset
    )
    paths = selectors.category_paths()
    return {"items": [category_out(c, paths[c.pk]) for c in rows], "next_offset": next_offset}


def _category_detail(category: Category) -> dict[str, Any]:
    data = category_out(category, category.path)
    data["fields"] = [field_out(f) for f in selectors.category_fields(category)]
    return data


@router.get(
    "/categories/{category_id}",
    response={200: CategoryDetail, **_errors(401, 404)},
    tags=["categories"],
)
def get_category(request: HttpRequest, category_id: int) -> dict[str, Any]:
    """One category, with every field a ticket in it has (its own and inherited)."""
    return _category_detail(selectors.category_for(actor(request), category_id))


@router.post(
    "/categories",
    response={201: CategoryDetail, **_errors(401, 403, 409, 422)},
    tags=["categories"],
)
def create_category(request: HttpRequest, payload: CategoryCreateIn) -> Status[dict[str, Any]]:
    """Add a category with its custom field definitions (admins)."""
    user = actor(request)
    visible = selectors.categories_visible_to(user)
    category = category_create(
        actor=user,
        team=by_id(account_selectors.teams_visible_to(user), payload.team, "team"),
        name=payload.name,
        parent=ref(visible, payload.parent, "parent", "category"),
        is_active=payload.is_active,
        custom_fields=[f.model_dump() for f in payload.custom_fields],
    )
    return Status(201, _category_detail(selectors.category_for(user, category.pk)))


@router.patch(
    "/categories/{category_id}",
    response={200: CategoryDetail, **_errors(401, 403, 404, 409, 422)},
    tags=["categories"],
)
def update_category(
    request: HttpRequest, category_id: int, payload: CategoryUpdateIn
) -> dict[str, Any]:
    """Rename, move, (de)activate a category or replace its field definitions (admins)."""
    user = actor(request)
    category = selectors.category_for(user, category_id)
    changes = payload.changes(nullable={"parent"})
    if changes.get("parent") is not None:
        changes["parent"] = by_id(
            selectors.categories_visible_to(user), changes["parent"], "parent", "category"
        )
    category = category_update(actor=user, category=category, **changes)
    return _category_detail(selectors.category_for(user, category.pk))
