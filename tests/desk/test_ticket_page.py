"""The desk's ticket page and every action on it, each with its refusal: a refusal shows its
message in place, changes nothing, and keeps what the agent typed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.tickets import services
from frontline.tickets.models import Message, Ticket, TicketLink
from tests.factories import CategoryFactory, CustomFieldFactory
from tests.web.helpers import flash_messages, fresh, new_ticket, signed_in, text_of


@pytest.fixture
def ticket(world: Any) -> Ticket:
    return new_ticket(world.alice, title="Laptop will not start", description="Black screen.")


@pytest.fixture
def desk(world: Any) -> Any:
    return signed_in(world.agent)


def act(client: Any, ticket: Ticket, action: str, follow: bool = False, **data: Any) -> Any:
    """POST one of the ticket page's forms, on the ticket's current version unless given."""
    data.setdefault("version", fresh(ticket).version)
    return client.post(f"/desk/tickets/{ticket.number}/{action}/", data, follow=follow)


def fields_data(ticket: Ticket, **changes: Any) -> dict[str, Any]:
    current = fresh(ticket)
    data = {
        "title": current.title,
        "type": current.type,
        "impact": current.impact,
        "urgency": current.urgency,
        "priority": current.priority,
        "category": current.category_id or "",
        "tags": "",
    }
    data.update(changes)
    return data


def form_errors(response: Any, name: str) -> dict[str, list[str]]:
    return response.context["forms"][name].errors


# --- The page -------------------------------------------------------------------------------


def page_queries(client: Any, ticket: Ticket) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/desk/tickets/{ticket.number}/")
    assert response.status_code == 200
    return len(captured)


def add_conversation(world: Any, ticket: Ticket, count: int) -> None:
    for i in range(count):
        if i % 3 == 0:
            services.ticket_reply(
                actor=world.agent,
                ticket=ticket,
                body=f"Reply {i}",
                files=[SimpleUploadedFile(f"log{i}.txt", b"log", "text/plain")],
            )
        elif i % 3 == 1:
            services.ticket_reply(actor=world.alice, ticket=ticket, body=f"Answer {i}")
        else:
            services.ticket_note(actor=world.agent_l2, ticket=ticket, body=f"Note {i}")


def test_ticket_page_runs_the_same_number_of_queries_for_2_and_20_messages(
    world: Any, ticket: Ticket, desk: Any
) -> None:
    add_conversation(world, ticket, 1)
    page_queries(desk, ticket)  # warm per-process caches
    few = page_queries(desk, ticket)
    add_conversation(world, ticket, 18)
    assert fresh(ticket).messages.count() == 20
    many = page_queries(desk, ticket)
    assert few == many


def test_ticket_page_shows_the_conversation_notes_and_full_history(
    world: Any, ticket: Ticket, desk: Any
) -> None:
    services.ticket_reply(actor=world.agent, ticket=ticket, body="Hold the power button.")
    services.ticket_note(actor=world.agent, ticket=ticket, body="Probably the battery.")
    page = text_of(desk.get(f"/desk/tickets/{ticket.number}/"))
    assert "Hold the power button." in page
    assert "Probably the battery." in page
    assert 'data-kind="internal"' in page
    assert "Full history (4 events)" in page
    assert "Added an internal note" in page


def test_version_endpoint_answers_the_current_version(ticket: Ticket, desk: Any) -> None:
    response = desk.get(f"/desk/tickets/{ticket.number}/version/")
    assert response.status_code == 200
    assert response.content.decode() == str(fresh(ticket).version)


def test_agent_of_another_team_gets_404_for_the_page_and_its_actions(
    world: Any, ticket: Ticket
) -> None:
    hr = signed_in(world.hr_agent)
    assert hr.get(f"/desk/tickets/{ticket.number}/").status_code == 404
    assert hr.get(f"/desk/tickets/{ticket.number}/version/").status_code == 404
    assert act(hr, ticket, "compose", kind="internal", body="Sneaky").status_code == 404
    assert act(hr, ticket, "claim").status_code == 404
    assert not Message.objects.filter(body="Sneaky").exists()
    assert fresh(ticket).assignee_id is None


def test_an_unknown_ticket_number_is_404(desk: Any) -> None:
    assert desk.get("/desk/tickets/999999/").status_code == 404


def test_actions_refuse_get(ticket: Ticket, desk: Any) -> None:
    assert desk.get(f"/desk/tickets/{ticket.number}/claim/").status_code == 405


# --- Composer -------------------------------------------------------------------------------


def test_reply_with_an_attachment_is_public_and_opens_the_ticket(
    world: Any, ticket: Ticket, desk: Any
) -> None:
    upload = SimpleUploadedFile("screen.png", b"\x89PNG fake image", "image/png")
    response = act(desk, ticket, "compose", kind="public", body="Try this driver.", files=upload)
    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{ticket.number}/"
    message = fresh(ticket).messages.get(body="Try this driver.")
    assert message.kind == "public"
    assert [a.filename for a in message.attachments.all()] == ["screen.png"]
    updated = fresh(ticket)
    assert updated.status == "open"
    assert updated.first_response_at is not None
    page = desk.get(response["Location"])
    assert "Reply sent." in flash_messages(page)
    assert "screen.png" in text_of(page)


def test_an_empty_reply_is_refused_in_place_and_changes_nothing(ticket: Ticket, desk: Any) -> None:
    before = fresh(ticket)
    response = act(desk, ticket, "compose", kind="public", body="   ")
    assert response.status_code == 422
    assert "Write a message or attach a file." in text_of(response)
    assert fresh(ticket).version == before.version
    assert fresh(ticket).messages.count() == 1


def test_internal_note_is_kept_internal_and_does_not_open_the_ticket(
    ticket: Ticket, desk: Any
) -> None:
    response = act(desk, ticket, "compose", kind="internal", body="Called the vendor.")
    assert response.status_code == 302
    note = fresh(ticket).messages.get(body="Called the vendor.")
    assert note.kind == "internal"
    assert fresh(ticket).status == "new"
    assert "Internal note added." in flash_messages(desk.get(response["Location"]))


def test_a_message_on_a_stale_version_is_refused_with_409_and_the_text_is_kept(
    world: Any, ticket: Ticket, desk: Any
) -> None:
    seen = fresh(ticket).version
    services.ticket_update(actor=world.agent_l2, ticket=ticket, version=None, priority="p2")
    response = act(desk, ticket, "compose", kind="internal", body="My long analysis", version=seen)
    assert response.status_code == 409
    page = text_of(response)
    assert "was changed by someone else" in page
    assert "My long analysis</textarea>" in page
    kept = response.context["forms"]["composer"]
    assert kept["kind"].value() == "internal"
    assert int(kept["version"].value()) == fresh(ticket).version
    assert not Message.objects.filter(body="My long analysis").exists()


def test_a_reply_to_a_closed_ticket_is_refused_and_the_text_is_kept(
    world: Any, ticket: Ticket, desk: Any
) -> None:
    services.ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    services.ticket_transition(actor=world.agent, ticket=ticket, status="closed", version=None)
    response = act(desk, ticket, "compose", kind="public", body="One more thing")
    assert response.status_code == 409
    page = text_of(response)
    assert "it takes no more replies" in page
    assert "One more thing</textarea>" in page
    assert not Message.objects.filter(body="One more thing").exists()


def test_an_unknown_message_kind_is_refused(ticket: Ticket, desk: Any) -> None:
    response = act(desk, ticket, "compose", kind="shout", body="Hello")
    assert response.status_code == 422
    assert form_errors(response, "composer")["kind"]
    assert not Message.objects.filter(body="Hello").exists()


# --- Status ---------------------------------------------------------------------------------


def test_status_change_to_resolved(ticket: Ticket, desk: Any) -> None:
    response = act(desk, ticket, "status", status="resolved")
    assert response.status_code == 302
    updated = fresh(ticket)
    assert updated.status == "resolved"
    assert updated.resolved_at is not None


def test_pending_needs_a_reason_and_nothing_changes_without_one(ticket: Ticket, desk: Any) -> None:
    response = act(desk, ticket, "status", status="pending", pending_reason="")
    assert response.status_code == 422
    assert "Say who the ticket is waiting on" in " ".join(
        form_errors(response, "status")["pending_reason"]
    )
    assert fresh(ticket).status == "new"
    assert fresh(ticket).version == ticket.version
    assert 'value="pending" selected' in text_of(response)


def test_pending_with_a_reason_is_shown_on_the_page(ticket: Ticket, desk: Any) -> None:
    response = act(
        desk, ticket, "status", status="pending", pending_reason="third_party", follow=True
    )
    assert fresh(ticket).status == "pending"
    assert fresh(ticket).pending_reason == "third_party"
    assert "Pending: waiting on a third party" in text_of(response)


def test_an_illegal_status_move_is_refused_with_the_reason(ticket: Ticket, desk: Any) -> None:
    response = act(desk, ticket, "status", status="closed")
    assert response.status_code == 409
    assert "A new ticket cannot become closed" in text_of(response)
    assert fresh(ticket).status == "new"


# --- Claim and assign -----------------------------------------------------------------------


def test_claim_makes_me_the_assignee(world: Any, ticket: Ticket, desk: Any) -> None:
    response = act(desk, ticket, "claim", follow=True)
    assert fresh(ticket).assignee_id == world.agent.pk
    assert "The ticket is yours." in flash_messages(response)
    assert 'id="claim-button"' not in text_of(response)


def test_claiming_a_ticket_someone_else_holds_is_refused(
    world: Any, ticket: Ticket, desk: Any
) -> None:
    services.ticket_claim(actor=world.agent_l2, ticket=ticket, version=None)
    response = act(desk, ticket, "claim")
    assert response.status_code == 409
    assert "already assigned to Lee Two" in text_of(response)
    assert fresh(ticket).assignee_id == world.agent_l2.pk


def test_assign_to_a_team_member_and_back_to_nobody(world: Any, ticket: Ticket, desk: Any) -> None:
    assert act(desk, ticket, "assign", assignee=world.agent_l2.pk).status_code == 302
    assert fresh(ticket).assignee_id == world.agent_l2.pk
    assert act(desk, ticket, "assign", assignee="").status_code == 302
    assert fresh(ticket).assignee_id is None


def test_assigning_someone_outside_the_team_is_refused(
    world: Any, ticket: Ticket, desk: Any
) -> None:
    response = act(desk, ticket, "assign", assignee=world.hr_agent.pk)
    assert response.status_code == 422
    assert form_errors(response, "assign")["assignee"]
    assert fresh(ticket).assignee_id is None
    assert fresh(ticket).version == ticket.version


# --- Escalate -------------------------------------------------------------------------------


def test_escalation_needs_a_reason(ticket: Ticket, desk: Any) -> None:
    response = act(desk, ticket, "escalate", reason="", tier="")
    assert response.status_code == 422
    assert form_errors(response, "escalate")["reason"]
    assert fresh(ticket).tier == "l1"


def test_escalation_to_the_next_tier_records_the_reason(
    world: Any, ticket: Ticket, desk: Any
) -> None:
    services.ticket_claim(actor=world.agent, ticket=ticket, version=None)
    response = act(desk, ticket, "escalate", reason="Needs a disk image", follow=True)
    updated = fresh(ticket)
    assert updated.tier == "l2"
    assert updated.assignee_id is None
    assert "Escalated to IT L2." in flash_messages(response)
    assert "Needs a disk image" in text_of(response)


def test_escalation_to_a_team_that_does_not_serve_the_organization_is_refused(
    world: Any, desk: Any
) -> None:
    globex_ticket = new_ticket(world.bob, title="Globex printer")
    response = act(desk, globex_ticket, "escalate", team=world.hr.pk, reason="Ask HR, they know")
    assert response.status_code == 422
    assert "does not serve" in text_of(response)
    assert "Ask HR, they know</textarea>" in text_of(response)
    assert fresh(globex_ticket).team_id == world.it.pk


# --- Properties -----------------------------------------------------------------------------


@pytest.fixture
def laptop_category(world: Any) -> Any:
    category = CategoryFactory(team=world.it, name="Laptops")
    CustomFieldFactory(category=category, key="asset_tag", label="Asset tag", required=True)
    CustomFieldFactory(category=category, key="floor", label="Floor", field_type="number")
    return category


def test_properties_save_the_category_and_its_custom_fields(
    ticket: Ticket, desk: Any, laptop_category: Any
) -> None:
    data = fields_data(
        ticket,
        category=laptop_category.pk,
        cf__asset_tag="LT-0042",
        cf__floor="3",
        tags="hardware, urgent",
        priority="p2",
    )
    response = act(desk, ticket, "fields", follow=True, **data)
    assert "Saved." in flash_messages(response)
    updated = fresh(ticket)
    assert updated.category_id == laptop_category.pk
    assert updated.custom_fields == {"asset_tag": "LT-0042", "floor": 3}
    assert updated.priority == "p2"
    assert sorted(updated.tags.values_list("name", flat=True)) == ["hardware", "urgent"]
    page = text_of(response)
    assert 'value="LT-0042"' in page
    assert "Asset tag" in page


def test_a_missing_required_custom_field_is_shown_next_to_it_and_nothing_changes(
    ticket: Ticket, desk: Any, laptop_category: Any
) -> None:
    data = fields_data(ticket, category=laptop_category.pk, title="Laptop dead after update")
    response = act(desk, ticket, "fields", **data)
    assert response.status_code == 422
    assert form_errors(response, "fields")["cf__asset_tag"] == ["Asset tag is required."]
    assert 'value="Laptop dead after update"' in text_of(response)
    updated = fresh(ticket)
    assert updated.title == "Laptop will not start"
    assert updated.category_id is None
    assert updated.version == ticket.version


def test_an_invalid_custom_field_value_is_shown_next_to_it(
    ticket: Ticket, desk: Any, laptop_category: Any
) -> None:
    data = fields_data(ticket, category=laptop_category.pk, cf__asset_tag="LT-1", cf__floor="x")
    response = act(desk, ticket, "fields", **data)
    assert response.status_code == 422
    assert form_errors(response, "fields")["cf__floor"] == ["Enter a number."]
    assert fresh(ticket).custom_fields == {}


def test_a_category_of_another_team_is_refused(world: Any, ticket: Ticket, desk: Any) -> None:
    other = CategoryFactory(team=world.hr, name="Payroll")
    response = act(desk, ticket, "fields", **fields_data(ticket, category=other.pk))
    assert response.status_code == 422
    assert form_errors(response, "fields")["category"]
    assert fresh(ticket).category_id is None


def test_a_bad_tag_is_refused_with_a_field_message(ticket: Ticket, desk: Any) -> None:
    response = act(desk, ticket, "fields", **fields_data(ticket, tags="ok, <script>"))
    assert response.status_code == 422
    assert form_errors(response, "fields")["tags"]
    assert not fresh(ticket).tags.exists()


# --- Links and merge ------------------------------------------------------------------------


def test_link_two_tickets_and_remove_the_link(world: Any, ticket: Ticket, desk: Any) -> None:
    other = new_ticket(world.arthur, title="Same laptop model fails")
    response = act(desk, ticket, "link", follow=True, target=other.number, kind="related")
    assert f"Linked #{other.number}." in flash_messages(response)
    link = TicketLink.objects.get(source=ticket, target=other)
    assert "Same laptop model fails" in text_of(response)
    removed = desk.post(f"/desk/tickets/{ticket.number}/links/{link.pk}/delete/", follow=True)
    assert "Link removed." in flash_messages(removed)
    assert not TicketLink.objects.exists()


def test_linking_an_unknown_or_invisible_ticket_gives_the_same_field_message(
    world: Any, ticket: Ticket, desk: Any
) -> None:
    hidden = new_ticket(world.alice, title="HR matter", category=CategoryFactory(team=world.hr))
    unknown = act(desk, ticket, "link", target=999999, kind="related")
    invisible = act(desk, ticket, "link", target=hidden.number, kind="related")
    assert unknown.status_code == invisible.status_code == 422
    assert form_errors(unknown, "link") == form_errors(invisible, "link")
    assert form_errors(unknown, "link")["target"] == ["There is no such ticket you can see."]
    assert 'value="999999"' in text_of(unknown)
    assert not TicketLink.objects.exists()


def test_linking_twice_is_refused(world: Any, ticket: Ticket, desk: Any) -> None:
    other = new_ticket(world.arthur)
    act(desk, ticket, "link", target=other.number, kind="related")
    response = act(desk, ticket, "link", target=other.number, kind="related")
    assert response.status_code == 409
    assert "already linked" in text_of(response)
    assert TicketLink.objects.count() == 1


def test_merge_moves_the_conversation_and_lands_on_the_target(
    world: Any, ticket: Ticket, desk: Any
) -> None:
    target = new_ticket(world.alice, title="Laptop and dock broken")
    response = act(desk, ticket, "merge", into=target.number)
    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{target.number}/"
    source = fresh(ticket)
    assert source.status == "closed"
    assert source.merged_into_id == target.pk
    assert fresh(target).messages.filter(body="Black screen.").exists()


def test_merge_into_an_unknown_ticket_or_itself_is_refused(ticket: Ticket, desk: Any) -> None:
    unknown = act(desk, ticket, "merge", into=999999)
    assert unknown.status_code == 422
    assert form_errors(unknown, "merge")["into"] == ["There is no such ticket you can see."]
    assert 'name="into" value="999999"' in text_of(unknown)
    itself = act(desk, ticket, "merge", into=ticket.number)
    assert itself.status_code == 422
    assert "cannot be merged into itself" in text_of(itself)
    assert fresh(ticket).merged_into_id is None
    assert fresh(ticket).status == "new"


def test_history_names_the_rule_routing_or_sla_that_made_a_change(world: Any) -> None:
    from frontline.desk.presenters import history
    from frontline.tickets.models import TicketEvent

    ticket = services.ticket_create(actor=world.alice, title="Printer")

    def event(data: dict[str, object]) -> TicketEvent:
        return TicketEvent(ticket=ticket, kind="field_changed", data=data, at=ticket.created_at)

    entries = history(
        [
            event({"by": "rule", "rule": 7, "rule_name": "VIP first"}),
            event({"origin": {"by": "rule", "rule": 7, "rule_name": "VIP first"}}),
            event({"by": "routing", "mode": "round_robin"}),
            event({"by": "sla", "metric": "resolution"}),
            event({}),
        ]
    )
    assert [e.actor for e in entries] == [
        "Rule “VIP first”",
        "Rule “VIP first”",
        "Routing",
        "SLA",
        "Frontline",
    ]
