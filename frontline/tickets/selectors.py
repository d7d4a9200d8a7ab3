"""Reading tickets: every query here is already scoped to what the user may see."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import F, Prefetch, Q, QuerySet

from frontline.accounts.models import Team, Tier, User
from frontline.accounts.policies import is_desk_user
from frontline.core.errors import NotFound, ValidationError
from frontline.core.statements import compiled_rows
from frontline.tickets import detail_rows, policies
from frontline.tickets.custom_fields import FieldSpec
from frontline.tickets.expressions import TagNames
from frontline.tickets.list_rows import COLUMNS, list_rows
from frontline.tickets.models import (
    Attachment,
    Category,
    Channel,
    CustomField,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketType,
)
from frontline.tickets.refs import attach_references

REQUESTER_EVENT_KINDS = ("created", "status_changed", "merged", "merged_in")


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    """Every ticket the user may see (see ``policies``), unordered and without joins."""
    condition = policies.ticket_filter(user)
    queryset = Ticket.objects.all()
    return queryset if condition is None else queryset.filter(condition)


def _ticket_number(number: int | str) -> int:
    try:
        return int(str(number).lstrip("#"))
    except ValueError:
        raise NotFound("No such ticket.") from None


def ticket_for(user: User, number: int | str) -> Ticket:
    """The ticket with this number if the user may see it; NotFound otherwise (no oracle)."""
    value = _ticket_number(number)
    ticket = Ticket.objects.select_related("requester", "sla").filter(number=value).first()
    if ticket is not None:
        attach_references([ticket])
    if ticket is None or not policies.can_view_ticket(user, ticket):
        raise NotFound("No such ticket.")
    return ticket


# --- Lists ----------------------------------------------------------------------------------

SLA_DUE = "sla__next_due_at"
SORTS: dict[str, str] = {
    "-updated_at": "updated_at",
    "updated_at": "updated_at",
    "-created_at": "created_at",
    "created_at": "created_at",
    "-number": "number",
    "number": "number",
    "priority": "priority",
    "-priority": "priority",
    # The SLA's earliest due time (frontline.sla), tickets without one last either way.
    "sla_due": SLA_DUE,
    "-sla_due": SLA_DUE,
}
DEFAULT_SORT = "-updated_at"
MAX_LIMIT = 100


@dataclass
class TicketFilters:
    """Filters the ticket lists offer. Values are checked here, so none reaches the ORM raw."""

    status: list[str] = field(default_factory=list)
    team: list[int] = field(default_factory=list)
    tier: list[str] = field(default_factory=list)
    assignee: list[str] = field(default_factory=list)  # user ids, "me" or "none"
    requester: list[int] = field(default_factory=list)
    organization: list[int] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    category: list[int] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)
    updated_since: dt.datetime | None = None
    resolved_since: dt.datetime | None = None
    text: str = ""  # a ticket number, or words of the title (full-text search comes later)

    def validate(self) -> None:
        allowed = {
            "status": Status.values,
            "tier": Tier.values,
            "priority": Priority.values,
            "type": TicketType.values,
            "channel": Channel.values,
        }
        errors: dict[str, list[str]] = {}
        for name, values in allowed.items():
            bad = [v for v in getattr(self, name) if v not in values]
            if bad:
                errors[name] = [f"“{bad[0]}” is not one of: {', '.join(values)}."]
        for value in self.assignee:
            if value not in {"me", "none"} and not _is_id(value):
                errors["assignee"] = ["Give user ids, “me” or “none”."]
        for name in _LIST_NAMES:
            if len(set(getattr(self, name))) > MAX_FILTER_VALUES:
                errors[name] = [f"At most {MAX_FILTER_VALUES} values."]
        for name in ("updated_since", "resolved_since"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                errors[name] = ["Give a time zone (e.g. 2026-01-31T12:00:00Z)."]
        if len(self.text) > 200:
            errors["text"] = ["At most 200 characters."]
        if errors:
            raise ValidationError("Some filters are invalid.", errors=errors)


def _is_id(text: str) -> bool:
    """Decimal digits a bigint can hold ("²" is a digit to ``str.isdigit``, not to ``int``)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


