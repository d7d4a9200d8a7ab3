"""The report facts: kept current by the event subscriber through real service calls, equal
to a full rebuild, idempotent on redelivery, scoped exactly like the ticket list, rebuilt by
the command; and every report page runs a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.reports import selectors
from frontline.reports.facts import (
    FACT_COLUMNS,
    facts_refresh_sla_changes,
    reports_rebuild_facts,
    ticket_facts_refresh,
)
from frontline.reports.filters import ReportFilter
from frontline.reports.models import TicketFact
from frontline.reports.subscribers import refresh_facts
from frontline.sla.models import Calendar, ClockState, SlaPolicy, SlaTarget, TicketSla
from frontline.tickets import services as tickets
from frontline.tickets.events import dispatch_pending
from frontline.tickets.models import Status, Ticket, TicketEvent
from frontline.tickets.selectors import tickets_visible_to
from tests.reports import dataset
from tests.reports.dataset import END, NOW, START

pytestmark = pytest.mark.django_db
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def snapshot() -> dict[int, dict[str, Any]]:
    """Every fact row, without the time it was written."""
    return {
        row["ticket_id"]: {k: v for k, v in row.items() if k != "refreshed_at"}
        for row in TicketFact.objects.values(*FACT_COLUMNS)
    }


@pytest.fixture
def act(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    """Run a service call, then its event subscribers (as the committed transaction would)."""

    def run(func: Callable[..., Any], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            result = func(**kwargs)
            dispatch_pending()
        return result

    return run


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def policy(db: None) -> SlaPolicy:
    office = Calendar.objects.create(
        name="Office", time_zone="UTC",
        hours={day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    )  # fmt: skip
    found = SlaPolicy.objects.create(name="Default", calendar=office)
    for priority in ("p1", "p2", "p3", "p4"):
        SlaTarget.objects.create(
            policy=found, priority=priority, first_response_minutes=60,
            next_response_minutes=120, resolution_minutes=480,
        )  # fmt: skip
    return found


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def history(world: Any, act: Callable[..., Any], clock: Any) -> dict[str, Ticket]:
    """Three tickets through the real services: a full life, a reassigned one, a new one."""
    make = tickets.ticket_create
    a = act(make, actor=world.agent, title="VPN down", requester=world.alice, team=world.it)
    b = act(make, actor=world.agent, title="Printer", requester=world.bob, team=world.it)
    c = act(make, actor=world.agent, title="New laptop", requester=world.alice, team=world.it)
    clock.shift(dt.timedelta(minutes=20))
    act(tickets.ticket_reply, actor=world.agent, ticket=fresh(a), body="Looking into it.")
    act(tickets.ticket_assign, actor=world.agent, ticket=fresh(a), assignee=world.agent,
        version=None)  # fmt: skip
    act(tickets.ticket_assign, actor=world.agent, ticket=fresh(b), assignee=world.agent,
        version=None)  # fmt: skip
    clock.shift(dt.timedelta(minutes=30))
    act(tickets.ticket_assign, actor=world.agent, ticket=fresh(b), assignee=world.agent_l2,
        version=None)  # fmt: skip
    act(tickets.ticket_escalate, actor=world.agent, ticket=fresh(a), reason="Needs L2",
        version=None)  # fmt: skip
    clock.shift(dt.timedelta(hours=1))
    act(tickets.ticket_transition, actor=world.agent, ticket=fresh(a), status=Status.RESOLVED,
        version=None)  # fmt: skip
    act(tickets.ticket_transition, actor=world.agent_l2, ticket=fresh(b),
        status=Status.RESOLVED, version=None)  # fmt: skip
    clock.shift(dt.timedelta(minutes=10))
    act(tickets.ticket_reply, actor=world.alice, ticket=fresh(a), body="Still broken.")
    clock.shift(dt.timedelta(hours=2))
    act(tickets.ticket_transition, actor=world.agent_l2, ticket=fresh(a),
        status=Status.RESOLVED, version=None)  # fmt: skip
    try:
        from frontline.satisfaction.services import survey_respond
    except ImportError:  # the satisfaction app is optional for the reports
        pass
    else:
        act(survey_respond, actor=world.bob, ticket=fresh(b), rating=4)
    return {"a": fresh(a), "b": fresh(b), "c": fresh(c)}


def test_facts_kept_by_the_subscriber_equal_a_full_rebuild(world, act, clock, policy):
    made = history(world, act, clock)
    incremental = snapshot()
    assert set(incremental) == {t.pk for t in made.values()}
    a, b, c = (incremental[made[k].pk] for k in "abc")
    # the full life: answered, escalated, resolved, reopened by the requester, resolved again
    assert (a["escalated"], a["reopened"], a["reassignments"]) == (True, True, 0)
    assert (a["status"], a["is_open"], a["tier"]) == ("resolved", False, "l2")
    assert a["done_at"] == made["a"].resolved_at
    # business seconds of the finished first response clock (20 minutes into office hours)
    assert a["sla_response_state"] == ClockState.MET
    assert a["first_response_seconds"] == pytest.approx(1200, abs=1)
    assert a["l1_periods"] == 1
    assert a["l1_seconds"] == pytest.approx(3000, abs=1)
    # moved from one agent to another once; the first assignment does not count
    assert (b["reassignments"], b["assignee_id"], b["escalated"]) == (1, world.agent_l2.pk, False)
    assert (c["status"], c["is_open"], c["done_at"]) == ("new", True, None)
    kept = rollup_snapshot()  # PostgreSQL: the day rollups, kept by differences
    TicketFact.objects.all().delete()
    assert reports_rebuild_facts() == 3
    assert snapshot() == incremental
    assert rollup_snapshot() == kept


def rollup_snapshot() -> dict[str, Any]:
    """The day rollups without their empty cells (a difference may leave a cell at zero),
    float totals rounded (added in another order); {} where the rollups do not exist."""
    from frontline.reports import rollups
    from frontline.reports.models import FactDay, FactDayDuration

    if not rollups.enabled():
        return {}
    cell = ("day", *rollups.CELL)
    counts = {
        tuple(row[k] for k in cell): {k: round(row[k], 3) for k in rollups.COUNT_COLUMNS}
        for row in FactDay.objects.values(*cell, *rollups.COUNT_COLUMNS)
        if any(row[k] for k in rollups.COUNT_COLUMNS)
    }
    keys = ("metric", *cell, "bucket")
    histograms = {
        tuple(row[k] for k in keys): (row["n"], round(row["total"], 3))
        for row in FactDayDuration.objects.values(*keys, "n", "total")
        if row["n"]
    }
    assert counts
    assert histograms
    return {"counts": counts, "histograms": histograms}


def test_a_redelivered_event_changes_nothing(world, act, clock, policy):
    made = history(world, act, clock)
    before = snapshot()
    events = list(TicketEvent.objects.filter(ticket=made["a"]))
    for event in events:
        refresh_facts(event)  # handed on again, out of order
    TicketEvent.objects.filter(pk__in=[e.pk for e in events]).update(dispatched_at=None)
    assert dispatch_pending() >= len(events)
    assert snapshot() == before
    assert TicketFact.objects.count() == 3


def test_refreshing_a_deleted_ticket_drops_its_row(world, act, clock):
    made = history(world, act, clock)
    Ticket.objects.filter(pk=made["c"].pk).delete()
    ticket_facts_refresh([made["c"].pk])
    assert not TicketFact.objects.filter(pk=made["c"].pk).exists()


def test_an_sla_recompute_without_an_event_reaches_the_facts(world, act, clock, policy):
    made = history(world, act, clock)
    row = TicketSla.objects.get(ticket=made["c"])
    assert TicketFact.objects.get(pk=made["c"].pk).sla_response_state == row.first_response_state
    clock.shift(dt.timedelta(minutes=5))
    # as an SLA policy edit does: the clocks change, no ticket event is recorded
    TicketSla.objects.filter(pk=row.pk).update(
        first_response_state=ClockState.BREACHED, computed_at=dt.datetime.now(tz=dt.UTC)
    )
    assert facts_refresh_sla_changes() == 1
    assert TicketFact.objects.get(pk=made["c"].pk).sla_response_state == ClockState.BREACHED
    assert facts_refresh_sla_changes() == 0


# --- Scoping on the fact table -----------------------------------------------------------------


def test_fact_scoping_equals_the_ticket_list_rule_for_every_user(world):
    dataset.build(world)
    users = [
        world.admin, world.manager, world.coordinator, world.agent, world.agent_l2,
        world.hr_agent, world.alice, world.arthur, world.bob,
    ]  # fmt: skip
    filters = [
        ReportFilter(start=START, end=END),
        ReportFilter(start=START, end=END, team=world.hr.pk),
        ReportFilter(start=START, end=END, organization=world.globex.pk, channel="email"),
    ]
    for user in users:
        for f in filters:
            via_facts = set(selectors.report_facts(user, f).values_list("pk", flat=True))
            via_tickets = set(
                tickets_visible_to(user).filter(f.ticket_q()).values_list("pk", flat=True)
            )
            assert via_facts == via_tickets, (user.email, f)
    # the agents do not all see the same tickets: the comparison is not vacuous
    agent = set(selectors.report_facts(world.agent, filters[0]).values_list("pk", flat=True))
    hanna = set(selectors.report_facts(world.hr_agent, filters[0]).values_list("pk", flat=True))
    assert agent
    assert hanna
    assert not agent & hanna


def test_an_agent_dashboard_counts_only_visible_tickets_and_an_org_report_one_org(world):
    data = dataset.build(world)
    f = ReportFilter(start=START, end=END)
    hanna = selectors.kpi_summary(world.hr_agent, f, now=NOW)
    assert (hanna["created"], hanna["open"]) == (1, 1)  # B12 only; H2 is Globex's
    # a Globex ticket moved to HR stays invisible to Hanna (HR serves Acme only)
    moved = data.tickets["B2"]
    Ticket.objects.filter(pk=moved.pk).update(team=world.hr)
    ticket_facts_refresh([moved.pk])
    assert selectors.kpi_summary(world.hr_agent, f, now=NOW)["created"] == 1
    acme = selectors.organization_report(world.admin, world.acme, f, now=NOW)
    globex_ids = set(Ticket.objects.filter(organization=world.globex).values_list("pk", flat=True))
    assert acme["summary"]["created"] == 21
    assert (
        not set(
            selectors.report_facts(world.admin, f.with_(organization=world.acme.pk)).values_list(
                "pk", flat=True
            )
        )
        & globex_ids
    )


# --- The rebuild command -------------------------------------------------------------------------


def test_rebuild_command_restores_missing_and_wrong_rows(world, capsys):
    dataset.build(world)
    good = snapshot()
    some = list(TicketFact.objects.values_list("pk", flat=True)[:5])
    TicketFact.objects.filter(pk__in=some).delete()
    TicketFact.objects.exclude(pk__in=some).update(team=None, is_open=False, reassignments=99)
    call_command("reports", "rebuild", "--no-progress", "--chunk", "7")
    assert snapshot() == good
    assert f"Report facts: {len(good)} tickets" in capsys.readouterr().out


def test_rebuild_of_an_empty_desk_writes_nothing(db):
    assert reports_rebuild_facts() == 0
    assert not TicketFact.objects.exists()


# --- Constant query counts per page --------------------------------------------------------------

# (path, viewer, queries on SQLite, on PostgreSQL). PostgreSQL adds set_config() of the
# report settings and the savepoint around them, reads the counts and histograms from the day
# rollups (no backlog counts over the facts; each duration set's values in the wanted buckets
# in a second query) and, for an agent, the tickets outside the rollups' cells (own requests,
# watched: range rows and backlog from the facts).
PAGES = {
    "manager": ("/reports/", "admin", 21, 23),
    "team": ("/reports/team/{it}/", "admin", 19, 21),
    "my": ("/reports/my/", "agent", 15, 22),
    "organization": ("/reports/organizations/{acme}/", "admin", 15, 18),
    "csv": ("/reports/organizations/{acme}/?format=csv&", "admin", 14, 17),
    "api": ("/api/v1/reports/kpis", "agent", 11, 18),
}


def _queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        assert response.status_code == 200, path
        if response.streaming:
            b"".join(response.streaming_content)
    return len(captured)


def test_every_page_runs_a_constant_number_of_queries(world, client):
    data = dataset.build(world)
    query = f"start={START}&end={END}"

    def paths() -> dict[str, tuple[str, Any, int]]:
        out = {}
        for name, (template, who, on_sqlite, on_postgresql) in PAGES.items():
            path = template.format(it=world.it.pk, acme=world.acme.pk)
            path += query if path.endswith("&") else f"?{query}"
            budget = on_postgresql if connection.vendor == "postgresql" else on_sqlite
            out[name] = (path, getattr(world, who), budget)
        return out

    def measure() -> dict[str, int]:
        counts = {}
        for name, (path, user, _) in paths().items():
            client.force_login(user)
            _queries(client, path)  # warm the per-request caches alike
            counts[name] = _queries(client, path)
        return counts

    small = measure()
    for name, (_, _, budget) in paths().items():
        assert small[name] <= budget, (name, small[name])
    # three times the tickets, more agents' and teams' rows: the same number of queries
    for i in range(2):
        for key, ticket in list(data.tickets.items()):
            dataset.make_ticket(
                world, f"{key}-copy{i}", org=ticket.organization, created=ticket.created_at,
                team=ticket.team, status=ticket.status, assignee=world.coordinator,
                first_response_at=ticket.first_response_at, resolved_at=ticket.resolved_at,
                closed_at=ticket.closed_at,
            )  # fmt: skip
    reports_rebuild_facts()
    assert measure() == small


def test_seed_leaves_the_facts_in_step_with_the_tickets(world, capsys):
    call_command("seed", "--tickets", "30", "--batch", "12", "--seed", "3", "--no-progress")
    assert "Report facts rebuilt (30 tickets)" in capsys.readouterr().out
    seeded = snapshot()
    assert set(seeded) == set(Ticket.objects.values_list("pk", flat=True))
    TicketFact.objects.all().delete()
    reports_rebuild_facts()
    assert snapshot() == seeded


def test_rebuild_command_refuses_a_bad_chunk(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--chunk"):
        call_command("reports", "rebuild", "--no-progress", "--chunk", "0")


@pytest.mark.pg
def test_report_selectors_run_with_the_report_settings(world, monkeypatch):
    from frontline.reports import kpis, sql

    seen: dict[str, str] = {}
    real = kpis.summary

    def spy(*args: Any, **kwargs: Any) -> Any:
        with connection.cursor() as cursor:
            for name in sql.REPORT_SETTINGS:
                cursor.execute(f"SHOW {name}")
                seen[name] = cursor.fetchone()[0]
        return real(*args, **kwargs)

    monkeypatch.setattr(kpis, "summary", spy)
    selectors.kpi_summary(world.admin, ReportFilter(start=START, end=END), now=NOW)
    assert seen == {"jit": "off", "work_mem": "32MB", "random_page_cost": "1.1"}


def test_agents_resolved_in_range_equals_a_direct_count(world: Any) -> None:
    # "resolved" per agent is read from the size of the agent's resolution set
    dataset.build(world)
    f = ReportFilter(start=dataset.START - dt.timedelta(days=9), end=dataset.END)
    for viewer in (world.admin, world.manager):
        board = selectors.manager_dashboard(viewer, f, now=dataset.NOW)
        facts = selectors.report_facts(viewer, f)
        for row in board["agents"]:
            direct = facts.filter(
                assignee_id=row["agent"], resolved_at__gte=f.since, resolved_at__lt=f.until
            ).count()
            assert row["resolved"] == direct
        assert any(row["resolved"] for row in board["agents"])
