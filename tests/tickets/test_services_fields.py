"""ticket_update: each field, priority derivation, categories and their custom fields, tags
and watchers, one event per changed field."""

from __future__ import annotations

from typing import Any

import pytest

from frontline.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from frontline.tickets.models import PriorityRule, Ticket, TicketEvent
from frontline.tickets.services import ticket_create, ticket_update
from tests.conftest import World
from tests.factories import CategoryFactory, CustomFieldFactory


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def changes(ticket: Ticket) -> list[tuple[str, Any, Any]]:
    return [(e.field, e.old, e.new) for e in ticket.events.filter(kind="field_changed")]


@pytest.fixture
def ticket(world: World) -> Ticket:
    return ticket_create(actor=world.alice, title="Printer offline")


@pytest.mark.parametrize(
    ("field", "value", "old"),
    [
        ("title", "Printer offline on floor 2", "Printer offline"),
        ("type", "service_request", "incident"),
        ("priority", "p2", "p4"),
    ],
)
def test_desk_changes_a_field_and_records_old_and_new(
    world: World, ticket: Ticket, field: str, value: str, old: str
) -> None:
    ticket_update(actor=world.agent, ticket=ticket, version=ticket.version, **{field: value})
    stored = fresh(ticket)
    assert getattr(stored, field) == value
    assert stored.version == ticket.version + 1
    assert changes(stored) == [(field, old, value)]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": "  "}, "title"),
        ({"type": "rant"}, "type"),
        ({"impact": "massive"}, "impact"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"priority": "p0"}, "priority"),
        ({"tags": ["no/slashes"]}, "tags"),
        ({"watcher_ids": [999_999]}, "watchers"),
    ],
)
def test_bad_values_are_field_errors_and_change_nothing(
    world: World, ticket: Ticket, values: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_update(actor=world.agent, ticket=ticket, version=None, **values)
    assert field in info.value.errors
    stored = fresh(ticket)
    assert stored.version == ticket.version
    assert not stored.events.filter(kind="field_changed").exists()


def test_changing_impact_re_derives_the_priority(world: World, ticket: Ticket) -> None:
    ticket_update(actor=world.agent, ticket=ticket, impact="high", version=None)
    assert fresh(ticket).priority == "p3"
    ticket_update(actor=world.agent, ticket=ticket, urgency="high", version=None)
    stored = fresh(ticket)
    assert stored.priority == "p1"
    assert changes(stored) == [
        ("impact", "low", "high"),
        ("priority", "p4", "p3"),
        ("urgency", "low", "high"),
        ("priority", "p3", "p1"),
    ]


def test_re_derived_priority_follows_an_edited_matrix(world: World, ticket: Ticket) -> None:
    PriorityRule.objects.update_or_create(
        impact="medium", urgency="low", defaults={"priority": "p1"}
    )
    ticket_update(actor=world.agent, ticket=ticket, impact="medium", version=None)
    assert fresh(ticket).priority == "p1"


def test_an_explicit_priority_overrides_the_matrix(world: World, ticket: Ticket) -> None:
    ticket_update(
        actor=world.agent, ticket=ticket, impact="high", urgency="high", priority="p3", version=None
    )
    stored = fresh(ticket)
    assert (stored.impact, stored.urgency, stored.priority) == ("high", "high", "p3")


def test_category_of_the_tickets_team_is_set(world: World, ticket: Ticket) -> None:
    printers = CategoryFactory(team=world.it, name="Printers")
    ticket_update(actor=world.agent, ticket=ticket, category=printers, version=None)
    stored = fresh(ticket)
    assert stored.category == printers
    assert changes(stored) == [("category", None, printers.pk)]


def test_category_of_another_team_is_refused(world: World, ticket: Ticket) -> None:
    payroll = CategoryFactory(team=world.hr, name="Payroll")
    with pytest.raises(ValidationError) as info:
        ticket_update(actor=world.agent, ticket=ticket, category=payroll, version=None)
    assert "category" in info.value.errors
    assert fresh(ticket).category is None


def test_inactive_category_is_refused(world: World, ticket: Ticket) -> None:
    fax = CategoryFactory(team=world.it, name="Fax", is_active=False)
    with pytest.raises(ValidationError) as info:
        ticket_update(actor=world.agent, ticket=ticket, category=fax, version=None)
    assert "category" in info.value.errors


@pytest.fixture
def categories(world: World) -> dict[str, Any]:
    hardware = CategoryFactory(team=world.it, name="Hardware")
    printers = CategoryFactory(team=world.it, name="Printers", parent=hardware)
    software = CategoryFactory(team=world.it, name="Software")
    licences = CategoryFactory(team=world.it, name="Licences")
    CustomFieldFactory(category=hardware, key="asset_tag", label="Asset tag")
    CustomFieldFactory(category=printers, key="tray", label="Tray", field_type="number")
    CustomFieldFactory(
        category=licences, key="product", label="Product", field_type="text", required=True
    )
    return {"hardware": hardware, "printers": printers, "software": software, "licences": licences}


def test_custom_fields_are_validated_against_the_category(
    world: World, categories: dict[str, Any]
) -> None:
    ticket = ticket_create(
        actor=world.alice,
        title="Jam",
        category=categories["printers"],
        custom_fields={"asset_tag": "P-1", "tray": 2},
    )
    ticket_update(actor=world.agent, ticket=ticket, custom_fields={"tray": "3"}, version=None)
    assert fresh(ticket).custom_fields == {"tray": 3}
    with pytest.raises(ValidationError) as info:
        ticket_update(actor=world.agent, ticket=ticket, custom_fields={"tray": "top"}, version=None)
    assert "custom_fields.tray" in info.value.errors
    assert fresh(ticket).custom_fields == {"tray": 3}


def test_moving_to_a_parent_category_drops_fields_it_lacks(
    world: World, categories: dict[str, Any]
) -> None:
    ticket = ticket_create(
        actor=world.alice,
        title="Jam",
        category=categories["printers"],
        custom_fields={"asset_tag": "P-1", "tray": 2},
    )
    ticket_update(actor=world.agent, ticket=ticket, category=categories["hardware"], version=None)
    stored = fresh(ticket)
    assert stored.custom_fields == {"asset_tag": "P-1"}
    assert ("custom_fields", {"asset_tag": "P-1", "tray": 2}, {"asset_tag": "P-1"}) in changes(
        stored
    )


def test_moving_to_an_unrelated_category_drops_every_field(
    world: World, categories: dict[str, Any]
) -> None:
    ticket = ticket_create(
        actor=world.alice,
        title="Jam",
        category=categories["printers"],
        custom_fields={"asset_tag": "P-1", "tray": 2},
    )
    ticket_update(actor=world.agent, ticket=ticket, category=categories["software"], version=None)
    assert fresh(ticket).custom_fields == {}


def test_clearing_the_category_drops_every_field(world: World, categories: dict[str, Any]) -> None:
    ticket = ticket_create(
        actor=world.alice,
        title="Jam",
        category=categories["hardware"],
        custom_fields={"asset_tag": "H"},
    )
    ticket_update(actor=world.agent, ticket=ticket, category=None, version=None)
    stored = fresh(ticket)
    assert (stored.category, stored.custom_fields) == (None, {})


def test_moving_to_a_category_with_a_required_field_needs_its_value(
    world: World, ticket: Ticket, categories: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as info:
        ticket_update(
            actor=world.agent, ticket=ticket, category=categories["licences"], version=None
        )
    assert "custom_fields.product" in info.value.errors
    assert fresh(ticket).category is None
    ticket_update(
        actor=world.agent,
        ticket=ticket,
        category=categories["licences"],
        custom_fields={"product": "Office"},
        version=None,
    )
    stored = fresh(ticket)
    assert (stored.category, stored.custom_fields) == (
        categories["licences"],
        {"product": "Office"},
    )


def test_tags_are_replaced(world: World, ticket: Ticket) -> None:
    ticket_update(actor=world.agent, ticket=ticket, tags=["printer", "Floor 2"], version=None)
    ticket_update(actor=world.agent, ticket=ticket, tags=["printer", "toner"], version=None)
    stored = fresh(ticket)
    assert sorted(stored.tags.values_list("name", flat=True)) == ["printer", "toner"]
    assert changes(stored) == [
        ("tags", [], ["floor 2", "printer"]),
        ("tags", ["floor 2", "printer"], ["printer", "toner"]),
    ]


def test_watchers_are_replaced(world: World, ticket: Ticket) -> None:
    ticket_update(actor=world.agent, ticket=ticket, watcher_ids=[world.arthur.pk], version=None)
    ticket_update(
        actor=world.agent, ticket=ticket, watcher_ids=[world.bob.pk, world.bob.pk], version=None
    )
    stored = fresh(ticket)
    assert list(stored.watchers.all()) == [world.bob]
    assert changes(stored)[-1] == ("watchers", [world.arthur.pk], [world.bob.pk])


def test_one_event_per_changed_field(world: World, ticket: Ticket) -> None:
    ticket_update(
        actor=world.agent,
        ticket=ticket,
        title="Printer offline again",
        type="incident",  # unchanged
        urgency="medium",
        tags=["printer"],
        version=None,
    )
    fields = sorted(field for field, _, _ in changes(fresh(ticket)))
    assert fields == ["tags", "title", "urgency"]  # low/medium stays p4: priority unchanged


def test_nothing_changed_records_nothing_and_keeps_the_version(
    world: World, ticket: Ticket
) -> None:
    ticket_update(actor=world.agent, ticket=ticket, tags=["printer"], version=None)
    before_version = fresh(ticket).version
    before_events = TicketEvent.objects.count()
    ticket_update(
        actor=world.agent,
        ticket=ticket,
        title="Printer offline",
        type="incident",
        impact="low",
        urgency="low",
        priority="p4",
        category=None,
        custom_fields={},
        tags=["Printer"],
        watcher_ids=[],
        version=before_version,
    )
    assert TicketEvent.objects.count() == before_events
    assert fresh(ticket).version == before_version


def test_stale_update_is_a_conflict(world: World, ticket: Ticket) -> None:
    seen = ticket.version
    ticket_update(actor=world.agent, ticket=ticket, title="First", version=seen)
    with pytest.raises(Conflict):
        ticket_update(actor=world.agent_l2, ticket=ticket, title="Second", version=seen)
    assert fresh(ticket).title == "First"


def test_requester_cannot_update_fields(world: World, ticket: Ticket) -> None:
    with pytest.raises(PermissionDenied):
        ticket_update(actor=world.alice, ticket=ticket, title="Mine", version=None)
    with pytest.raises(NotFound):
        ticket_update(actor=world.bob, ticket=ticket, title="Mine", version=None)
    with pytest.raises(NotFound):
        ticket_update(actor=world.hr_agent, ticket=ticket, title="Mine", version=None)
    assert fresh(ticket).title == "Printer offline"