# The list filters and the lookup each one is, in the order ``_Conditions.lists`` holds them.
_LIST_LOOKUPS = (
    ("status", "status__in"),
    ("team", "team_id__in"),
    ("tier", "tier__in"),
    ("requester", "requester_id__in"),
    ("organization", "organization_id__in"),
    ("priority", "priority__in"),
    ("category", "category_id__in"),
    ("type", "type__in"),
    ("channel", "channel__in"),
)


_LIST_NAMES = (*(name for name, _ in _LIST_LOOKUPS), "assignee", "tag")
# Each distinct list length is another compiled statement (``core.statements``): lists are
# deduplicated and capped, so a caller cannot fill a process with shapes.
MAX_FILTER_VALUES = 50


@dataclass(frozen=True)
class _Conditions:
    """``TicketFilters`` checked and in the types the query takes: "me" is the user's id,
    tags are normalised, the text is a ticket number or words of the title. Plain data, so
    the list's statement can be compiled once per shape (``frontline.core.statements``)."""

    lists: tuple[tuple[Any, ...], ...]  # one per _LIST_LOOKUPS entry, in its order
    assignees: tuple[int, ...] = ()
    unassigned: bool = False
    tags: tuple[str, ...] = ()
    updated_since: dt.datetime | None = None
    resolved_since: dt.datetime | None = None
    number: int | None = None
    title: str | None = None


def _conditions(user: User, f: TicketFilters) -> _Conditions:
    f.validate()
    assignees = [user.pk if v == "me" else int(v) for v in f.assignee if v != "none"]
    text = f.text.strip()
    number = text.lstrip("#")
    is_number = number.isascii() and number.isdigit()
    return _Conditions(
        lists=tuple(_distinct(getattr(f, name)) for name, _ in _LIST_LOOKUPS),
        assignees=_distinct(assignees),
        unassigned="none" in f.assignee,
        tags=_distinct(name.strip().lower() for name in f.tag),
        updated_since=f.updated_since,
        resolved_since=f.resolved_since,
        number=int(number) if text and is_number else None,
        title=text if text and not is_number else None,
    )


def _distinct(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(values))


def _filtered(queryset: QuerySet[Ticket], c: _Conditions) -> QuerySet[Ticket]:
    lookups = {lookup: values for (_, lookup), values in zip(_LIST_LOOKUPS, c.lists, strict=True)}
    queryset = queryset.filter(**{lookup: values for lookup, values in lookups.items() if values})
    if c.assignees or c.unassigned:
        condition = Q(assignee_id__in=c.assignees) if c.assignees else Q()
        if c.unassigned:
            condition |= Q(assignee__isnull=True)
        queryset = queryset.filter(condition)
    for name in c.tags:
        queryset = queryset.filter(tags__name=name)
    if c.updated_since is not None:
        queryset = queryset.filter(updated_at__gte=c.updated_since)
    if c.resolved_since is not None:
        queryset = queryset.filter(resolved_at__gte=c.resolved_since)
    if c.number is not None:
        queryset = queryset.filter(number=c.number)
    if c.title is not None:
        queryset = queryset.filter(title__icontains=c.title)
    return queryset


