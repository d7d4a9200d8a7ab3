"""Time rules on business days (the SLA calendar, 24×7 without one), once per status period;
and the dry run: no writes, and its predictions equal what the live rule then does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.automation import engine
from frontline.automation import services as automation
from frontline.automation.models import (
    AgentStatus,
    CannedResponse,
    RoutingCursor,
    RoutingMode,
    Rule,
    RuleExecution,
    TeamRouting,
)
from frontline.sla.models import Calendar, SlaPolicy, SlaTarget
from frontline.tickets import services as tickets
from frontline.tickets.models import Message, Ticket, TicketEvent
from tests.automation.conftest import fresh
from tests.conftest import World

Make = Callable[..., Any]
UTC = dt.UTC
FRIDAY = dt.datetime(2026, 3, 6, 10, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """Days after Friday 2026-03-06 (0 = Friday, 3 = Monday...)."""
    return dt.datetime(2026, 3, 6, hour, minute, tzinfo=UTC) + dt.timedelta(days=day)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(FRIDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def office_policy(db: None) -> SlaPolicy:
    office = Calendar.objects.create(
        name="Office",
        time_zone="UTC",
        hours={day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    )
    policy = SlaPolicy.objects.create(name="Office hours", calendar=office)
    for priority in ("p1", "p2", "p3", "p4"):
        SlaTarget.objects.create(
            policy=policy,
            priority=priority,
            first_response_minutes=600,
            next_response_minutes=600,
            resolution_minutes=6000,
        )
    return policy


@pytest.fixture
def reminder(db: None) -> CannedResponse:
    return CannedResponse.objects.create(
        title="Reminder", body="Hi {{ requester.first_name }}, do you still need help?"
    )


def pending_rules(make_rule: Make, reminder: CannedResponse) -> tuple[Rule, Rule, Rule]:
    waiting = {"field": "status", "op": "is", "value": "pending"}
    on_requester = {"field": "pending_reason", "op": "is", "value": "requester"}
    remind = make_rule(
        name="Remind after 3 business days",
        trigger="time",
        conditions_tree={
            "all": [
                waiting,
                on_requester,
                {"field": "business_days_in_status", "op": "gte", "value": 3},
            ]
        },
        actions=[{"type": "canned_reply", "canned_response": reminder.pk}],
    )
    resolve = make_rule(
        name="Resolve after 7 business days",
        trigger="time",
        position=1,
        conditions_tree={
            "all": [
                waiting,
                on_requester,
                {"field": "business_days_in_status", "op": "gte", "value": 7},
            ]
        },
        actions=[{"type": "set_field", "field": "status", "value": "resolved"}],
    )
    close = make_rule(
        name="Close 5 days after resolving",
        trigger="time",
        position=2,
        conditions_tree={
            "all": [
                {"field": "status", "op": "is", "value": "resolved"},
                {"field": "business_days_in_status", "op": "gte", "value": 5},
            ]
        },
        actions=[{"type": "set_field", "field": "status", "value": "closed"}],
    )
    return remind, resolve, close


def make_pending(world: World, open_ticket: Make, act: Make) -> Ticket:
    ticket = open_ticket()
    act(
        tickets.ticket_transition,
        actor=world.agent,
        ticket=ticket,
        status="pending",
        pending_reason="requester",
        version=None,
    )
    return fresh(ticket)


def reminders(ticket: Ticket) -> int:
    return Message.objects.filter(ticket=ticket, kind="public", author__isnull=True).count()


def test_three_business_days_count_across_the_weekend(
    world: World,
    open_ticket: Make,
    act: Make,
    make_rule: Make,
    reminder: CannedResponse,
    office_policy: SlaPolicy,
    clock: Any,
) -> None:
    pending_rules(make_rule, reminder)
    ticket = make_pending(world, open_ticket, act)  # Friday 10:00
    clock.move_to(at(4, 17))  # Tuesday 17:00: 7 + 8 + 8 = 23 business hours
    assert engine.run_time_rules() == 0
    clock.move_to(at(5, 10))  # Wednesday 10:00: 24 business hours = 3 business days
    assert engine.run_time_rules() == 1
    assert reminders(ticket) == 1
    assert fresh(ticket).status == "pending"  # a reply by the desk keeps it waiting
    clock.move_to(at(5, 16))
    assert engine.run_time_rules() == 0  # once per pending period
    assert reminders(ticket) == 1
    clock.move_to(at(11, 10))  # Thursday after next: 7 business days
    assert engine.run_time_rules() == 1
    ticket = fresh(ticket)
    assert ticket.status == "resolved"
    event = TicketEvent.objects.filter(ticket=ticket, kind="status_changed").latest("id")
    assert event.actor is None
    assert event.data["rule_name"] == "Resolve after 7 business days"
    clock.move_to(at(17, 16))  # Wednesday: 4 business days resolved
    assert engine.run_time_rules() == 0
    clock.move_to(at(18, 10))  # Thursday: 5 business days
    assert engine.run_time_rules() == 1
    assert fresh(ticket).status == "closed"


def test_without_an_sla_calendar_days_are_24x7(
    world: World,
    open_ticket: Make,
    act: Make,
    make_rule: Make,
    reminder: CannedResponse,
    clock: Any,
) -> None:
    pending_rules(make_rule, reminder)
    ticket = make_pending(world, open_ticket, act)
    clock.move_to(FRIDAY + dt.timedelta(days=2, hours=23))
    assert engine.run_time_rules() == 0
    clock.move_to(FRIDAY + dt.timedelta(days=3))  # Monday 10:00: 72 hours
    assert engine.run_time_rules() == 1
    assert reminders(ticket) == 1


def test_a_new_pending_period_may_fire_again(
    world: World,
    open_ticket: Make,
    act: Make,
    make_rule: Make,
    reminder: CannedResponse,
    clock: Any,
) -> None:
    pending_rules(make_rule, reminder)
    ticket = make_pending(world, open_ticket, act)
    clock.move_to(FRIDAY + dt.timedelta(days=3))
    engine.run_time_rules()
    act(tickets.ticket_reply, actor=world.alice, ticket=fresh(ticket), body="Still broken")
    assert fresh(ticket).status == "open"
    act(
        tickets.ticket_transition,
        actor=world.agent,
        ticket=fresh(ticket),
        status="pending",
        pending_reason="requester",
        version=None,
    )
    clock.move_to(FRIDAY + dt.timedelta(days=6, hours=1))
    assert engine.run_time_rules() == 1
    assert reminders(ticket) == 2


# --- Dry run --------------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_equals_the_live_event_rule(
    world: World, open_ticket: Make, make_rule: Make
) -> None:
    made = [
        open_ticket(title="VPN down", priority="p1"),
        open_ticket(title="VPN slow", priority="p3"),
        open_ticket(title="Printer jam", priority="p1"),
        open_ticket(title="vpn again", priority="p1", assignee=world.agent),
    ]
    rule = make_rule(
        name="Hot VPN",
        is_active=False,
        conditions_tree={
            "all": [
                {"field": "title", "op": "contains", "value": "vpn"},
                {"field": "priority", "op": "is", "value": "p1"},
            ]
        },
        actions=[
            {"type": "add_tag", "tag": "hot"},
            {"type": "assign", "to": world.agent.pk},
            {"type": "set_field", "field": "status", "value": "closed"},
        ],
    )
    before = (Ticket.objects.count(), TicketEvent.objects.count(), RuleExecution.objects.count())
    with CaptureQueriesContext(connection) as queries:
        result = automation.rule_dry_run(actor=world.coordinator, rule=rule, limit=200)
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        RuleExecution.objects.count(),
    ) == before
    assert result.examined == 4
    predicted = {row.ticket_id: row.actions for row in result.matched}
    assert set(predicted) == {made[0].pk, made[3].pk}
    assert predicted[made[3].pk][1]["skipped"].startswith("Already assigned")
    assert "cannot become closed" in predicted[made[0].pk][2]["skipped"]

    automation.rule_update(actor=world.coordinator, rule=rule, version=rule.version, is_active=True)
    for ticket in made:
        engine.run_event_rules(TicketEvent.objects.get(ticket=ticket, kind="created"))
    live = {e.ticket_id: e.actions for e in RuleExecution.objects.filter(rule=rule)}
    assert live == predicted
    assert set(fresh(made[0]).tags.values_list("name", flat=True)) == {"hot"}
    # Now fired: a second dry run says so.
    again = automation.rule_dry_run(actor=world.coordinator, rule=rule)
    assert all(row.already_fired for row in again.matched)


def test_dry_run_of_a_time_rule_equals_the_sweep(
    world: World,
    open_ticket: Make,
    act: Make,
    make_rule: Make,
    reminder: CannedResponse,
    clock: Any,
) -> None:
    remind, resolve, close = pending_rules(make_rule, reminder)
    Rule.objects.update(is_active=False)
    old = make_pending(world, open_ticket, act)
    clock.move_to(FRIDAY + dt.timedelta(days=4))
    young = make_pending(world, open_ticket, act)
    open_ticket()
    clock.move_to(FRIDAY + dt.timedelta(days=7, hours=1))  # old: 7 days, young: 3 days
    predictions = {}
    for rule in (remind, resolve, close):
        result = automation.rule_dry_run(actor=world.admin, rule=fresh_rule(rule))
        predictions[rule.pk] = {row.ticket_id: row.actions for row in result.matched}
    assert set(predictions[remind.pk]) == {old.pk, young.pk}
    assert set(predictions[resolve.pk]) == {old.pk}
    assert predictions[close.pk] == {}
    Rule.objects.update(is_active=True)
    engine.run_time_rules()
    for rule in (remind, resolve, close):
        live = {e.ticket_id: e.actions for e in RuleExecution.objects.filter(rule=rule)}
        assert live == predictions[rule.pk]


def fresh_rule(rule: Rule) -> Rule:
    return Rule.objects.get(pk=rule.pk)


def test_a_draft_is_validated_before_its_dry_run(world: World) -> None:
    from frontline.core.errors import ValidationError

    draft = engine.RuleDraft("created", {"all": [{"field": "x", "op": "is", "value": 1}]}, [])
    with pytest.raises(ValidationError) as caught:
        automation.rule_dry_run(actor=world.admin, draft=draft)
    assert "conditions.all.0.field" in caught.value.errors


def test_the_demo_content_is_valid_and_loads_once(db: None) -> None:
    from frontline.automation import actions as rule_actions
    from frontline.automation import conditions
    from frontline.automation.demo import load_demo_automation

    assert len(load_demo_automation()) == 6
    assert load_demo_automation() == []
    for rule in Rule.objects.all():
        assert conditions.validate(rule.conditions) == {}
        assert rule_actions.validate(rule.actions) == {}
        assert not rule.is_active


@pytest.mark.parametrize(
    "mode", [RoutingMode.ROUND_ROBIN, RoutingMode.LEAST_LOAD, RoutingMode.SKILLS]
)
def test_dry_run_names_the_agent_routing_would_pick_and_equals_live_routing(
    world: World, open_ticket: Make, make_rule: Make, mode: str
) -> None:
    made = [open_ticket(title=f"Laptop {n}") for n in range(3)]
    TeamRouting.objects.create(team=world.it, mode=mode)
    rule = make_rule(
        name="Route laptops",
        is_active=False,
        conditions_tree={"all": [{"field": "title", "op": "contains", "value": "laptop"}]},
        actions=[{"type": "assign", "to": "routing"}],
    )
    cursors = list(RoutingCursor.objects.values_list("team_id", "tier", "last_user_id"))
    result = automation.rule_dry_run(actor=world.coordinator, rule=rule)
    assert list(RoutingCursor.objects.values_list("team_id", "tier", "last_user_id")) == cursors
    assert Ticket.objects.filter(assignee__isnull=False).count() == 0
    predicted = {row.ticket_id: row.actions for row in result.matched}
    assert set(predicted) == {t.pk for t in made}
    picked = [predicted[t.pk][0]["agent"] for t in made]
    eligible = {world.agent.pk, world.coordinator.pk, world.manager.pk}  # IT at L1
    assert set(picked) == eligible  # three tickets, three different agents
    names = {predicted[t.pk][0]["agent_name"] for t in made}
    assert names == {str(u) for u in (world.agent, world.coordinator, world.manager)}

    automation.rule_update(actor=world.coordinator, rule=rule, version=rule.version, is_active=True)
    for ticket in made:
        engine.run_event_rules(TicketEvent.objects.get(ticket=ticket, kind="created"))
    live = {e.ticket_id: e.actions for e in RuleExecution.objects.filter(rule=rule)}
    assert live == predicted
    assert [fresh(t).assignee_id for t in made] == picked


def test_dry_run_of_routing_with_nobody_available_says_so(
    world: World, open_ticket: Make, make_rule: Make
) -> None:
    ticket = open_ticket(title="Laptop")
    TeamRouting.objects.create(team=world.it, mode=RoutingMode.ROUND_ROBIN)
    for user in (world.agent, world.coordinator, world.manager):
        AgentStatus.objects.create(user=user, status="away")
    rule = make_rule(is_active=False, actions=[{"type": "assign", "to": "routing"}])
    result = automation.rule_dry_run(actor=world.admin, rule=rule)
    (row,) = [r for r in result.matched if r.ticket_id == ticket.pk]
    assert "Nobody in the team is available" in row.actions[0]["skipped"]


@pytest.mark.parametrize(
    "mode", [RoutingMode.ROUND_ROBIN, RoutingMode.LEAST_LOAD, RoutingMode.SKILLS]
)
def test_a_routing_dry_run_costs_the_same_queries_for_more_tickets(
    world: World, open_ticket: Make, make_rule: Make, mode: str
) -> None:
    """Routing reads the team's members, loads and skills once per batch, not per ticket."""
    rule = make_rule(is_active=False, actions=[{"type": "assign", "to": "routing"}])

    def queries(n: int) -> int:
        TeamRouting.objects.filter(team=world.it).delete()  # tickets arrive unassigned
        while Ticket.objects.count() < n:
            open_ticket(title=f"Laptop {Ticket.objects.count()}")
        TeamRouting.objects.create(team=world.it, mode=mode)
        with CaptureQueriesContext(connection) as captured:
            result = automation.rule_dry_run(actor=world.coordinator, rule=rule)
        assert len(result.matched) == n
        assert all("agent" in row.actions[0] for row in result.matched), result.matched[0].actions
        return len(captured)

    assert queries(3) == queries(15)
