"""Moving tickets along: transitions, assignment and claims, escalation, merge, links."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from frontline.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from frontline.tickets import selectors
from frontline.tickets.lifecycle import ALLOWED
from frontline.tickets.models import Message, MessageKind, Ticket, TicketEvent, TicketLink
from frontline.tickets.services import (
    ticket_assign,
    ticket_claim,
    ticket_create,
    ticket_escalate,
    ticket_link,
    ticket_merge,
    ticket_note,
    ticket_reply,
    ticket_transition,
    ticket_unlink,
)
from tests.conftest import World
from tests.factories import CategoryFactory

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def ticket(world: World) -> Ticket:
    return ticket_create(actor=world.alice, title="Laptop will not boot")


# --- Transitions ----------------------------------------------------------------------------

# How to bring a new ticket to each status through the service.
PATH_TO: dict[str, list[tuple[str, str]]] = {
    "new": [],
    "open": [("open", "")],
    "pending": [("pending", "requester")],
    "resolved": [("resolved", "")],
    "closed": [("resolved", ""), ("closed", "")],
}
LEGAL_MOVES = [
    (old, new, "third_party" if new == "pending" else "")
    for old, targets in ALLOWED.items()
    for new in sorted(targets)
]


def bring_to(world: World, ticket: Ticket, status: str) -> Ticket:
    for step, reason in PATH_TO[status]:
        ticket = ticket_transition(
            actor=world.agent, ticket=ticket, status=step, pending_reason=reason, version=None
        )
    return ticket


@pytest.mark.parametrize(("old", "new", "reason"), LEGAL_MOVES)
def test_desk_makes_every_legal_move_and_records_it(
    world: World, ticket: Ticket, old: str, new: str, reason: str
) -> None:
    ticket = bring_to(world, ticket, old)
    version = ticket.version
    moved = ticket_transition(
        actor=world.agent, ticket=ticket, status=new, pending_reason=reason, version=version
    )
    stored = fresh(moved)
    assert stored.status == new
    assert stored.pending_reason == reason
    assert stored.version == version + 1
    event = stored.events.filter(kind="status_changed").last()
    assert event is not None
    assert (event.old, event.new, event.actor) == (old, new, world.agent)


def test_resolving_and_closing_stamp_their_times(world: World, ticket: Ticket) -> None:
    with time_machine.travel(T0, tick=False):
        ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        ticket_transition(actor=world.agent, ticket=ticket, status="closed", version=None)
    stored = fresh(ticket)
    assert stored.resolved_at == T0
    assert stored.closed_at == T0 + dt.timedelta(days=3)


@pytest.mark.parametrize("start", ["resolved", "closed"])
def test_reopening_clears_the_resolution_stamps(world: World, ticket: Ticket, start: str) -> None:
    ticket = bring_to(world, ticket, start)
    ticket_transition(actor=world.agent, ticket=ticket, status="open", version=None)
    stored = fresh(ticket)
    assert (stored.status, stored.resolved_at, stored.closed_at) == ("open", None, None)
    assert stored.events.filter(kind="status_changed").last().data["reopened"] is True


def test_illegal_move_is_refused_and_changes_nothing(world: World, ticket: Ticket) -> None:
    ticket = bring_to(world, ticket, "closed")
    events_before = TicketEvent.objects.count()
    with pytest.raises(InvalidTransition):
        ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    assert fresh(ticket).status == "closed"
    assert TicketEvent.objects.count() == events_before


def test_pending_without_a_reason_is_a_field_error(world: World, ticket: Ticket) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_transition(actor=world.agent, ticket=ticket, status="pending", version=None)
    assert "pending_reason" in info.value.errors


def test_leaving_pending_clears_the_reason(world: World, ticket: Ticket) -> None:
    ticket = bring_to(world, ticket, "pending")
    ticket_transition(actor=world.agent, ticket=ticket, status="open", version=None)
    assert fresh(ticket).pending_reason == ""


def test_stale_transition_is_a_conflict(world: World, ticket: Ticket) -> None:
    seen = ticket.version
    ticket_transition(actor=world.agent, ticket=ticket, status="open", version=seen)
    with pytest.raises(Conflict):
        ticket_transition(actor=world.agent_l2, ticket=ticket, status="resolved", version=seen)
    assert fresh(ticket).status == "open"


def test_requester_may_mark_their_own_request_solved(world: World, ticket: Ticket) -> None:
    ticket_transition(actor=world.alice, ticket=ticket, status="resolved", version=None)
    stored = fresh(ticket)
    assert stored.status == "resolved"
    assert stored.resolved_at is not None


def test_requester_may_reopen_their_resolved_request(world: World, ticket: Ticket) -> None:
    ticket = bring_to(world, ticket, "resolved")
    ticket_transition(actor=world.alice, ticket=ticket, status="open", version=None)
    assert fresh(ticket).status == "open"


@pytest.mark.parametrize(
    ("start", "new", "reason"),
    [
        ("new", "open", ""),
        ("new", "pending", "requester"),
        ("resolved", "closed", ""),
        ("closed", "open", ""),
        ("pending", "open", ""),
    ],
)
def test_requester_may_make_no_other_move(
    world: World, ticket: Ticket, start: str, new: str, reason: str
) -> None:
    ticket = bring_to(world, ticket, start)
    with pytest.raises(InvalidTransition):
        ticket_transition(
            actor=world.alice, ticket=ticket, status=new, pending_reason=reason, version=None
        )
    assert fresh(ticket).status == start


def test_a_colleague_who_sees_a_shared_ticket_may_not_resolve_it(
    world: World, ticket: Ticket
) -> None:
    world.acme.shares_tickets = True
    world.acme.save()
    assert selectors.ticket_for(world.arthur, ticket.number) == ticket  # he sees it
    with pytest.raises(InvalidTransition):
        ticket_transition(actor=world.arthur, ticket=ticket, status="resolved", version=None)
    assert fresh(ticket).status == "new"


def test_a_requester_cannot_move_someone_elses_ticket(world: World, ticket: Ticket) -> None:
    with pytest.raises(NotFound):
        ticket_transition(actor=world.bob, ticket=ticket, status="resolved", version=None)


# --- Assignment and claims ------------------------------------------------------------------


def test_desk_assigns_to_a_team_member(world: World, ticket: Ticket) -> None:
    ticket_assign(actor=world.agent, ticket=ticket, assignee=world.agent_l2, version=None)
    stored = fresh(ticket)
    assert stored.assignee == world.agent_l2
    event = stored.events.get(kind="assigned")
    assert (event.old, event.new) == (None, world.agent_l2.pk)


def test_reassigning_and_unassigning_record_old_and_new(world: World, ticket: Ticket) -> None:
    ticket_assign(actor=world.agent, ticket=ticket, assignee=world.agent, version=None)
    ticket_assign(actor=world.agent, ticket=ticket, assignee=world.agent_l2, version=None)
    ticket_assign(actor=world.agent, ticket=ticket, assignee=None, version=None)
    moves = [(e.old, e.new) for e in fresh(ticket).events.filter(kind="assigned")]
    assert moves == [
        (None, world.agent.pk),
        (world.agent.pk, world.agent_l2.pk),
        (world.agent_l2.pk, None),
    ]
    assert fresh(ticket).assignee is None


@pytest.mark.parametrize("who", ["hr_agent", "alice", "admin"])
def test_only_members_of_the_tickets_team_can_be_assigned(
    world: World, ticket: Ticket, who: str
) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_assign(actor=world.agent, ticket=ticket, assignee=getattr(world, who), version=None)
    assert "assignee" in info.value.errors
    assert fresh(ticket).assignee is None


def test_assigning_the_current_assignee_again_is_a_conflict(world: World, ticket: Ticket) -> None:
    ticket_assign(actor=world.agent, ticket=ticket, assignee=world.agent_l2, version=None)
    with pytest.raises(Conflict):
        ticket_assign(actor=world.agent, ticket=ticket, assignee=world.agent_l2, version=None)
    assert fresh(ticket).events.filter(kind="assigned").count() == 1


def test_an_unrouted_ticket_cannot_be_assigned(world: World) -> None:
    world.it.is_default = False
    world.it.save()
    unrouted = ticket_create(actor=world.alice, title="Where does this go?")
    with pytest.raises(ValidationError) as info:
        ticket_assign(actor=world.coordinator, ticket=unrouted, assignee=world.agent, version=None)
    assert "assignee" in info.value.errors


def test_agent_claims_an_unassigned_ticket(world: World, ticket: Ticket) -> None:
    ticket_claim(actor=world.agent, ticket=ticket, version=ticket.version)
    assert fresh(ticket).assignee == world.agent


def test_claiming_a_ticket_twice_is_a_conflict(world: World, ticket: Ticket) -> None:
    ticket_claim(actor=world.agent, ticket=ticket, version=None)
    with pytest.raises(Conflict):
        ticket_claim(actor=world.agent, ticket=ticket, version=None)


def test_claiming_a_ticket_someone_else_holds_is_a_conflict(world: World, ticket: Ticket) -> None:
    ticket_claim(actor=world.agent, ticket=ticket, version=None)
    with pytest.raises(Conflict):
        ticket_claim(actor=world.agent_l2, ticket=ticket, version=None)
    assert fresh(ticket).assignee == world.agent


def test_two_claims_on_the_same_version_one_wins(world: World, ticket: Ticket) -> None:
    seen = ticket.version
    ticket_claim(actor=world.agent, ticket=ticket, version=seen)
    with pytest.raises(Conflict):
        ticket_claim(actor=world.agent_l2, ticket=ticket, version=seen)
    assert fresh(ticket).assignee == world.agent


def test_agent_of_another_team_cannot_claim(world: World, ticket: Ticket) -> None:
    with pytest.raises(NotFound):
        ticket_claim(actor=world.hr_agent, ticket=ticket, version=None)


def test_requester_cannot_claim_or_assign(world: World, ticket: Ticket) -> None:
    with pytest.raises(PermissionDenied):
        ticket_claim(actor=world.alice, ticket=ticket, version=None)
    with pytest.raises(PermissionDenied):
        ticket_assign(actor=world.alice, ticket=ticket, assignee=world.agent, version=None)
    assert fresh(ticket).assignee is None


# --- Escalation -----------------------------------------------------------------------------


def test_escalation_goes_to_the_next_tier_and_clears_the_assignee(
    world: World, ticket: Ticket
) -> None:
    ticket_claim(actor=world.agent, ticket=ticket, version=None)
    ticket_escalate(actor=world.agent, ticket=ticket, reason="BIOS issue", version=None)
    stored = fresh(ticket)
    assert (stored.team, stored.tier, stored.assignee) == (world.it, "l2", None)
    event = stored.events.get(kind="escalated")
    assert event.data == {
        "from_team": world.it.pk,
        "to_team": world.it.pk,
        "from_tier": "l1",
        "to_tier": "l2",
        "reason": "BIOS issue",
    }
    system = stored.messages.get(kind=MessageKind.SYSTEM)
    assert "L2" in system.body
    assert "BIOS issue" in system.body


def test_escalation_climbs_to_the_vendor_and_stops(world: World, ticket: Ticket) -> None:
    tiers = []
    for _ in range(3):
        tiers.append(ticket_escalate(actor=world.agent, ticket=ticket, reason="up", version=None))
    assert [t.tier for t in tiers] == ["l2", "l3", "vendor"]
    with pytest.raises(InvalidTransition):
        ticket_escalate(actor=world.agent, ticket=ticket, reason="further", version=None)
    assert fresh(ticket).tier == "vendor"


def test_escalation_to_a_named_higher_tier(world: World, ticket: Ticket) -> None:
    ticket_escalate(actor=world.agent, ticket=ticket, reason="skip", tier="l3", version=None)
    assert fresh(ticket).tier == "l3"


@pytest.mark.parametrize("tier", ["l1", "l9"])
def test_escalation_refuses_a_lower_equal_or_unknown_tier(
    world: World, ticket: Ticket, tier: str
) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_escalate(actor=world.agent, ticket=ticket, reason="x", tier=tier, version=None)
    assert "tier" in info.value.errors


@pytest.mark.parametrize("reason", ["", "   "])
def test_escalation_needs_a_reason(world: World, ticket: Ticket, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_escalate(actor=world.agent, ticket=ticket, reason=reason, version=None)
    assert "reason" in info.value.errors
    assert fresh(ticket).tier == "l1"


def test_escalation_to_another_team_drops_the_category_and_assignee(world: World) -> None:
    laptops = CategoryFactory(team=world.it, name="Laptops")
    ticket = ticket_create(actor=world.alice, title="Laptop for new hire", category=laptops)
    ticket_claim(actor=world.agent, ticket=ticket, version=None)
    ticket_escalate(
        actor=world.agent, ticket=ticket, team=world.hr, reason="Onboarding", version=None
    )
    stored = fresh(ticket)
    assert (stored.team, stored.tier, stored.category, stored.assignee) == (
        world.hr,
        "l1",
        None,
        None,
    )
    assert stored.events.get(kind="escalated").data["to_team"] == world.hr.pk


def test_escalation_to_a_team_that_does_not_serve_the_organization_is_refused(
    world: World,
) -> None:
    ticket = ticket_create(actor=world.bob, title="Globex payslip")
    with pytest.raises(ValidationError) as info:
        ticket_escalate(actor=world.agent, ticket=ticket, team=world.hr, reason="HR", version=None)
    assert "team" in info.value.errors
    stored = fresh(ticket)
    assert stored.team == world.it
    assert not stored.messages.filter(kind=MessageKind.SYSTEM).exists()


def test_a_closed_ticket_cannot_be_escalated(world: World, ticket: Ticket) -> None:
    ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    ticket_transition(actor=world.agent, ticket=ticket, status="closed", version=None)
    with pytest.raises(InvalidTransition):
        ticket_escalate(actor=world.agent, ticket=ticket, reason="x", version=None)


def test_requester_cannot_escalate(world: World, ticket: Ticket) -> None:
    with pytest.raises(PermissionDenied):
        ticket_escalate(actor=world.alice, ticket=ticket, reason="hurry", version=None)


def test_stale_escalation_is_a_conflict(world: World, ticket: Ticket) -> None:
    seen = ticket.version
    ticket_reply(actor=world.agent, ticket=ticket, body="On it", version=seen)
    with pytest.raises(Conflict):
        ticket_escalate(actor=world.agent, ticket=ticket, reason="x", version=seen)
    assert fresh(ticket).tier == "l1"


# --- Merge ----------------------------------------------------------------------------------


@pytest.fixture
def pair(world: World) -> tuple[Ticket, Ticket]:
    source = ticket_create(
        actor=world.agent,
        requester=world.arthur,
        title="Wifi down on floor 3",
        tags=["wifi", "floor3"],
        watcher_ids=[world.bob.pk],
    )
    target = ticket_create(
        actor=world.agent, requester=world.alice, title="No wifi", tags=["wifi", "outage"]
    )
    return source, target


def test_merge_moves_messages_tags_and_watchers(world: World, pair: tuple[Ticket, Ticket]) -> None:
    source, target = pair
    ticket_note(actor=world.agent, ticket=source, body="Same AP as #other")
    merged = ticket_merge(actor=world.agent, source=source, target=target, version=None)
    assert merged == target
    bodies = list(Message.objects.filter(ticket=target).values_list("body", flat=True))
    assert "Wifi down on floor 3" in bodies
    assert "Same AP as #other" in bodies
    assert sorted(target.tags.values_list("name", flat=True)) == ["floor3", "outage", "wifi"]
    assert set(target.watchers.all()) == {world.bob, world.arthur}  # arthur: source requester


def test_merge_closes_the_source_with_a_pointer(world: World, pair: tuple[Ticket, Ticket]) -> None:
    source, target = pair
    ticket_merge(actor=world.agent, source=source, target=target, version=source.version)
    stored = fresh(source)
    assert stored.status == "closed"
    assert stored.closed_at is not None
    assert stored.merged_into == target
    merged = stored.events.get(kind="merged")
    assert (merged.old, merged.new, merged.data["into"]) == ("new", "closed", target.number)
    assert fresh(target).events.get(kind="merged_in").data["from"] == source.number
    # both timelines say what happened
    assert stored.messages.get(kind=MessageKind.SYSTEM).body.startswith("Merged into")
    assert fresh(target).messages.filter(kind=MessageKind.SYSTEM).count() == 1


def test_source_requester_can_follow_the_merged_ticket(
    world: World, pair: tuple[Ticket, Ticket]
) -> None:
    source, target = pair
    ticket_merge(actor=world.agent, source=source, target=target, version=None)
    assert selectors.ticket_for(world.arthur, target.number) == target


def test_a_ticket_cannot_be_merged_into_itself(world: World, pair: tuple[Ticket, Ticket]) -> None:
    source, _ = pair
    with pytest.raises(ValidationError) as info:
        ticket_merge(actor=world.agent, source=source, target=source, version=None)
    assert "target" in info.value.errors


def test_a_merged_ticket_cannot_be_merged_again(world: World, pair: tuple[Ticket, Ticket]) -> None:
    source, target = pair
    other = ticket_create(actor=world.bob, title="Wifi?")
    ticket_merge(actor=world.agent, source=source, target=target, version=None)
    with pytest.raises(InvalidTransition):
        ticket_merge(actor=world.agent, source=source, target=other, version=None)
    assert fresh(source).merged_into == target


def test_nothing_merges_into_a_closed_ticket(world: World, pair: tuple[Ticket, Ticket]) -> None:
    source, target = pair
    ticket_transition(actor=world.agent, ticket=target, status="resolved", version=None)
    ticket_transition(actor=world.agent, ticket=target, status="closed", version=None)
    messages_before = source.messages.count()
    with pytest.raises(InvalidTransition):
        ticket_merge(actor=world.agent, source=source, target=target, version=None)
    assert fresh(source).status == "new"
    assert source.messages.count() == messages_before


def test_stale_merge_is_a_conflict(world: World, pair: tuple[Ticket, Ticket]) -> None:
    source, target = pair
    seen = source.version
    ticket_reply(actor=world.agent, ticket=source, body="Checking", version=seen)
    with pytest.raises(Conflict):
        ticket_merge(actor=world.agent, source=source, target=target, version=seen)
    assert fresh(source).merged_into is None


def test_requester_cannot_merge(world: World) -> None:
    first = ticket_create(actor=world.alice, title="One")
    second = ticket_create(actor=world.alice, title="Two")
    with pytest.raises(PermissionDenied):
        ticket_merge(actor=world.alice, source=first, target=second, version=None)


# --- Links ----------------------------------------------------------------------------------


def test_link_records_on_both_tickets(world: World, pair: tuple[Ticket, Ticket]) -> None:
    source, target = pair
    link = ticket_link(actor=world.agent, source=source, target=target, kind="duplicate_of")
    assert TicketLink.objects.get() == link
    out = fresh(source).events.get(kind="linked")
    inbound = fresh(target).events.get(kind="linked")
    assert out.data == {"target": target.number, "kind": "duplicate_of"}
    assert inbound.data == {"source": source.number, "kind": "duplicate_of", "inbound": True}
    assert [lk.pk for lk in selectors.ticket_links(world.agent, target)] == [link.pk]


def test_linking_twice_is_a_conflict(world: World, pair: tuple[Ticket, Ticket]) -> None:
    source, target = pair
    ticket_link(actor=world.agent, source=source, target=target)
    events_before = TicketEvent.objects.count()
    with pytest.raises(Conflict):
        ticket_link(actor=world.agent, source=source, target=target)
    assert TicketLink.objects.count() == 1
    assert TicketEvent.objects.count() == events_before


def test_a_ticket_cannot_link_to_itself(world: World, pair: tuple[Ticket, Ticket]) -> None:
    source, _ = pair
    with pytest.raises(ValidationError) as info:
        ticket_link(actor=world.agent, source=source, target=source)
    assert "target" in info.value.errors
    assert not TicketLink.objects.exists()


def test_unknown_link_kind_is_refused(world: World, pair: tuple[Ticket, Ticket]) -> None:
    source, target = pair
    with pytest.raises(ValidationError) as info:
        ticket_link(actor=world.agent, source=source, target=target, kind="loves")
    assert "kind" in info.value.errors


def test_unlink_removes_the_link_and_records_it(world: World, pair: tuple[Ticket, Ticket]) -> None:
    source, target = pair
    link = ticket_link(actor=world.agent, source=source, target=target)
    ticket_unlink(actor=world.agent, link=link)
    assert not TicketLink.objects.exists()
    assert fresh(source).events.filter(kind="unlinked").count() == 1
    assert fresh(target).events.get(kind="unlinked").data["inbound"] is True


def test_requester_cannot_link(world: World) -> None:
    first = ticket_create(actor=world.alice, title="One")
    second = ticket_create(actor=world.alice, title="Two")
    with pytest.raises(PermissionDenied):
        ticket_link(actor=world.alice, source=first, target=second)


def test_links_to_tickets_the_user_cannot_see_are_hidden(world: World) -> None:
    laptop = ticket_create(actor=world.alice, title="Laptop")
    laptop_again = ticket_create(actor=world.alice, title="Laptop again")
    payroll = ticket_create(actor=world.agent, requester=world.alice, title="HR", team=world.hr)
    ticket_link(actor=world.agent, source=laptop, target=laptop_again)
    ticket_link(actor=world.admin, source=laptop, target=payroll)
    assert len(selectors.ticket_links(world.admin, laptop)) == 2
    assert [lk.target for lk in selectors.ticket_links(world.agent, laptop)] == [laptop_again]