def tickets_filtered(user: User, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    """Every ticket the user may see that matches ``filters``: unordered, unpaged, no joins.

    The lists' filter rules, for callers that read whole result sets (exports). Invalid
    filters raise ValidationError here, before anything is read.
    """
    return _filtered(tickets_visible_to(user), _conditions(user, filters or TicketFilters()))


def _encode_cursor(value: Any, pk: int) -> str:
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:  # every cursor we write carries its offset
        raise ValueError
    return moment


def _decode_cursor(cursor: str, sort_field: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(pk, int):
            raise ValueError
        if sort_field == SLA_DUE:
            value = None if value is None else _aware(dt.datetime.fromisoformat(value))
        elif sort_field in {"updated_at", "created_at"}:
            value = _aware(dt.datetime.fromisoformat(value))
        elif sort_field == "number":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError
        elif value not in Priority.values:  # sort_field == "priority"
            raise ValueError
    except (ValueError, TypeError, OverflowError, json.JSONDecodeError):
        raise ValidationError.field("cursor", "This cursor is not valid; start again.") from None
    return value, pk


def list_order(sort: str) -> list[Any]:
    """The ORDER BY of the lists for an allowed ``sort`` key: SLA due times nulls last
    either way, ties broken by id in the same direction."""
    field = SORTS[sort]
    descending = sort.startswith("-")
    if field == SLA_DUE:
        due = F(SLA_DUE)
        return [
            due.desc(nulls_last=True) if descending else due.asc(nulls_last=True),
            "-pk" if descending else "pk",
        ]
    return [f"-{field}", "-pk"] if descending else [field, "pk"]


@dataclass
class Page:
    items: list[Any]  # Tickets (``ticket_list``) or ListRows (``ticket_list_rows``)
    next_cursor: str | None


@dataclass(frozen=True)
class _PageInputs:
    """Everything a page's query depends on besides its sort and length."""

    scope: policies.Scope
    conditions: _Conditions
    after: tuple[Any, int] | None  # the cursor: the last row's sort value and id


def _page_inputs(
    user: User, filters: TicketFilters | None, sort: str, cursor: str | None, limit: int
) -> _PageInputs:
    """Check the page's parameters: ValidationError for a bad sort, limit, cursor or filter."""
    if sort not in SORTS:
        raise ValidationError.field("sort", f"Sort by one of: {', '.join(SORTS)}.")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError.field("limit", f"Between 1 and {MAX_LIMIT}.")
    scope = policies.scope_for(user)
    return _PageInputs(
        # Only what the query reads: seeing everything takes no user id.
        scope=policies.Scope(everything=True) if scope.everything else scope,
        conditions=_conditions(user, filters or TicketFilters()),
        after=_decode_cursor(cursor, SORTS[sort]) if cursor else None,
    )


def _page_queryset(inputs: _PageInputs, sort: str, limit: int) -> QuerySet[Ticket]:
    """The scoped, filtered, ordered page after the cursor, one row longer than ``limit``
    (to tell whether another page follows). Reads nothing but its arguments."""
    condition = policies.ticket_filter_of(inputs.scope)
    queryset = Ticket.objects.all() if condition is None else Ticket.objects.filter(condition)
    queryset = _filtered(queryset, inputs.conditions)
    sort_field = SORTS[sort]
    op = "lt" if sort.startswith("-") else "gt"
    if inputs.after is not None:
        value, pk = inputs.after
        if sort_field == SLA_DUE:
            # Nulls sort last in both directions, so the page after a null value holds only
            # nulls, and the page after a due time holds the rest of the due times, then nulls.
            null = Q(**{f"{SLA_DUE}__isnull": True})
            after_null = null & Q(**{f"pk__{op}": pk})
            queryset = queryset.filter(
                after_null
                if value is None
                else Q(**{f"{SLA_DUE}__{op}": value})
                | Q(**{SLA_DUE: value, f"pk__{op}": pk})
                | null
            )
        else:
            queryset = queryset.filter(
                Q(**{f"{sort_field}__{op}": value}) | Q(**{sort_field: value, f"pk__{op}": pk})
            )
    return queryset.order_by(*list_order(sort))[: limit + 1]


def _page(rows: list[Any], sort: str, limit: int) -> Page:
    """The page of ``rows`` (one more than ``limit`` when another page follows), with the
    cursor after its last row."""
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    rows = rows[:limit]
    last = rows[-1]
    if SORTS[sort] == SLA_DUE:
        sla = getattr(last, "sla", None)  # a missing row raises an AttributeError
        key = sla.next_due_at if sla is not None else None
    else:
        key = getattr(last, SORTS[sort])
    return Page(items=rows, next_cursor=_encode_cursor(key, last.pk))


def ticket_list(
    user: User,
    filters: TicketFilters | None = None,
    *,
    sort: str = DEFAULT_SORT,
    cursor: str | None = None,
    limit: int = 25,
) -> Page:
    """One page of the tickets the user may see, filtered and sorted, by keyset cursor.

    Runs one query whatever the page size: the page joined with the requester and the SLA
    row, the tag names (``tag_names``) in the same statement; team, organization, category
    and assignee come from the process's reference cache (``frontline.tickets.refs``).
    ``sla_due`` sorts by the SLA's earliest due time, tickets without one last. The cursor is
    opaque; an unknown sort or a bad cursor is a ValidationError.
    """
    queryset = _page_queryset(_page_inputs(user, filters, sort, cursor, limit), sort, limit)
    # Two cheap joins (planned in ~0.5 ms at 100k tickets; the four cached relations would
    # cost ~100 ms of planning as joins), tag names by subquery in the same statement, the
    # rest from the process cache.
    rows: list[Ticket] = list(
        queryset.select_related("requester", "sla").annotate(tag_names=TagNames())
    )
    attach_references(rows)
    return _page(rows, sort, limit)


def ticket_list_rows(
    user: User,
    filters: TicketFilters | None = None,
    *,
    sort: str = DEFAULT_SORT,
    cursor: str | None = None,
    limit: int = 25,
) -> Page:
    """``ticket_list`` for readers that only read (the API list): the same page, scope, order
    and cursor, as ``ListRow`` items with the attributes the list shape reads.

    One query whatever the page size, by a statement compiled once per process for each
    shape of scope, filters and cursor (``frontline.core.statements``; the text filter's
    title words are compiled per request), instead of a query built, compiled and loaded
    into model instances per request."""
    inputs = _page_inputs(user, filters, sort, cursor, limit)

    def build(of: _PageInputs) -> QuerySet[Any]:
        return _page_queryset(of, sort, limit).annotate(tag_names=TagNames()).values_list(*COLUMNS)

    values = compiled_rows(("tickets.list", sort, limit), inputs, build)
    return _page(list_rows(values), sort, limit)


# --- Categories -----------------------------------------------------------------------------


def categories_visible_to(viewer: User) -> QuerySet[Category]:
    """Desk users see every category; requesters the active ones of teams that serve them
    (unrestricted teams, or teams limited to one of their organizations). Team and custom
    field definitions are loaded with the page, ordered by team name then name."""
    queryset = Category.objects.all()
    if not is_desk_user(viewer):
        through = Team.organizations.through
        restricted = through.objects.values("team_id")
        serving = through.objects.filter(
            organization_id__in=viewer.organizations.values("id")
        ).values("team_id")
        queryset = queryset.filter(
            Q(is_active=True) & (~Q(team_id__in=restricted) | Q(team_id__in=serving))
        )
    return (
        queryset.select_related("team")
        .prefetch_related(
            Prefetch("custom_fields", queryset=CustomField.objects.order_by("position", "id"))
        )
        .order_by("team__name", "name", "id")
    )


def category_for(viewer: User, pk: int) -> Category:
    """One category the viewer may see; NotFound otherwise."""
    category = categories_visible_to(viewer).filter(pk=pk).first()
    if category is None:
        raise NotFound("No such category.")
    return category


def category_paths() -> dict[int, str]:
    """Every category's path ("Hardware › Laptops"), from one query over the whole tree."""
    nodes = {
        pk: (parent, name)
        for pk, parent, name in Category.objects.values_list("id", "parent_id", "name")
    }
    paths: dict[int, str] = {}
    for pk in nodes:
        names: list[str] = []
        seen: set[int] = set()
        node: int | None = pk
        while node is not None and node in nodes and node not in seen:
            seen.add(node)
            parent, name = nodes[node]
            names.append(name)
            node = parent
        paths[pk] = " › ".join(reversed(names))
    return paths


def category_fields(category: Category) -> list[CustomField]:
    """The custom fields a ticket in this category has: its own and its ancestors'."""
    chain = category.ancestors()
    return list(
        CustomField.objects.filter(category__in=chain)
        .select_related("category")
        .order_by("position", "id")
    )


def field_specs(category: Category | None) -> list[FieldSpec]:
    """The custom fields a ticket in ``category`` has (its own and its ancestors'), as the
    definitions the pure validator takes."""
    if category is None:
        return []
    return [
        FieldSpec(
            key=f.key,
            label=f.label,
            field_type=f.field_type,
            required=f.required,
            choices=tuple(str(c) for c in f.choices or []),
        )
        for f in category_fields(category)
    ]


# --- One ticket -----------------------------------------------------------------------------


def ticket_messages(user: User, ticket: Ticket) -> QuerySet[Message]:
    """The conversation the user may see: requesters get public replies only."""
    queryset = ticket.messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    if not policies.can_see_internal(user):
        queryset = queryset.filter(kind=MessageKind.PUBLIC)
    return queryset.order_by("created_at", "id")


def ticket_history(user: User, ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's events; requesters see only the milestones of their request."""
    queryset = ticket.events.select_related("actor").order_by("at", "id")
    if not policies.can_see_internal(user):
        queryset = queryset.filter(kind__in=REQUESTER_EVENT_KINDS)
    return queryset


def ticket_links(user: User, ticket: Ticket) -> list[TicketLink]:
    """Links from and to the ticket, leaving out tickets the user may not see."""
    links = TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)).select_related(
        "source", "target"
    )
    return [
        link
        for link in links
        if policies.can_view_ticket(
            user, link.target if link.source_id == ticket.pk else link.source
        )
    ]


def ticket_detail_for(user: User, number: int | str) -> detail_rows.DetailRows:
    """What the ticket's detail shows, if the user may see the ticket (NotFound otherwise, as
    ``ticket_for``): the ticket, its conversation as ``ticket_messages`` scopes it (requesters
    get public messages only), its links as ``ticket_links`` keeps them (none to a ticket the
    user may not see), its watchers and the number it was merged into.

    One query (``tickets.detail_rows``) whatever the size of the conversation, except that
    for a requester the policy may ask about watchers: for the ticket, and for each linked
    ticket that is neither theirs nor their organization's. Read-only rows."""
    rows = detail_rows.load(_ticket_number(number), internal=policies.can_see_internal(user))
    if rows is None or not policies.can_view_ticket(user, rows.ticket):
        raise NotFound("No such ticket.")
    return _visible_links(user, rows)


def ticket_detail_of(user: User, ticket: Ticket) -> detail_rows.DetailRows:
    """``ticket_detail_for`` of a ticket the user has just written, read afresh and not
    checked again against their scope (a write such as an escalation may take it out of it;
    its answer still shows the result). The conversation and links are scoped as there."""
    rows = detail_rows.load(ticket.number, internal=policies.can_see_internal(user))
    if rows is None:
        raise NotFound("No such ticket.")
    return _visible_links(user, rows)


def _visible_links(user: User, rows: detail_rows.DetailRows) -> detail_rows.DetailRows:
    rows.links = [link for link in rows.links if policies.can_view_ticket(user, link.other)]
    return rows


def attachment_for_download(user: User, uuid: UUID | str) -> Attachment:
    """The attachment if the user may see the message it belongs to (or uploaded it and it is
    not sent yet). NotFound otherwise, including for an internal note's file and a requester."""
    try:
        key = UUID(str(uuid))
    except ValueError:
        raise NotFound("No such attachment.") from None
    attachment = Attachment.objects.select_related("message__ticket").filter(uuid=key).first()
    if attachment is None:
        raise NotFound("No such attachment.")
    message = attachment.message
    if message is None:
        # An unsent upload is its uploader's alone; one whose uploader is gone (NULL) is no
        # one's, not the anonymous visitor's (whose pk is None too).
        if attachment.uploaded_by_id is None or attachment.uploaded_by_id != getattr(
            user, "pk", None
        ):
            raise NotFound("No such attachment.")
        return attachment
    if not policies.can_view_ticket(user, message.ticket):
        raise NotFound("No such attachment.")
    if message.kind != MessageKind.PUBLIC and not policies.can_see_internal(user):
        raise NotFound("No such attachment.")
    return attachment
