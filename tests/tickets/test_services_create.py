"""ticket_create: numbering, priority, routing, organization, permissions, custom fields,
the first message, attachments, first-contact resolution, the created event, atomicity."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from frontline.accounts.models import Team, User
from frontline.core.errors import ValidationError
from frontline.tickets import events
from frontline.tickets.models import (
    Attachment,
    Message,
    MessageKind,
    PriorityRule,
    Tag,
    Ticket,
    TicketEvent,
)
from frontline.tickets.numbering import FIRST_NUMBER
from frontline.tickets.priority import DEFAULT_MATRIX
from frontline.tickets.services import attachment_upload, ticket_create
from tests.conftest import World
from tests.factories import CategoryFactory, CustomFieldFactory, UserFactory


def written() -> dict[str, int]:
    """Counts of everything ticket_create can write."""
    return {
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "events": TicketEvent.objects.count(),
        "bound_attachments": Attachment.objects.filter(message__isnull=False).count(),
        "tags": Tag.objects.count(),
    }


# --- Numbering ------------------------------------------------------------------------------


def test_ticket_numbers_start_at_1000_and_are_unique_and_increasing(world: World) -> None:
    numbers = [ticket_create(actor=world.alice, title=f"Issue {i}").number for i in range(5)]
    assert all(number >= FIRST_NUMBER for number in numbers)
    assert len(set(numbers)) == 5
    assert numbers == sorted(numbers)
    ticket = Ticket.objects.get(number=numbers[0])
    assert ticket.reference == f"#{numbers[0]}"


@pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="the PostgreSQL sequence is not reset between tests",
)
def test_first_ticket_of_a_fresh_desk_is_number_1000(world: World) -> None:
    assert ticket_create(actor=world.alice, title="First").number == 1000
    assert ticket_create(actor=world.alice, title="Second").number == 1001


# --- Priority -------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "expected"), sorted(DEFAULT_MATRIX.items()))
def test_priority_comes_from_the_impact_urgency_matrix(
    world: World, cell: tuple[str, str], expected: str
) -> None:
    impact, urgency = cell
    ticket = ticket_create(actor=world.alice, title="Slow", impact=impact, urgency=urgency)
    assert ticket.priority == expected


def test_priority_follows_an_admin_edited_matrix_cell(world: World) -> None:
    PriorityRule.objects.update_or_create(impact="low", urgency="low", defaults={"priority": "p2"})
    edited = ticket_create(actor=world.alice, title="Edited cell", impact="low", urgency="low")
    untouched = ticket_create(actor=world.alice, title="Other cell", impact="high", urgency="high")
    assert edited.priority == "p2"
    assert untouched.priority == "p1"


def test_a_missing_matrix_cell_falls_back_to_the_default(world: World) -> None:
    PriorityRule.objects.filter(impact="medium", urgency="medium").delete()
    ticket = ticket_create(actor=world.alice, title="Gap", impact="medium", urgency="medium")
    assert ticket.priority == DEFAULT_MATRIX[("medium", "medium")]


def test_desk_may_override_the_matrix_priority(world: World) -> None:
    ticket = ticket_create(
        actor=world.agent,
        requester=world.alice,
        title="VIP",
        impact="low",
        urgency="low",
        priority="p1",
    )
    assert ticket.priority == "p1"


def test_unknown_priority_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_create(actor=world.agent, requester=world.alice, title="x", priority="p9")
    assert "priority" in info.value.errors


# --- Routing --------------------------------------------------------------------------------


def test_desk_routes_to_an_explicit_team(world: World) -> None:
    ticket = ticket_create(actor=world.agent, requester=world.alice, title="Payroll", team=world.hr)
    assert ticket.team == world.hr


def test_ticket_goes_to_the_categorys_team(world: World) -> None:
    payroll = CategoryFactory(team=world.hr, name="Payroll")
    ticket = ticket_create(actor=world.alice, title="My payslip", category=payroll)
    assert ticket.team == world.hr
    assert ticket.category == payroll


def test_ticket_without_team_or_category_goes_to_the_default_team(world: World) -> None:
    ticket = ticket_create(actor=world.alice, title="Something")
    assert ticket.team == world.it


def test_ticket_stays_unrouted_when_there_is_no_default_team(world: World) -> None:
    Team.objects.update(is_default=False)
    ticket = ticket_create(actor=world.alice, title="Something")
    assert ticket.team is None


def test_category_of_another_team_than_the_explicit_one_is_refused(world: World) -> None:
    payroll = CategoryFactory(team=world.hr, name="Payroll")
    before = written()
    with pytest.raises(ValidationError) as info:
        ticket_create(
            actor=world.agent, requester=world.alice, title="x", team=world.it, category=payroll
        )
    assert "category" in info.value.errors
    assert written() == before


def test_a_team_that_does_not_serve_the_organization_is_refused(world: World) -> None:
    payroll = CategoryFactory(team=world.hr, name="Payroll")
    before = written()
    with pytest.raises(ValidationError) as info:
        ticket_create(actor=world.bob, title="My payslip", category=payroll)  # Globex; HR: Acme
    assert "team" in info.value.errors
    assert written() == before


def test_an_inactive_category_is_refused(world: World) -> None:
    old = CategoryFactory(team=world.it, name="Fax machines", is_active=False)
    with pytest.raises(ValidationError) as info:
        ticket_create(actor=world.alice, title="Fax", category=old)
    assert "category" in info.value.errors


# --- Organization ---------------------------------------------------------------------------


def test_organization_comes_from_the_requesters_email_domain(world: World) -> None:
    assert ticket_create(actor=world.alice, title="x").organization == world.acme
    assert ticket_create(actor=world.bob, title="x").organization == world.globex


def test_organization_is_the_requesters_only_one_when_no_domain_matches(world: World) -> None:
    freelancer = UserFactory(email="fran@freemail.test", orgs=[world.globex])
    assert ticket_create(actor=freelancer, title="x").organization == world.globex


def test_domain_match_wins_among_several_organizations(world: World) -> None:
    consultant = UserFactory(email="carl@globex.test", orgs=[world.acme, world.globex])
    assert ticket_create(actor=consultant, title="x").organization == world.globex


def test_no_organization_when_several_and_none_matches_by_domain(world: World) -> None:
    consultant = UserFactory(email="carl@freemail.test", orgs=[world.acme, world.globex])
    assert ticket_create(actor=consultant, title="x").organization is None


def test_requester_may_name_one_of_their_organizations(world: World) -> None:
    consultant = UserFactory(email="carl@freemail.test", orgs=[world.acme, world.globex])
    ticket = ticket_create(actor=consultant, title="x", organization=world.acme)
    assert ticket.organization == world.acme


def test_requester_may_not_name_an_organization_they_are_not_in(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_create(actor=world.alice, title="x", organization=world.globex)
    assert "organization" in info.value.errors


# --- What a requester may not set ----------------------------------------------------------


@pytest.mark.parametrize("field", ["team", "priority", "tags", "assignee", "requester", "watchers"])
def test_requester_may_not_set_desk_fields(world: World, field: str) -> None:
    values: dict[str, Any] = {
        "team": {"team": world.it},
        "priority": {"priority": "p1"},
        "tags": {"tags": ["vip"]},
        "assignee": {"assignee": world.agent},
        "requester": {"requester": world.arthur},
        "watchers": {"watcher_ids": [world.arthur.pk]},
    }[field]
    before = written()
    with pytest.raises(ValidationError) as info:
        ticket_create(actor=world.alice, title="Let me in", **values)
    assert field in info.value.errors
    assert written() == before


def test_desk_sets_requester_tags_watchers_and_assignee(world: World) -> None:
    ticket = ticket_create(
        actor=world.agent,
        requester=world.alice,
        title="Phoned in",
        channel="phone",
        tags=["VPN", "  remote   work ", "vpn"],
        watcher_ids=[world.arthur.pk],
        assignee=world.agent_l2,
    )
    assert ticket.requester == world.alice
    assert ticket.channel == "phone"
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["remote work", "vpn"]
    assert list(ticket.watchers.all()) == [world.arthur]
    assert ticket.assignee == world.agent_l2
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == ["created", "assigned"]


def test_assignee_must_be_a_member_of_the_routed_team(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_create(actor=world.agent, requester=world.alice, title="x", assignee=world.hr_agent)
    assert "assignee" in info.value.errors


def test_disabled_requester_is_refused(world: World) -> None:
    gone = UserFactory(email="gone@acme.test", is_active=False)
    with pytest.raises(ValidationError) as info:
        ticket_create(actor=world.agent, requester=gone, title="x")
    assert "requester" in info.value.errors


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 251}, "title"),
        ({"type": "complaint"}, "type"),
        ({"impact": "huge"}, "impact"),
        ({"urgency": "now"}, "urgency"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(
    world: World, values: dict[str, Any], field: str
) -> None:
    values = {"title": "Fine", **values}
    before = written()
    with pytest.raises(ValidationError) as info:
        ticket_create(actor=world.alice, **values)
    assert field in info.value.errors
    assert written() == before


# --- Custom fields --------------------------------------------------------------------------


@pytest.fixture
def hardware(world: World) -> Any:
    """IT › Hardware (asset tag, required) › Laptop (floor, OS, needed by)."""
    root = CategoryFactory(team=world.it, name="Hardware")
    laptop = CategoryFactory(team=world.it, name="Laptop", parent=root)
    CustomFieldFactory(
        category=root, key="asset_tag", label="Asset tag", field_type="text", required=True
    )
    CustomFieldFactory(category=laptop, key="floor", label="Floor", field_type="number")
    CustomFieldFactory(
        category=laptop, key="os", label="OS", field_type="choice", choices=["linux", "windows"]
    )
    CustomFieldFactory(category=laptop, key="needed_by", label="Needed by", field_type="date")
    return root, laptop


def test_custom_fields_are_cleaned_and_stored(world: World, hardware: Any) -> None:
    _, laptop = hardware
    ticket = ticket_create(
        actor=world.alice,
        title="New laptop",
        category=laptop,
        custom_fields={
            "asset_tag": "  AT-42 ",
            "floor": "3",
            "os": "linux",
            "needed_by": "2026-03-01",
        },
    )
    ticket.refresh_from_db()
    assert ticket.custom_fields == {
        "asset_tag": "AT-42",
        "floor": 3,
        "os": "linux",
        "needed_by": "2026-03-01",
    }


def test_a_child_category_inherits_its_parents_required_field(world: World, hardware: Any) -> None:
    _, laptop = hardware
    before = written()
    with pytest.raises(ValidationError) as info:
        ticket_create(actor=world.alice, title="New laptop", category=laptop, custom_fields={})
    assert "custom_fields.asset_tag" in info.value.errors
    assert written() == before


def test_parent_category_does_not_get_its_childrens_fields(world: World, hardware: Any) -> None:
    root, _ = hardware
    with pytest.raises(ValidationError) as info:
        ticket_create(
            actor=world.alice,
            title="Broken",
            category=root,
            custom_fields={"asset_tag": "AT-1", "floor": 2},
        )
    assert "custom_fields.floor" in info.value.errors


@pytest.mark.parametrize(
    ("values", "bad_key"),
    [
        ({"floor": "third"}, "floor"),
        ({"floor": True}, "floor"),
        ({"floor": "NaN"}, "floor"),
        ({"floor": "1e999999999"}, "floor"),
        ({"os": "beos"}, "os"),
        ({"needed_by": "01/03/2026"}, "needed_by"),
        ({"asset_tag": ""}, "asset_tag"),
        ({"asset_tag": "x" * 2001}, "asset_tag"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_custom_field_values_are_refused_per_field(
    world: World, hardware: Any, values: dict[str, Any], bad_key: str
) -> None:
    _, laptop = hardware
    before = written()
    with pytest.raises(ValidationError) as info:
        ticket_create(
            actor=world.alice,
            title="New laptop",
            category=laptop,
            custom_fields={"asset_tag": "AT-1", **values},
        )
    assert f"custom_fields.{bad_key}" in info.value.errors
    assert written() == before


def test_custom_fields_without_a_category_are_unknown(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_create(actor=world.alice, title="x", custom_fields={"asset_tag": "AT-1"})
    assert "custom_fields.asset_tag" in info.value.errors


# --- The first message, attachments, first-contact resolution --------------------------------


def test_description_becomes_the_first_public_message(world: World) -> None:
    ticket = ticket_create(
        actor=world.agent, requester=world.alice, title="VPN", description="  It drops.  "
    )
    messages = list(ticket.messages.all())
    assert len(messages) == 1
    assert messages[0].kind == MessageKind.PUBLIC
    assert messages[0].body == "It drops."
    assert messages[0].author == world.alice
    assert ticket.description == "It drops."


def test_without_description_the_title_is_the_first_message(world: World) -> None:
    ticket = ticket_create(actor=world.alice, title="Printer jammed")
    assert [m.body for m in ticket.messages.all()] == ["Printer jammed"]


def test_staged_uploads_are_bound_to_the_first_message(world: World) -> None:
    upload = attachment_upload(actor=world.alice, content=b"log", filename="vpn.log")
    ticket = ticket_create(actor=world.alice, title="VPN", attachment_ids=[upload.uuid])
    upload.refresh_from_db()
    assert upload.message == ticket.messages.get()


def test_someone_elses_upload_cannot_be_attached_and_nothing_is_written(world: World) -> None:
    upload = attachment_upload(actor=world.bob, content=b"secret", filename="bob.txt")
    before = written()
    with pytest.raises(ValidationError) as info:
        ticket_create(actor=world.alice, title="Mine now", attachment_ids=[upload.uuid])
    assert "attachments" in info.value.errors
    assert written() == before
    upload.refresh_from_db()
    assert upload.message is None


def test_desk_may_resolve_on_first_contact(world: World) -> None:
    ticket = ticket_create(
        actor=world.agent,
        requester=world.alice,
        title="Password reset",
        channel="phone",
        resolved_on_first_contact=True,
    )
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    assert ticket.resolved_on_first_contact is True
    assert ticket.resolved_at is not None
    assert ticket.first_response_at is not None
    status_event = ticket.events.get(kind="status_changed")
    assert (status_event.old, status_event.new) == ("new", "resolved")


def test_requester_may_not_resolve_on_first_contact(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_create(actor=world.alice, title="x", resolved_on_first_contact=True)
    assert "resolved_on_first_contact" in info.value.errors


# --- Events and atomicity -------------------------------------------------------------------


def test_created_event_is_recorded_with_the_ticket(world: World) -> None:
    ticket = ticket_create(actor=world.alice, title="Broken", impact="high", urgency="high")
    event = ticket.events.get()
    assert event.kind == "created"
    assert event.actor == world.alice
    assert event.data["priority"] == "p1"
    assert event.data["team"] == world.it.pk
    assert event.dispatched_at is None


def test_ticket_and_created_event_share_one_transaction(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_record(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("event store down")

    monkeypatch.setattr(events, "record", broken_record)
    before = written()
    with pytest.raises(RuntimeError):
        ticket_create(actor=world.alice, title="Lost?", tags=[])
    assert written() == before


def test_the_desk_opens_a_ticket_for_a_new_contact_who_becomes_a_requester(world: World) -> None:
    from frontline.tickets.services import ticket_create_for_contact

    ticket = ticket_create_for_contact(
        actor=world.agent,
        requester_email="New.Caller@acme.test",
        requester_name="New Caller",
        requester_phone="+1 555 0199",
        title="Called about the VPN",
    )
    caller = User.objects.get(email="new.caller@acme.test")
    assert ticket.requester == caller
    assert (caller.full_name, caller.phone) == ("New Caller", "+1 555 0199")
    assert list(caller.organizations.all()) == [world.acme]


def test_a_refused_ticket_for_a_new_contact_leaves_no_requester_behind(world: World) -> None:
    from frontline.tickets.services import ticket_create_for_contact

    with pytest.raises(ValidationError):
        ticket_create_for_contact(actor=world.agent, requester_email="ghost@acme.test", title="")
    assert not User.objects.filter(email="ghost@acme.test").exists()
    with pytest.raises(ValidationError) as refused:
        ticket_create_for_contact(actor=world.alice, requester_email="x@acme.test", title="Hi")
    assert "requester_email" in refused.value.errors
    assert not User.objects.filter(email="x@acme.test").exists()
