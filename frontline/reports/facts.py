"""The report facts (``TicketFact``): one definition, written in bulk or per ticket.

``fact_select`` is the one place that says how a ticket's fact row is derived from its
source rows (the ticket, its SLA clocks, its events and tier periods). Both writers run it as
``INSERT INTO reports_ticketfact ... SELECT ... ON CONFLICT (ticket_id) DO UPDATE``, so the
rows always come from the source, never from increments: refreshing a ticket twice (an
event handed on again, two workers at once) gives the same row.

- ``ticket_facts_refresh(ids)`` — after a ticket event (``reports/subscribers.py``);
- ``reports_rebuild_facts()`` — every ticket, in id chunks (``frontline reports rebuild``,
  ``frontline seed``, after an import or a restore), then the day rollups (``rollups``);
- ``facts_refresh_sla_changes()`` — the periodic catch-up for SLA rows recomputed without a
  ticket event (an SLA policy or calendar edit recomputes every open ticket's clocks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from frontline.accounts.models import Tier
from frontline.reports import rollups, sql
from frontline.reports.models import TicketFact
from frontline.sla.models import ClockState, TicketSla, TierPeriod
from frontline.tickets.lifecycle import OPEN_STATUSES, REOPEN_FROM
from frontline.tickets.models import Status, Ticket, TicketEvent

FINISHED = (ClockState.MET, ClockState.MISSED)
REOPEN = Q(kind="status_changed", new=Status.OPEN, old__in=REOPEN_FROM)  # lifecycle.is_reopen
REASSIGN = Q(kind="assigned") & Q(old__isnull=False) & Q(new__isnull=False)
CHUNK = 50_000


def _clock_seconds(metric: str, end_field: str) -> Case:
    """Business seconds on the finished SLA clock of ``metric``, else wall-clock seconds."""
    return Case(
        When(
            Q(**{f"sla__{metric}_state__in": FINISHED})
            & Q(**{f"sla__{metric}_target_seconds__isnull": False})
            & Q(**{f"sla__{metric}_remaining_seconds__isnull": False}),
            then=ExpressionWrapper(
                F(f"sla__{metric}_target_seconds") - F(f"sla__{metric}_remaining_seconds"),
                output_field=FloatField(),
            ),
        ),
        default=sql.Seconds(F(end_field), F("created_at")),
        output_field=FloatField(),
    )


def _events(condition: Q) -> QuerySet[TicketEvent]:
    return TicketEvent.objects.filter(condition, ticket_id=OuterRef("pk"))


def _per_ticket(queryset: QuerySet[TierPeriod], value: Count | Sum, kind: type) -> Coalesce:
    """A correlated aggregate over the ticket's rows of ``queryset`` (0 when none)."""
    inner = queryset.filter(ticket_id=OuterRef("pk")).order_by().values("ticket_id")
    return Coalesce(
        Subquery(inner.annotate(_v=value).values("_v")[:1], output_field=kind()),
        Value(0, output_field=kind()),
        output_field=kind(),
    )


