"""SLA services: policy choice, clocks recomputed from history, warnings, breaches, escalation,
tier periods, and how the API and the desk show them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import Tier
from frontline.sla import escalation, services
from frontline.sla.models import Calendar, ClockState, SlaPolicy, SlaTarget, TicketSla, TierPeriod
from frontline.sla.selectors import badge
from frontline.tickets import services as tickets
from frontline.tickets.events import dispatch_pending
from frontline.tickets.models import Ticket, TicketEvent
from tests.conftest import World
from tests.factories import CategoryFactory

UTC = dt.UTC
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, inside 09:00–17:00 UTC

Capture = Callable[..., AbstractContextManager[Any]]


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time in the week of MONDAY (day 0 = Monday)."""
    return dt.datetime(2026, 3, 2 + day, hour, minute, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def office(db: None) -> Calendar:
    return Calendar.objects.create(
        name="Office",
        time_zone="UTC",
        hours={day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    )


def make_policy(calendar: Calendar, name: str = "Default", **fields: Any) -> SlaPolicy:
    targets = fields.pop("targets", {"p3": (60, 120, 480), "p2": (30, 60, 240)})
    m2m = {k: fields.pop(k) for k in ("organizations", "teams", "categories") if k in fields}
    policy = SlaPolicy.objects.create(name=name, calendar=calendar, **fields)
    for key, values in m2m.items():
        getattr(policy, key).set(values)
    for priority, (first, following, resolution) in targets.items():
        SlaTarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=first,
            next_response_minutes=following,
            resolution_minutes=resolution,
        )
    return policy


@pytest.fixture
def policy(office: Calendar) -> SlaPolicy:
    return make_policy(office)


@pytest.fixture
def act(django_capture_on_commit_callbacks: Capture) -> Callable[..., Any]:
    """Run a service call and then its subscribers (as the committed transaction would).

    The test transaction never commits and the captured on-commit list is not emptied between
    captures, so the dispatch is run explicitly; on-commit mail goes out at the end.
    """

    def run(func: Callable[..., Any], **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            result = func(**kwargs)
            dispatch_pending()
        return result

    return run


@pytest.fixture
def open_ticket(world: World, act: Callable[..., Any]) -> Callable[..., Ticket]:
    def make(**fields: Any) -> Ticket:
        fields.setdefault("actor", world.agent)
        fields.setdefault("requester", world.alice)
        fields.setdefault("title", "VPN is down")
        fields.setdefault("team", world.it)
        fields.setdefault("priority", "p3")
        ticket: Ticket = act(tickets.ticket_create, **fields)
        return ticket

    return make


def sla(ticket: Ticket) -> TicketSla:
    return TicketSla.objects.get(ticket=ticket)


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


# --- Policy selection ---------------------------------------------------------------------


def test_the_first_active_policy_whose_every_condition_matches_applies(
    world: World, office: Calendar, clock: Any
) -> None:
    category = CategoryFactory(team=world.it, name="Network")
    make_policy(office, "Inactive", position=0, is_active=False)
    acme_p2 = make_policy(
        office, "Acme P2", position=1, organizations=[world.acme], priorities=["p2"]
    )
    network = make_policy(office, "Network", position=2, categories=[category], types=["incident"])
    catch_all = make_policy(office, "Everything", position=3)
    policies = services.load_policies()

    def chosen(**fields: Any) -> str | None:
        ticket = Ticket(**{"team": world.it, "priority": "p3", "type": "incident", **fields})
        match = services.select_policy(ticket, policies)
        return match.policy.name if match else None

    assert chosen(organization=world.acme, priority="p2") == acme_p2.name
    assert chosen(organization=world.globex, priority="p2") == catch_all.name
    assert chosen(category=category) == network.name
    assert chosen(category=category, type="question") == catch_all.name
    SlaPolicy.objects.filter(pk=catch_all.pk).update(is_active=False)
    assert services.select_policy(Ticket(priority="p4"), services.load_policies()) is None


def test_a_ticket_no_policy_matches_has_no_sla(
    world: World, office: Calendar, open_ticket: Callable[..., Ticket], clock: Any
) -> None:
    make_policy(office, "HR only", teams=[world.hr])
    ticket = open_ticket()
    assert not TicketSla.objects.filter(ticket=ticket).exists()


# --- Clocks -------------------------------------------------------------------------------


def test_due_times_count_business_hours_only(
    policy: SlaPolicy, open_ticket: Callable[..., Ticket], clock: Any
) -> None:
    ticket = open_ticket()
    row = sla(ticket)
    assert row.policy == policy
    assert row.first_response_state == ClockState.RUNNING
    assert row.first_response_due_at == at(0, 11)
    assert row.first_response_warning_at == at(0, 10, 45)  # 75 % of an hour
    # 8 business hours from Monday 10:00: 7 on Monday, 1 on Tuesday.
    assert row.resolution_due_at == at(1, 10)
    assert row.next_response_state == ClockState.NONE
    assert row.next_due_at == at(0, 11)


def test_first_response_is_met_by_the_first_public_desk_reply_only(
    world: World,
    policy: SlaPolicy,
    open_ticket: Callable[..., Ticket],
    act: Callable[..., Any],
    clock: Any,
) -> None:
    ticket = open_ticket()
    clock.move_to(at(0, 10, 20))
    act(tickets.ticket_note, actor=world.agent, ticket=ticket, body="Looking")
    act(tickets.ticket_reply, actor=world.alice, ticket=ticket, body="Any news?")
    assert sla(ticket).first_response_state == ClockState.RUNNING
    assert sla(ticket).next_response_state == ClockState.NONE  # no cycle before a response
    clock.move_to(at(0, 10, 30))
    act(tickets.ticket_reply, actor=world.agent, ticket=ticket, body="On it")
    row = sla(ticket)
    assert row.first_response_state == ClockState.MET
    assert row.first_response_met_at == at(0, 10, 30)
    assert row.next_due_at == row.resolution_due_at


def test_a_late_first_response_is_kept_as_missed(
    world: World,
    policy: SlaPolicy,
    open_ticket: Callable[..., Ticket],
    act: Callable[..., Any],
    clock: Any,
) -> None:
    ticket = open_ticket()
    clock.move_to(at(0, 12))
    act(tickets.ticket_reply, actor=world.agent, ticket=ticket, body="Sorry for the wait")
    row = sla(ticket)
    assert row.first_response_state == ClockState.MISSED
    assert row.first_response_breached_at == at(0, 11)


def test_each_requester_message_starts_a_next_response_clock_met_by_the_desk(
    world: World,
    policy: SlaPolicy,
    open_ticket: Callable[..., Ticket],
    act: Callable[..., Any],
    clock: Any,
) -> None:
    ticket = open_ticket()
    act(tickets.ticket_reply, actor=world.agent, ticket=ticket, body="Hi")
    clock.move_to(at(0, 16))
    act(tickets.ticket_reply, actor=world.alice, ticket=ticket, body="Still broken")
    row = sla(ticket)
    assert row.next_response_state == ClockState.RUNNING
    assert row.next_response_started_at == at(0, 16)
    assert row.next_response_due_at == at(1, 10)  # 1 h Monday + 1 h Tuesday
    clock.move_to(at(0, 16, 30))
    act(tickets.ticket_reply, actor=world.alice, ticket=ticket, body="Hello?")
    assert sla(ticket).next_response_started_at == at(0, 16)  # the open cycle keeps its start
    clock.move_to(at(1, 9, 30))
    act(tickets.ticket_reply, actor=world.agent, ticket=ticket, body="Fixed?")
    row = sla(ticket)
    assert row.next_response_state == ClockState.MET
    assert row.next_response_met_at == at(1, 9, 30)
    clock.move_to(at(1, 11))
    act(tickets.ticket_reply, actor=world.alice, ticket=ticket, body="No")
    row = sla(ticket)
    assert (row.next_response_state, row.next_response_started_at) == ("running", at(1, 11))


def test_pending_on_the_requester_pauses_the_clocks_and_moves_the_due_time(
    world: World,
    policy: SlaPolicy,
    open_ticket: Callable[..., Ticket],
    act: Callable[..., Any],
    clock: Any,
) -> None:
    ticket = open_ticket()
    act(tickets.ticket_reply, actor=world.agent, ticket=ticket, body="Which laptop?")
    clock.move_to(at(0, 11))
    ticket = fresh(ticket)
    act(
        tickets.ticket_transition,
        actor=world.agent,
        ticket=ticket,
        status="pending",
        pending_reason="requester",
        version=ticket.version,
    )
    row = sla(ticket)
    assert row.resolution_state == ClockState.PAUSED
    assert row.resolution_due_at is None
    assert row.next_due_at is None
    shown = badge(row, at(0, 12))
    assert shown is not None
    assert shown.kind == "paused"
    clock.move_to(at(0, 14))
    act(tickets.ticket_reply, actor=world.alice, ticket=ticket, body="The Dell")  # wakes it
    row = sla(ticket)
    assert fresh(ticket).status == "open"
    assert row.resolution_state == ClockState.RUNNING
    assert row.resolution_paused_seconds == 3 * 3600
    assert row.resolution_due_at == at(1, 13)  # three hours later than without the pause


def test_pause_statuses_are_configurable(
    world: World,
    office: Calendar,
    open_ticket: Callable[..., Ticket],
    act: Callable[..., Any],
    clock: Any,
) -> None:
    make_policy(office, pause_statuses=["pending:requester"])
    ticket = open_ticket()
    act(
        tickets.ticket_transition,
        actor=world.agent,
        ticket=ticket,
        status="pending",
        pending_reason="third_party",
        version=fresh(ticket).version,
    )
    assert sla(ticket).resolution_state == ClockState.RUNNING


def test_reopening_runs_the_resolution_clock_again_from_where_it_stopped(
    world: World,
    policy: SlaPolicy,
    open_ticket: Callable[..., Ticket],
    act: Callable[..., Any],
    clock: Any,
) -> None:
    ticket = open_ticket()
    clock.move_to(at(0, 12))
    act(tickets.ticket_reply, actor=world.agent, ticket=ticket, body="Done")
    act(
        tickets.ticket_transition,
        actor=world.agent,
        ticket=ticket,
        status="resolved",
        version=fresh(ticket).version,
    )
    row = sla(ticket)
    assert (row.resolution_state, row.resolution_met_at) == (ClockState.MET, at(0, 12))
    assert row.next_due_at is None
    clock.move_to(at(1, 9))
    act(tickets.ticket_reply, actor=world.alice, ticket=ticket, body="It broke again")
    row = sla(ticket)
    assert fresh(ticket).status == "open"
    assert row.resolution_state == ClockState.RUNNING
    assert row.resolution_met_at is None
    # 2 of 8 hours were used before the resolution; 6 remain from Tuesday 09:00.
    assert row.resolution_due_at == at(1, 15)


def test_changing_the_priority_applies_its_targets_and_reselects_the_policy(
    world: World,
    office: Calendar,
    open_ticket: Callable[..., Ticket],
    act: Callable[..., Any],
    clock: Any,
) -> None:
    make_policy(office, "Critical", position=0, priorities=["p1"], targets={"p1": (15, 15, 60)})
    default = make_policy(office, "Default", position=1)
    ticket = open_ticket()
    assert sla(ticket).first_response_due_at == at(0, 11)
    act(tickets.ticket_update, actor=world.agent, ticket=ticket, priority="p2", version=None)
    assert sla(ticket).first_response_due_at == at(0, 10, 30)
    act(tickets.ticket_update, actor=world.agent, ticket=ticket, priority="p1", version=None)
    row = sla(ticket)
    assert row.policy.name == "Critical"
    assert row.first_response_due_at == at(0, 10, 15)
    act(tickets.ticket_update, actor=world.agent, ticket=ticket, priority="p4", version=None)
    assert not TicketSla.objects.filter(ticket=ticket).exists()  # Default has no p4 target
    assert default.pk


def test_recomputing_is_idempotent(
    world: World, policy: SlaPolicy, open_ticket: Callable[..., Ticket], clock: Any
) -> None:
    ticket = open_ticket()
    before = {f: getattr(sla(ticket), f) for f in services.SLA_COLUMNS if f != "policy"}
    services.sla_recompute(ticket)
    services.sla_recompute(ticket)
    after = {f: getattr(sla(ticket), f) for f in services.SLA_COLUMNS if f != "policy"}
    assert before == after
    assert TierPeriod.objects.filter(ticket=ticket).count() == 1


# --- Warnings, breaches, escalation -------------------------------------------------------


def test_the_periodic_job_fires_the_warning_then_the_breach_exactly_once(
    world: World,
    policy: SlaPolicy,
    open_ticket: Callable[..., Ticket],
    django_capture_on_commit_callbacks: Capture,
    clock: Any,
) -> None:
    ticket = open_ticket()

    def fire() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            fired = services.sla_fire_due()
            dispatch_pending()
        return fired

    assert fire() == 0
    clock.move_to(at(0, 10, 45))
    assert fire() == 1
    assert fire() == 0
    clock.move_to(at(0, 11, 1))
    assert fire() == 1
    assert fire() == 0
    kinds = list(
        TicketEvent.objects.filter(ticket=ticket, kind__startswith="sla_w").values_list(
            "kind", "data"
        )
    ) + list(
        TicketEvent.objects.filter(ticket=ticket, kind="sla_breached").values_list("kind", "data")
    )
    assert [(k, d["metric"]) for k, d in kinds] == [
        ("sla_warning", "first_response"),
        ("sla_breached", "first_response"),
    ]
    assert sla(ticket).first_response_state == ClockState.BREACHED
    assert TicketEvent.objects.get(kind="sla_breached").actor is None


def test_escalation_raises_priority_moves_tier_and_mails_once(
    world: World,
    office: Calendar,
    open_ticket: Callable[..., Ticket],
    django_capture_on_commit_callbacks: Capture,
    clock: Any,
) -> None:
    world.it.lead = world.manager
    world.it.save()
    make_policy(
        office,
        on_warning=["notify_assignee"],
        on_breach=["raise_priority", "next_tier", "notify_team_lead", "notify_managers"],
        targets={p: (60, 120, 480) for p in ("p1", "p2", "p3")},
    )
    ticket = open_ticket(assignee=world.agent)
    mail.outbox.clear()

    def fire() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            fired = services.sla_fire_due()
            dispatch_pending()
        return fired

    clock.move_to(at(0, 10, 50))
    fire()
    assert [m.to for m in mail.outbox] == [["agent@desk.test"]]
    assert f"/desk/tickets/{ticket.number}/" in mail.outbox[0].body
    assert fresh(ticket).priority == "p3"
    clock.move_to(at(0, 11, 5))
    fire()
    ticket = fresh(ticket)
    assert (ticket.priority, ticket.tier, ticket.assignee_id) == ("p2", Tier.L2, None)
    assert [m.to for m in mail.outbox[1:]] == [["boss@desk.test"]]  # lead = the manager: once
    raised = TicketEvent.objects.get(ticket=ticket, kind="field_changed", field="priority")
    assert raised.actor is None
    assert raised.data["by"] == "sla"
    # Nothing fires twice: neither the job nor a redelivered breach event.
    clock.move_to(at(0, 11, 30))
    assert fire() == 0
    breach = TicketEvent.objects.get(ticket=ticket, kind="sla_breached")
    assert escalation.sla_escalate(breach) == []
    assert fresh(ticket).priority == "p2"
    assert len(mail.outbox) == 2
    assert sla(ticket).first_response_target_seconds == 3600  # the p2 target now applies


def test_time_at_each_tier_is_kept_across_escalations(
    world: World,
    policy: SlaPolicy,
    open_ticket: Callable[..., Ticket],
    act: Callable[..., Any],
    clock: Any,
) -> None:
    ticket = open_ticket()
    clock.move_to(at(0, 12))
    act(tickets.ticket_escalate, actor=world.agent, ticket=ticket, reason="Needs L2", version=None)
    clock.move_to(at(1, 10))
    act(
        tickets.ticket_escalate,
        actor=world.agent_l2,
        ticket=ticket,
        reason="Vendor bug",
        team=world.hr,
        version=None,
    )
    periods = list(TierPeriod.objects.filter(ticket=ticket))
    assert [(p.team_id, p.tier, p.started_at, p.ended_at) for p in periods] == [
        (world.it.pk, "l1", at(0, 10), at(0, 12)),
        (world.it.pk, "l2", at(0, 12), at(1, 10)),
        (world.hr.pk, "l1", at(1, 10), None),
    ]
    assert [p.business_seconds for p in periods] == [2 * 3600, 6 * 3600, None]


# --- API and desk -------------------------------------------------------------------------


def test_the_api_shows_sla_clocks_with_a_constant_number_of_queries(
    world: World, policy: SlaPolicy, open_ticket: Callable[..., Ticket], clock: Any
) -> None:
    from tests.api.conftest import Api

    first = open_ticket()
    api = Api(world.agent)
    detail = api.get(f"/tickets/{first.number}").json()
    assert detail["sla"]["first_response"]["due_at"] == "2026-03-02T11:00:00Z"
    assert detail["sla"]["first_response"]["state"] == "running"
    assert detail["sla"]["next_response"] is None

    def count(size: int) -> int:
        while Ticket.objects.count() < size:
            open_ticket()
        with CaptureQueriesContext(connection) as queries:
            items = api.get("/tickets", {"limit": 100}).json()["items"]
        assert len(items) == size
        assert all(item["sla"] for item in items)
        return len(queries)

    assert count(3) == count(12)


def test_the_desk_queue_shows_the_badge_and_sorts_by_due(
    world: World,
    office: Calendar,
    open_ticket: Callable[..., Ticket],
    clock: Any,
) -> None:
    make_policy(office, targets={"p2": (30, 60, 240), "p3": (60, 120, 480)})
    later = open_ticket(title="Later", priority="p3")
    sooner = open_ticket(title="Sooner", priority="p2")
    untracked = open_ticket(title="No SLA", priority="p4")
    client = Client()
    client.force_login(world.agent)
    response = client.get("/desk/queues/team/", {"sort": "sla_due"})
    assert response.status_code == 200
    numbers = [t.number for t in response.context["page"].items]
    assert numbers == [sooner.number, later.number, untracked.number]
    html = response.content.decode()
    assert "Due in 30m" in html
    assert "Due in 1h 00m" in html
    # The keyset cursor walks the same order one ticket at a time, nulls last.
    from frontline.tickets.selectors import ticket_list

    seen, cursor = [], None
    while True:
        page = ticket_list(world.agent, sort="sla_due", cursor=cursor, limit=1)
        seen += [t.number for t in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == numbers
    clock.move_to(at(0, 11, 30))
    page_html = client.get(f"/desk/tickets/{later.number}/").content.decode()
    assert "Overdue 30m" in page_html
    assert "First response" in page_html


# --- Configuration edits ------------------------------------------------------------------


def test_editing_a_calendar_in_the_admin_moves_the_open_tickets_due_times(
    world: World,
    policy: SlaPolicy,
    office: Calendar,
    open_ticket: Callable[..., Ticket],
    clock: Any,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    ticket = open_ticket()
    assert sla(ticket).resolution_due_at == at(1, 10)  # 8 h: 7 on Monday, 1 on Tuesday
    client = Client()
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/sla/calendar/{office.pk}/change/",
            {
                "name": office.name,
                "time_zone": "UTC",
                # Longer days: 8 business hours from Monday 10:00 now end on Monday 18:00.
                "hours": '{"mon": ["09:00-19:00"], "tue": ["09:00-19:00"]}',
                "holidays": "[]",
                "yearly_holidays": "[]",
            },
        )
    assert response.status_code == 302, response.content[:500]
    assert sla(ticket).resolution_due_at == at(0, 18)


def test_deleting_the_policy_in_the_admin_clears_the_open_tickets_clocks(
    world: World,
    policy: SlaPolicy,
    open_ticket: Callable[..., Ticket],
    clock: Any,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    ticket = open_ticket()
    assert sla(ticket).policy == policy
    client = Client()
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/sla/slapolicy/{policy.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    row = TicketSla.objects.filter(ticket=ticket).first()
    assert row is None or row.policy is None
