"""Event rules: each action through the ticket services as the rule, ordering, loop
protection, idempotency, versioning, and the triggers (created, updated, replies, status,
SLA warning)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from frontline.accounts.models import Tier
from frontline.automation import engine
from frontline.automation import services as automation
from frontline.automation.models import (
    CannedResponse,
    RoutingMode,
    Rule,
    RuleExecution,
    RuleVersion,
    TeamRouting,
)
from frontline.core.errors import Conflict, NotFound, ValidationError
from frontline.tickets import events
from frontline.tickets import services as tickets
from frontline.tickets.models import Message, Ticket, TicketEvent
from tests.automation.conftest import fresh
from tests.conftest import World
from tests.factories import CategoryFactory

Make = Callable[..., Any]


def rule_events(ticket: Ticket, rule: Rule) -> list[TicketEvent]:
    return [
        e
        for e in TicketEvent.objects.filter(ticket=ticket).order_by("id")
        if engine.rule_cause(e.data) and engine.rule_cause(e.data)["rule"] == rule.pk  # type: ignore[index]
    ]


def test_set_field_actions_change_the_ticket_as_the_rule(
    world: World, make_rule: Make, open_ticket: Make
) -> None:
    network: Any = CategoryFactory(team=world.it, name="Network")
    rule = make_rule(
        name="VPN triage",
        conditions_tree={"all": [{"field": "title", "op": "contains", "value": "vpn"}]},
        actions=[
            {"type": "set_field", "field": "priority", "value": "p2"},
            {"type": "set_field", "field": "type", "value": "question"},
            {"type": "set_field", "field": "category", "value": network.pk},
            {"type": "set_field", "field": "status", "value": "open"},
        ],
    )
    ticket = fresh(open_ticket())
    assert (ticket.priority, ticket.type, ticket.category, ticket.status) == (
        "p2",
        "question",
        network,
        "open",
    )
    changes = [e for e in rule_events(ticket, rule) if e.kind != "rule_applied"]
    assert {e.field for e in changes} == {"priority", "type", "category", "status"}
    for event in changes:
        assert event.actor is None
        assert event.data["by"] == "rule"
        assert event.data["rule"] == rule.pk
        assert event.data["rule_version"] == 1
        assert event.data["rule_name"] == "VPN triage"
    applied = TicketEvent.objects.get(ticket=ticket, kind="rule_applied")
    assert [a["type"] for a in applied.data["actions"]] == ["set_field"] * 4
    assert open_ticket(title="Printer").priority == "p4"  # conditions not met


def test_an_illegal_status_move_is_skipped_with_the_reason(
    world: World, make_rule: Make, open_ticket: Make
) -> None:
    make_rule(actions=[{"type": "set_field", "field": "status", "value": "closed"}])
    ticket = open_ticket()
    assert fresh(ticket).status == "new"
    execution = RuleExecution.objects.get(ticket=ticket)
    assert "cannot become closed" in execution.actions[0]["skipped"]


def test_team_and_tier_changes_are_escalations_by_the_rule(
    world: World, make_rule: Make, open_ticket: Make
) -> None:
    make_rule(
        name="HR words",
        conditions_tree={"all": [{"field": "title", "op": "contains", "value": "payslip"}]},
        actions=[{"type": "set_field", "field": "team", "value": world.hr.pk}],
    )
    make_rule(
        name="Outage to L2",
        position=1,
        conditions_tree={"all": [{"field": "title", "op": "starts_with", "value": "outage"}]},
        actions=[{"type": "set_field", "field": "tier", "value": "l2"}],
    )
    moved = fresh(open_ticket(title="My payslip is wrong"))
    assert moved.team == world.hr
    assert moved.tier == Tier.L1
    escalated = TicketEvent.objects.get(ticket=moved, kind="escalated")
    assert escalated.data["reason"] == "rule: HR words"
    assert escalated.data["by"] == "rule"
    assert "by the rule “HR words”" in moved.messages.filter(kind="system").last().body  # type: ignore[union-attr]
    up = fresh(open_ticket(title="Outage in building 2"))
    assert up.tier == Tier.L2


def test_assign_to_an_agent_or_by_routing(world: World, make_rule: Make, open_ticket: Make) -> None:
    make_rule(
        name="VIP to Ann",
        conditions_tree={"all": [{"field": "tags", "op": "contains", "value": "vip"}]},
        actions=[{"type": "assign", "to": world.agent.pk}],
    )
    make_rule(
        name="Route the rest",
        position=1,
        conditions_tree={"all": [{"field": "tags", "op": "not_contains", "value": "vip"}]},
        actions=[{"type": "assign", "to": "routing"}],
    )
    vip = open_ticket(tags=["vip"])
    assert vip.assignee == world.agent
    assert TicketEvent.objects.get(ticket=vip, kind="assigned").data["rule_name"] == "VIP to Ann"
    plain = open_ticket()
    assert plain.assignee is None  # manual team: skipped
    assert "routes manually" in RuleExecution.objects.get(ticket=plain).actions[0]["skipped"]
    TeamRouting.objects.create(team=world.it, mode=RoutingMode.LEAST_LOAD)
    routed = open_ticket()
    assert routed.assignee is not None
    assert routed.assignee != world.agent


def test_tags_watchers_and_canned_replies(world: World, make_rule: Make, open_ticket: Make) -> None:
    canned = CannedResponse.objects.create(
        title="Ack", body="Hello {{ requester.first_name }}, we got #{{ ticket.number }}."
    )
    make_rule(
        actions=[
            {"type": "add_tag", "tag": "Auto"},
            {"type": "add_watcher", "user": world.manager.pk},
            {"type": "canned_reply", "canned_response": canned.pk},
        ]
    )
    ticket = fresh(open_ticket())
    assert list(ticket.tags.values_list("name", flat=True)) == ["auto"]
    assert list(ticket.watchers.all()) == [world.manager]
    reply = Message.objects.filter(ticket=ticket, kind="public").last()
    assert reply is not None
    assert reply.author is None
    assert reply.body == f"Hello Alice, we got #{ticket.number}."
    assert ticket.status == "open"
    assert ticket.first_response_at is not None
    # Every subscriber (notifications, SLA...) coped with the authorless system reply.
    assert not TicketEvent.objects.filter(ticket=ticket).exclude(last_error="").exists()
    replied = TicketEvent.objects.get(ticket=ticket, kind="replied")
    assert replied.data["by"] == "agent"
    assert replied.data["origin"]["by"] == "rule"


def test_notify_mails_the_assignee_the_lead_or_a_user(
    world: World, make_rule: Make, open_ticket: Make
) -> None:
    world.it.lead = world.manager
    world.it.save()
    make_rule(
        actions=[
            {
                "type": "notify",
                "to": "team_lead",
                "subject": "New {{ ticket.priority }} ticket",
                "body": "{{ ticket.title }} from {{ requester.name }}",
            },
            {"type": "notify", "to": "assignee", "subject": "x", "body": "y"},
            {"type": "notify", "to": "user", "user": world.admin.pk, "subject": "s", "body": "b"},
        ]
    )
    mail.outbox.clear()
    ticket = open_ticket(priority="p1")
    execution = RuleExecution.objects.get(ticket=ticket)
    assert execution.actions[1]["skipped"] == "Nobody to notify."  # unassigned
    sent = {(m.to[0], m.subject, m.body) for m in mail.outbox if m.subject != "x"}
    assert ("boss@desk.test", "New P1 – Critical ticket", "VPN is down from Alice Archer") in sent
    assert ("admin@desk.test", "s", "b") in sent


def test_escalate_action_goes_to_the_next_tier_with_the_rule_as_reason(
    world: World, make_rule: Make, open_ticket: Make
) -> None:
    make_rule(name="Always escalate", actions=[{"type": "escalate"}])
    ticket = fresh(open_ticket())
    assert ticket.tier == Tier.L2
    assert TicketEvent.objects.get(ticket=ticket, kind="escalated").data["reason"] == (
        "rule: Always escalate"
    )


def test_rules_run_in_position_order_and_see_earlier_rules_effects(
    world: World, make_rule: Make, open_ticket: Make
) -> None:
    make_rule(
        name="second",
        position=2,
        conditions_tree={"all": [{"field": "priority", "op": "is", "value": "p1"}]},
        actions=[{"type": "add_tag", "tag": "urgent"}],
    )
    make_rule(
        name="first",
        position=1,
        actions=[{"type": "set_field", "field": "priority", "value": "p1"}],
    )
    ticket = fresh(open_ticket())
    assert ticket.priority == "p1"
    assert list(ticket.tags.values_list("name", flat=True)) == ["urgent"]
    order = list(
        RuleExecution.objects.filter(ticket=ticket)
        .order_by("id")
        .values_list("rule__name", flat=True)
    )
    assert order == ["first", "second"]


def test_a_rule_never_fires_on_its_own_events(
    world: World, make_rule: Make, open_ticket: Make, act: Make
) -> None:
    # On every update it toggles the priority: without protection it would loop forever.
    rule = make_rule(
        trigger="updated",
        actions=[{"type": "set_field", "field": "priority", "value": "p1"}],
    )
    ticket = open_ticket()
    act(tickets.ticket_update, actor=world.agent, ticket=ticket, version=None, priority="p3")
    assert fresh(ticket).priority == "p1"
    assert RuleExecution.objects.filter(rule=rule).count() == 1


def test_a_chain_of_rules_stops_at_the_depth_limit(
    world: World, make_rule: Make, open_ticket: Make, act: Make
) -> None:
    # Two rules feeding each other: A tags, B on A's change tags again... each action is a
    # new event caused by the other rule; the chain stops after MAX_CHAIN steps.
    make_rule(
        name="A",
        trigger="updated",
        conditions_tree={"all": [{"field": "priority", "op": "in", "value": ["p3", "p1"]}]},
        actions=[{"type": "set_field", "field": "priority", "value": "p2"}],
    )
    make_rule(
        name="B",
        trigger="updated",
        conditions_tree={"all": [{"field": "priority", "op": "is", "value": "p2"}]},
        actions=[{"type": "set_field", "field": "priority", "value": "p1"}],
    )
    ticket = open_ticket()
    act(tickets.ticket_update, actor=world.agent, ticket=ticket, version=None, priority="p3")
    depths = sorted(RuleExecution.objects.filter(ticket=ticket).values_list("depth", flat=True))
    # The agent's change fires A and then B (B sees A's p2); each further step is caused by
    # the other rule, one level deeper, until the limit.
    assert depths == [1, 1, 2, 3, 4, 5]
    assert max(depths) == engine.MAX_CHAIN
    assert TicketEvent.objects.filter(ticket=ticket, dispatched_at__isnull=True).count() == 0


def test_a_redelivered_event_fires_a_rule_once(
    world: World, make_rule: Make, open_ticket: Make
) -> None:
    rule = make_rule(actions=[{"type": "add_tag", "tag": "seen"}])
    ticket = open_ticket()
    created = TicketEvent.objects.get(ticket=ticket, kind="created")
    assert engine.run_event_rules(created) == []
    assert RuleExecution.objects.filter(rule=rule, ticket=ticket).count() == 1


def test_reply_and_status_and_sla_triggers(
    world: World, make_rule: Make, open_ticket: Make, act: Make
) -> None:
    make_rule(name="req", trigger="replied_requester", actions=[{"type": "add_tag", "tag": "req"}])
    make_rule(name="agent", trigger="replied_agent", actions=[{"type": "add_tag", "tag": "agt"}])
    make_rule(
        name="pending",
        trigger="status_changed",
        conditions_tree={"all": [{"field": "status", "op": "changed_to", "value": "pending"}]},
        actions=[{"type": "add_tag", "tag": "waiting"}],
    )
    make_rule(name="warn", trigger="sla_warning", actions=[{"type": "add_tag", "tag": "sla"}])
    ticket = open_ticket()
    act(tickets.ticket_reply, actor=world.alice, ticket=ticket, body="Any news?")
    assert set(fresh(ticket).tags.values_list("name", flat=True)) == {"req"}
    act(tickets.ticket_reply, actor=world.agent, ticket=ticket, body="Looking")
    act(
        tickets.ticket_transition,
        actor=world.agent,
        ticket=fresh(ticket),
        status="pending",
        pending_reason="requester",
        version=None,
    )
    assert set(fresh(ticket).tags.values_list("name", flat=True)) == {"req", "agt", "waiting"}

    def warn() -> None:
        events.record(fresh(ticket), "sla_warning", data={"metric": "resolution", "by": "sla"})

    act(warn)
    assert "sla" in set(fresh(ticket).tags.values_list("name", flat=True))


def test_inactive_rules_do_nothing(world: World, make_rule: Make, open_ticket: Make) -> None:
    make_rule(is_active=False, actions=[{"type": "add_tag", "tag": "x"}])
    assert not fresh(open_ticket()).tags.exists()


# --- Versioning and validation -------------------------------------------------------------


def test_every_edit_makes_a_version_and_executions_name_theirs(
    world: World, make_rule: Make, open_ticket: Make
) -> None:
    rule = make_rule(actions=[{"type": "add_tag", "tag": "one"}])
    open_ticket()
    rule = automation.rule_update(
        actor=world.coordinator, rule=rule, version=1, actions=[{"type": "add_tag", "tag": "two"}]
    )
    assert rule.version == 2
    same = automation.rule_update(actor=world.coordinator, rule=rule, version=2, name=rule.name)
    assert same.version == 2  # nothing changed, no new version
    open_ticket()
    versions = list(RuleVersion.objects.filter(rule=rule).order_by("number"))
    assert [(v.number, v.actions[0]["tag"]) for v in versions] == [(1, "one"), (2, "two")]
    assert versions[0].edited_by == world.admin
    assert versions[1].edited_by == world.coordinator
    assert sorted(RuleExecution.objects.filter(rule=rule).values_list("version", flat=True)) == [
        1,
        2,
    ]
    with pytest.raises(Conflict):
        automation.rule_update(actor=world.admin, rule=rule, version=1, is_active=False)


def test_bad_rules_are_refused_with_field_messages(world: World, make_rule: Make) -> None:
    with pytest.raises(ValidationError) as caught:
        make_rule(
            name="",
            trigger="whenever",
            conditions_tree={"all": [{"field": "status", "op": "is"}]},
            actions=[
                {"type": "explode"},
                {"type": "notify", "to": "user", "subject": "{{ x", "body": ""},
            ],
        )
    errors = caught.value.errors
    assert set(errors) >= {
        "name",
        "trigger",
        "conditions.all.0.value",
        "actions.0.type",
        "actions.1.user",
        "actions.1.subject",
        "actions.1.body",
    }
    assert Rule.objects.count() == 0
    with pytest.raises(ValidationError) as caught:
        make_rule(
            trigger="time",
            conditions_tree={"all": [{"field": "status", "op": "changed_to", "value": "open"}]},
            actions=[{"type": "add_tag", "tag": "x"}],
        )
    assert "conditions" in caught.value.errors


def test_only_coordinators_and_admins_manage_rules(world: World, make_rule: Make) -> None:
    for user in (world.agent, world.manager, world.alice):
        with pytest.raises(NotFound):
            make_rule(actor=user, actions=[{"type": "add_tag", "tag": "x"}])
    assert make_rule(actor=world.coordinator, actions=[{"type": "add_tag", "tag": "x"}]).pk
