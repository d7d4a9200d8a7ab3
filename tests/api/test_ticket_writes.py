"""Writing tickets through the API: create, update with versions, conversation, workflow,
merge, links and attachments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings

from frontline.accounts.models import User
from frontline.tickets.models import Attachment, Message, Ticket, TicketLink
from frontline.tickets.schemas import LinkOut, MessageOut, TicketDetail, TicketItem, UploadOut
from frontline.tickets.services import ticket_create
from tests.api.conftest import Api, problem
from tests.conftest import World
from tests.factories import CategoryFactory, CustomFieldFactory

ApiFactory = Callable[[User | None], Api]


@pytest.fixture
def ticket(world: World) -> Ticket:
    """Alice's new ticket in IT, at version 1."""
    return ticket_create(actor=world.alice, title="Laptop will not boot")


def errors_of(response: Any, status: int = 422) -> dict[str, list[str]]:
    assert response.status_code == status, response.content
    errors: dict[str, list[str]] = problem(response).get("errors") or {}
    return errors


# --- Create -----------------------------------------------------------------------------------


def test_a_requester_files_a_ticket(api: ApiFactory, world: World) -> None:
    category = CategoryFactory(team=world.hr, name="Payroll")
    CustomFieldFactory(category=category, key="month", label="Month", required=True)
    response = api(world.alice).post(
        "/tickets",
        {
            "title": "Payslip missing",
            "description": "March payslip never arrived",
            "category": category.pk,
            "custom_fields": {"month": "March"},
            "urgency": "high",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    TicketDetail.model_validate(body)
    assert body["channel"] == "api"
    assert body["requester"]["email"] == "alice@acme.test"
    assert body["team"]["name"] == "HR"  # routed by the category
    assert body["organization"]["name"] == "Acme"
    assert body["custom_fields"] == {"month": "March"}
    assert body["priority"] == "p3"
    assert body["messages"][0]["body"] == "March payslip never arrived"
    assert Ticket.objects.get(number=body["number"]).requester == world.alice


def test_the_desk_files_for_an_email_address_registering_the_requester(
    api: ApiFactory, world: World
) -> None:
    response = api(world.agent).post(
        "/tickets",
        {"title": "Phone call", "requester_email": "New.Person@Acme.test", "tags": ["phone"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["requester"]["email"] == "new.person@acme.test"
    assert body["organization"]["name"] == "Acme"
    assert body["tags"] == ["phone"]
    assert User.objects.get(email="new.person@acme.test").role == "requester"


def test_a_refused_ticket_registers_nobody(api: ApiFactory, world: World) -> None:
    response = api(world.agent).post(
        "/tickets", {"title": "x", "requester_email": "ghost@acme.test", "type": "bogus"}
    )
    assert "type" in errors_of(response)
    assert not User.objects.filter(email="ghost@acme.test").exists()


def test_requesters_cannot_file_for_someone_else(api: ApiFactory, world: World) -> None:
    by_email = api(world.alice).post(
        "/tickets", {"title": "x", "requester_email": "someone@acme.test"}
    )
    assert "requester_email" in errors_of(by_email)
    assert not User.objects.filter(email="someone@acme.test").exists()
    by_id = api(world.alice).post("/tickets", {"title": "x", "requester": world.arthur.pk})
    assert "requester" in errors_of(by_id)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("field", ["category", "team", "organization", "requester", "assignee"])
def test_unknown_ids_are_a_422_on_their_field(api: ApiFactory, world: World, field: str) -> None:
    response = api(world.agent).post("/tickets", {"title": "x", field: 987654})
    assert list(errors_of(response)) == [field]
    assert not Ticket.objects.exists()


def test_desk_only_fields_are_refused_to_requesters(api: ApiFactory, world: World) -> None:
    assert "team" in errors_of(
        api(world.alice).post("/tickets", {"title": "x", "team": world.it.pk})
    )
    assert "priority" in errors_of(
        api(world.alice).post("/tickets", {"title": "x", "priority": "p1"})
    )
    assert "tags" in errors_of(api(world.alice).post("/tickets", {"title": "x", "tags": ["a"]}))
    assert not Ticket.objects.exists()


def test_a_ticket_can_carry_uploaded_files(api: ApiFactory, world: World) -> None:
    client = api(world.alice)
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploaded = client.upload(
        "/attachments", {"file": SimpleUploadedFile("error.png", b"\x89PNG...", "image/png")}
    )
    assert uploaded.status_code == 201, uploaded.content
    upload = uploaded.json()
    UploadOut.model_validate(upload)
    assert upload["filename"] == "error.png"
    assert upload["size"] == 7
    created = client.post("/tickets", {"title": "See screenshot", "attachments": [upload["id"]]})
    assert created.status_code == 201, created.content
    (attachment,) = created.json()["messages"][0]["attachments"]
    assert attachment["id"] == upload["id"]
    # Someone else's upload cannot be attached.
    stolen = api(world.bob).post("/tickets", {"title": "Mine now", "attachments": [upload["id"]]})
    assert "attachments" in errors_of(stolen)


@override_settings(FRONTLINE_ATTACHMENT_MAX_BYTES=10)
def test_an_upload_over_the_limit_is_refused(api: ApiFactory, world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api(world.alice).upload(
        "/attachments", {"file": SimpleUploadedFile("big.bin", b"x" * 11)}
    )
    assert "file" in errors_of(response)
    assert not Attachment.objects.exists()


# --- Update -----------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(api: ApiFactory, world: World, ticket: Ticket) -> None:
    response = api(world.agent).patch(
        f"/tickets/{ticket.number}", {"version": 1, "title": "Boots into BIOS", "tags": ["bios"]}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    TicketDetail.model_validate(body)
    assert body["title"] == "Boots into BIOS"
    assert body["tags"] == ["bios"]
    assert body["version"] == 2
    assert body["priority"] == ticket.priority
    assert body["type"] == ticket.type
    ticket.refresh_from_db()
    assert ticket.title == "Boots into BIOS"


def test_patch_needs_a_version(api: ApiFactory, world: World, ticket: Ticket) -> None:
    response = api(world.agent).patch(f"/tickets/{ticket.number}", {"title": "No version"})
    assert "version" in errors_of(response)
    ticket.refresh_from_db()
    assert ticket.title == "Laptop will not boot"


def test_a_stale_version_is_a_409(api: ApiFactory, world: World, ticket: Ticket) -> None:
    client = api(world.agent)
    fresh = client.patch(f"/tickets/{ticket.number}", {"version": 1, "urgency": "high"})
    assert fresh.status_code == 200
    stale = client.patch(f"/tickets/{ticket.number}", {"version": 1, "title": "Late"})
    assert "version" in errors_of(stale, 409)
    assert problem(stale)["title"] == "Conflict"


def test_of_two_patches_from_one_version_the_first_wins(
    api: ApiFactory, world: World, ticket: Ticket
) -> None:
    seen = api(world.agent).get(f"/tickets/{ticket.number}").json()["version"]
    first = api(world.agent).patch(f"/tickets/{ticket.number}", {"version": seen, "title": "A"})
    second = api(world.agent_l2).patch(f"/tickets/{ticket.number}", {"version": seen, "title": "B"})
    assert (first.status_code, second.status_code) == (200, 409)
    ticket.refresh_from_db()
    assert ticket.title == "A"
    assert ticket.version == seen + 1


def test_patch_refuses_null_for_required_fields_and_clears_the_category(
    api: ApiFactory, world: World
) -> None:
    category = CategoryFactory(team=world.it, name="Hardware")
    ticket = ticket_create(actor=world.alice, title="Broken", category=category)
    client = api(world.agent)
    assert "title" in errors_of(
        client.patch(f"/tickets/{ticket.number}", {"version": 1, "title": None})
    )
    cleared = client.patch(f"/tickets/{ticket.number}", {"version": 1, "category": None})
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["category"] is None


def test_patch_validates_referenced_category(api: ApiFactory, world: World, ticket: Ticket) -> None:
    hr_category = CategoryFactory(team=world.hr, name="Payroll")
    client = api(world.agent)
    unknown = client.patch(f"/tickets/{ticket.number}", {"version": 1, "category": 424242})
    assert "category" in errors_of(unknown)
    other_team = client.patch(
        f"/tickets/{ticket.number}", {"version": 1, "category": hr_category.pk}
    )
    assert "category" in errors_of(other_team)


def test_requesters_may_not_patch_their_ticket(
    api: ApiFactory, world: World, ticket: Ticket
) -> None:
    response = api(world.alice).patch(f"/tickets/{ticket.number}", {"version": 1, "title": "Mine"})
    assert response.status_code == 403
    problem(response)


def test_patching_an_invisible_ticket_is_a_404(
    api: ApiFactory, world: World, ticket: Ticket
) -> None:
    response = api(world.hr_agent).patch(f"/tickets/{ticket.number}", {"version": 1, "title": "x"})
    assert response.status_code == 404


# --- Conversation -----------------------------------------------------------------------------


def test_a_desk_reply_opens_the_ticket(api: ApiFactory, world: World, ticket: Ticket) -> None:
    response = api(world.agent).post(
        f"/tickets/{ticket.number}/reply", {"body": "Hold the power button", "version": 1}
    )
    assert response.status_code == 201, response.content
    message = response.json()
    MessageOut.model_validate(message)
    assert message["kind"] == "public"
    assert message["channel"] == "api"
    assert message["author"]["email"] == "agent@desk.test"
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_a_reply_needs_a_body_or_a_file(api: ApiFactory, world: World, ticket: Ticket) -> None:
    assert "body" in errors_of(api(world.alice).post(f"/tickets/{ticket.number}/reply", {}))


def test_notes_are_for_the_desk(api: ApiFactory, world: World, ticket: Ticket) -> None:
    note = api(world.agent).post(f"/tickets/{ticket.number}/note", {"body": "Known issue"})
    assert note.status_code == 201
    assert note.json()["kind"] == "internal"
    refused = api(world.alice).post(f"/tickets/{ticket.number}/note", {"body": "Let me in"})
    assert refused.status_code == 403
    assert not Message.objects.filter(body="Let me in").exists()


# --- Workflow ---------------------------------------------------------------------------------


def test_transition_moves_the_status(api: ApiFactory, world: World, ticket: Ticket) -> None:
    response = api(world.agent).post(
        f"/tickets/{ticket.number}/transition",
        {"status": "pending", "pending_reason": "requester", "version": 1},
    )
    assert response.status_code == 200, response.content
    item = response.json()
    TicketItem.model_validate(item)
    assert (item["status"], item["pending_reason"], item["version"]) == ("pending", "requester", 2)


def test_an_illegal_transition_is_a_409(api: ApiFactory, world: World, ticket: Ticket) -> None:
    response = api(world.agent).post(
        f"/tickets/{ticket.number}/transition", {"status": "closed", "version": 1}
    )
    assert response.status_code == 409
    assert problem(response)["type"].endswith("invalid_transition")
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_transition_body_is_checked(api: ApiFactory, world: World, ticket: Ticket) -> None:
    client = api(world.agent)
    no_version = client.post(f"/tickets/{ticket.number}/transition", {"status": "open"})
    assert "version" in errors_of(no_version)
    no_reason = client.post(
        f"/tickets/{ticket.number}/transition", {"status": "pending", "version": 1}
    )
    assert "pending_reason" in errors_of(no_reason)


def test_a_requester_can_mark_their_request_solved(
    api: ApiFactory, world: World, ticket: Ticket
) -> None:
    response = api(world.alice).post(
        f"/tickets/{ticket.number}/transition", {"status": "resolved", "version": 1}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "resolved"


def test_assign_and_unassign(api: ApiFactory, world: World, ticket: Ticket) -> None:
    client = api(world.agent)
    assigned = client.post(
        f"/tickets/{ticket.number}/assign", {"assignee": world.agent_l2.pk, "version": 1}
    )
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["assignee"]["email"] == "l2@desk.test"
    unassigned = client.post(f"/tickets/{ticket.number}/assign", {"assignee": None, "version": 2})
    assert unassigned.status_code == 200, unassigned.content
    assert unassigned.json()["assignee"] is None


def test_assign_refuses_outsiders_and_unknown_ids(
    api: ApiFactory, world: World, ticket: Ticket
) -> None:
    client = api(world.agent)
    outsider = client.post(
        f"/tickets/{ticket.number}/assign", {"assignee": world.hr_agent.pk, "version": 1}
    )
    assert "assignee" in errors_of(outsider)
    unknown = client.post(f"/tickets/{ticket.number}/assign", {"assignee": 98765, "version": 1})
    assert "assignee" in errors_of(unknown)
    missing = client.post(f"/tickets/{ticket.number}/assign", {"version": 1})
    assert "assignee" in errors_of(missing)


def test_claim_takes_the_ticket_and_a_late_claim_conflicts(
    api: ApiFactory, world: World, ticket: Ticket
) -> None:
    first = api(world.agent).post(f"/tickets/{ticket.number}/claim", {"version": 1})
    assert first.status_code == 200, first.content
    assert first.json()["assignee"]["id"] == world.agent.pk
    late = api(world.agent_l2).post(f"/tickets/{ticket.number}/claim", {"version": 1})
    assert late.status_code == 409
    ticket.refresh_from_db()
    assert ticket.assignee == world.agent


def test_escalate_to_the_next_tier_and_to_another_team(
    api: ApiFactory, world: World, ticket: Ticket
) -> None:
    client = api(world.agent)
    up = client.post(f"/tickets/{ticket.number}/escalate", {"reason": "Needs L2", "version": 1})
    assert up.status_code == 200, up.content
    assert up.json()["tier"] == "l2"
    moved = client.post(
        f"/tickets/{ticket.number}/escalate",
        {"reason": "It is payroll", "team": world.hr.pk, "version": 2},
    )
    assert moved.status_code == 200, moved.content
    assert (moved.json()["team"]["name"], moved.json()["tier"]) == ("HR", "l1")


def test_escalate_needs_a_reason(api: ApiFactory, world: World, ticket: Ticket) -> None:
    client = api(world.agent)
    assert "reason" in errors_of(client.post(f"/tickets/{ticket.number}/escalate", {"version": 1}))
    blank = client.post(f"/tickets/{ticket.number}/escalate", {"reason": " ", "version": 1})
    assert "reason" in errors_of(blank)
    unknown_team = client.post(
        f"/tickets/{ticket.number}/escalate", {"reason": "x", "team": 4242, "version": 1}
    )
    assert "team" in errors_of(unknown_team)


def test_merge_closes_the_source_into_the_target(
    api: ApiFactory, world: World, ticket: Ticket
) -> None:
    target = ticket_create(actor=world.arthur, title="Laptops failing on floor 3")
    response = api(world.agent).post(
        f"/tickets/{ticket.number}/merge", {"into": target.number, "version": 1}
    )
    assert response.status_code == 200, response.content
    assert response.json()["number"] == target.number
    ticket.refresh_from_db()
    assert (ticket.status, ticket.merged_into) == ("closed", target)


def test_merge_into_an_unseen_ticket_is_a_422(
    api: ApiFactory, world: World, ticket: Ticket
) -> None:
    hr = ticket_create(actor=world.agent, requester=world.alice, title="HR", team=world.hr)
    for into in (hr.number, 999999):
        response = api(world.agent).post(
            f"/tickets/{ticket.number}/merge", {"into": into, "version": 1}
        )
        assert "into" in errors_of(response)
    ticket.refresh_from_db()
    assert ticket.merged_into is None


# --- Links ------------------------------------------------------------------------------------


def test_link_and_unlink(api: ApiFactory, world: World, ticket: Ticket) -> None:
    other = ticket_create(actor=world.arthur, title="Same model")
    client = api(world.agent)
    created = client.post(f"/tickets/{ticket.number}/links", {"target": other.number})
    assert created.status_code == 201, created.content
    link = created.json()
    LinkOut.model_validate(link)
    assert (link["kind"], link["direction"]) == ("related", "outbound")
    assert link["ticket"]["number"] == other.number
    again = client.post(f"/tickets/{ticket.number}/links", {"target": other.number})
    assert again.status_code == 409
    seen_from_other = client.get(f"/tickets/{other.number}").json()["links"]
    assert [x["direction"] for x in seen_from_other] == ["inbound"]

    assert client.delete(f"/tickets/{other.number}/links/{link['id']}").status_code == 204
    assert not TicketLink.objects.exists()
    assert client.delete(f"/tickets/{ticket.number}/links/{link['id']}").status_code == 404


def test_links_check_kind_and_target(api: ApiFactory, world: World, ticket: Ticket) -> None:
    other = ticket_create(actor=world.arthur, title="Other")
    client = api(world.agent)
    bad_kind = client.post(
        f"/tickets/{ticket.number}/links", {"target": other.number, "kind": "blocks"}
    )
    assert "kind" in errors_of(bad_kind)
    unseen = client.post(f"/tickets/{ticket.number}/links", {"target": 99999})
    assert "target" in errors_of(unseen)
    assert not TicketLink.objects.exists()


def test_requesters_cannot_remove_links(api: ApiFactory, world: World, ticket: Ticket) -> None:
    other = ticket_create(actor=world.alice, title="Other")
    link = api(world.agent).post(f"/tickets/{ticket.number}/links", {"target": other.number})
    response = api(world.alice).delete(f"/tickets/{ticket.number}/links/{link.json()['id']}")
    assert response.status_code == 403
    assert TicketLink.objects.count() == 1