def fact_select(tickets: QuerySet[Ticket], now: dt.datetime) -> QuerySet[Ticket]:
    """The fact rows of ``tickets`` as a values() queryset whose columns are, in order,
    ``FACT_COLUMNS`` (an INSERT ... SELECT reads them by position)."""
    finished = TierPeriod.objects.filter(ended_at__isnull=False)
    period_seconds = Coalesce(
        ExpressionWrapper(F("business_seconds") * 1.0, output_field=FloatField()),
        sql.Seconds(F("ended_at"), F("started_at")),
        output_field=FloatField(),
    )
    columns = {
        "ticket_id": F("pk"),
        "requester_id": F("requester_id"),
        "organization_id": F("organization_id"),
        "team_id": F("team_id"),
        "assignee_id": F("assignee_id"),
        "category_id": F("category_id"),
        "tier": F("tier"),
        "channel": F("channel"),
        "priority": F("priority"),
        "type": F("type"),
        "status": F("status"),
        "is_open": Case(
            When(status__in=OPEN_STATUSES, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        "created_at": F("created_at"),
        "first_response_at": F("first_response_at"),
        "resolved_at": F("resolved_at"),
        "closed_at": F("closed_at"),
        "done_at": Coalesce(F("resolved_at"), F("closed_at"), output_field=DateTimeField()),
        "first_response_seconds": _clock_seconds("first_response", "first_response_at"),
        "resolution_seconds": _clock_seconds("resolution", "resolved_at"),
        "resolved_on_first_contact": F("resolved_on_first_contact"),
        "reopened": Exists(_events(REOPEN)),
        "escalated": Exists(_events(Q(kind="escalated"))),
        "reassignments": Coalesce(
            Subquery(
                _events(REASSIGN)
                .order_by()
                .values("ticket_id")
                .annotate(_n=Count("pk"))
                .values("_n")[:1],
                output_field=IntegerField(),
            ),
            Value(0),
            output_field=IntegerField(),
        ),
        "sla_response_state": Coalesce(F("sla__first_response_state"), Value("")),
        "sla_resolution_state": Coalesce(F("sla__resolution_state"), Value("")),
    }
    for tier in Tier.order():
        rows = finished.filter(tier=tier.value)
        columns[f"{tier.value}_periods"] = _per_ticket(rows, Count("pk"), IntegerField)
        columns[f"{tier.value}_seconds"] = _per_ticket(
            rows.annotate(_s=period_seconds), Sum("_s"), FloatField
        )
    columns["refreshed_at"] = Value(now, output_field=DateTimeField())
    names = [f"_fact_{name}" for name in columns]
    return (
        tickets.order_by()
        .annotate(**{f"_fact_{name}": value for name, value in columns.items()})
        .values(*names)
    )


FACT_COLUMNS: tuple[str, ...] = tuple(str(f.column) for f in TicketFact._meta.concrete_fields)


def _upsert(tickets: QuerySet[Ticket], now: dt.datetime, *, returning: str = "") -> Any:
    """Write the fact rows of ``tickets``: the number of rows, or with ``returning`` (a
    RETURNING clause) the rows it returns."""
    select = fact_select(tickets, now)
    query, params = select.query.sql_with_params()
    names = [f"_fact_{c}" for c in FACT_COLUMNS]
    if list(select.query.annotation_select) != names:  # a programming error, caught by tests
        raise RuntimeError("fact_select's columns must follow TicketFact's")
    table = connection.ops.quote_name(TicketFact._meta.db_table)
    quoted = [connection.ops.quote_name(c) for c in FACT_COLUMNS]
    updates = ", ".join(f"{c} = excluded.{c}" for c in quoted[1:])
    statement = (
        f"INSERT INTO {table} ({', '.join(quoted)}) {query} "
        f"ON CONFLICT ({quoted[0]}) DO UPDATE SET {updates}{returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        if returning:
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return max(cursor.rowcount, 0)


def ticket_facts_refresh(ticket_ids: Iterable[int], *, now: dt.datetime | None = None) -> int:
    """Recompute the fact rows of these tickets from their source rows (idempotent). One
    statement, whatever the number of ids (on PostgreSQL 3–4, with the day rollups' share):
    a deleted ticket has no row to drop (the row's key is a foreign key to the ticket,
    deleted with it), and its ids select nothing."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return 0
    tickets = Ticket.objects.filter(pk__in=ids)
    if not rollups.enabled():
        return _upsert(tickets, now or timezone.now())
    # PostgreSQL: the day rollups get the difference between the rows before and after (2
    # more statements, one more when durations change): the old rows are read under lock, so
    # two refreshes of a ticket add their differences one after the other.
    with transaction.atomic():
        old = list(
            TicketFact.objects.select_for_update()
            .filter(ticket_id__in=ids)
            .order_by("ticket_id")
            .values(*rollups.FACT_INPUTS)
        )
        returning = " RETURNING " + ", ".join(
            connection.ops.quote_name(c) for c in rollups.FACT_INPUTS
        )
        new = _upsert(tickets, now or timezone.now(), returning=returning)
        rollups.apply_changes(old, new)
    return len(new)


def reports_rebuild_facts(
    *, chunk: int = CHUNK, progress: Callable[[int, int], None] | None = None
) -> int:
    """Rebuild every ticket's fact row from the source rows; return how many were written.

    Set-based: one INSERT ... SELECT per chunk of ``chunk`` ticket ids (each its own
    transaction). Safe while the desk runs: each row is replaced in place with what the event
    subscriber would write (a ticket changed while its chunk is being written may keep the
    chunk's values until its next event). ``progress`` is called with (tickets done, total)
    after each chunk.
    """
    bounds = Ticket.objects.order_by().aggregate(low=Min("pk"), high=Max("pk"))
    low, high = bounds["low"], bounds["high"]
    if low is None:
        TicketFact.objects.all().delete()
        rollups.rebuild()
        return 0
    total = high - low + 1
    now = timezone.now()
    done = 0
    start = low
    while start <= high:
        with transaction.atomic():
            done += _upsert(Ticket.objects.filter(pk__gte=start, pk__lt=start + chunk), now)
        start += chunk
        if progress is not None:
            progress(min(start - low, total), total)
    # No sweep for rows of deleted tickets: the row's key is a foreign key to the ticket, so
    # a ticket cannot be deleted without its fact row (Django deletes it with the ticket).
    rollups.rebuild()  # the day rollups, from the rows just written (PostgreSQL)
    return done


def facts_refresh_sla_changes(*, batch: int = 1000) -> int:
    """Refresh the facts of open tickets whose SLA row was recomputed after their fact row
    (an SLA policy or calendar edit recomputes every open ticket's clocks without recording
    ticket events). Returns how many rows were refreshed."""
    stale = TicketSla.objects.filter(
        ticket__report_fact__is_open=True,
        computed_at__gt=F("ticket__report_fact__refreshed_at"),
    ).values_list("ticket_id", flat=True)
    total, last = 0, 0
    while True:
        ids = list(stale.filter(ticket_id__gt=last).order_by("ticket_id")[:batch])
        if not ids:
            return total
        total += ticket_facts_refresh(ids)
        last = ids[-1]
