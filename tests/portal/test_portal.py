"""The requesters' portal: new requests, following one, replying, confirming, reopening."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from frontline.tickets import services
from frontline.tickets.models import Message, Ticket
from tests.factories import CategoryFactory, CustomFieldFactory
from tests.web.helpers import flash_messages, fresh, new_ticket, signed_in, text_of

REQUEST = {
    "category": "",
    "title": "Laptop will not start",
    "description": "Black screen since this morning.",
    "impact": "low",
    "urgency": "high",
}


@pytest.fixture
def vpn_category(world: Any) -> Any:
    category = CategoryFactory(team=world.it, name="VPN")
    CustomFieldFactory(category=category, key="location", label="Where are you?", required=True)
    return category


# --- New request ----------------------------------------------------------------------------


def test_a_new_request_is_created_and_its_number_shown_at_once(world: Any) -> None:
    client = signed_in(world.alice)
    response = client.post("/portal/new/", REQUEST, follow=True)
    ticket = Ticket.objects.get()
    assert response.redirect_chain[-1][0] == f"/portal/requests/{ticket.number}/"
    assert f"Your request number is #{ticket.number}" in " ".join(flash_messages(response))
    assert ticket.requester == world.alice
    assert ticket.channel == "web"
    assert ticket.team == world.it
    assert (ticket.impact, ticket.urgency) == ("low", "high")
    assert "Black screen since this morning." in text_of(response)


def test_a_new_request_with_an_attachment_keeps_the_file(world: Any) -> None:
    upload = SimpleUploadedFile("error.png", b"\x89PNG fake", "image/png")
    signed_in(world.alice).post("/portal/new/", {**REQUEST, "files": upload})
    message = Ticket.objects.get().messages.get()
    assert [a.filename for a in message.attachments.all()] == ["error.png"]


def test_a_new_request_without_a_subject_is_refused_and_keeps_the_text(world: Any) -> None:
    response = signed_in(world.alice).post("/portal/new/", {**REQUEST, "title": ""})
    assert response.status_code == 422
    assert response.context["form"].errors["title"]
    assert "Black screen since this morning.</textarea>" in text_of(response)
    assert not Ticket.objects.exists()


def test_a_missing_required_custom_field_of_the_category_is_a_field_error(
    world: Any, vpn_category: Any
) -> None:
    response = signed_in(world.alice).post("/portal/new/", {**REQUEST, "category": vpn_category.pk})
    assert response.status_code == 422
    assert response.context["form"].errors["cf__location"]
    assert 'name="cf__location"' in text_of(response)
    assert not Ticket.objects.exists()


def test_a_category_custom_field_is_saved_with_the_request(world: Any, vpn_category: Any) -> None:
    data = {**REQUEST, "category": vpn_category.pk, "cf__location": "Home office"}
    signed_in(world.alice).post("/portal/new/", data)
    ticket = Ticket.objects.get()
    assert ticket.category == vpn_category
    assert ticket.custom_fields == {"location": "Home office"}


def test_category_fields_partial_shows_the_chosen_categorys_fields(
    world: Any, vpn_category: Any
) -> None:
    client = signed_in(world.alice)
    partial = text_of(client.get("/portal/new/fields/", {"category": vpn_category.pk}))
    assert 'name="cf__location"' in partial
    assert "Where are you?" in partial
    assert text_of(client.get("/portal/new/fields/", {"category": ""})).strip() == ""


def test_a_category_of_a_team_that_does_not_serve_me_is_not_offered(world: Any) -> None:
    hr_category = CategoryFactory(team=world.hr, name="Payroll")
    globex = signed_in(world.bob)
    assert "Payroll" not in text_of(globex.get("/portal/new/"))
    assert "Payroll" in text_of(signed_in(world.alice).get("/portal/new/"))
    response = globex.post("/portal/new/", {**REQUEST, "category": hr_category.pk})
    assert response.status_code == 422
    assert response.context["form"].errors["category"]
    assert not Ticket.objects.exists()


def test_portal_needs_sign_in(world: Any) -> None:
    response = Client().get("/portal/new/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/portal/new/"


# --- My requests ----------------------------------------------------------------------------


def test_home_lists_my_requests_only(world: Any) -> None:
    mine = new_ticket(world.alice, title="Mine")
    new_ticket(world.arthur, title="Arthur's own")
    page = text_of(signed_in(world.alice).get("/portal/"))
    assert f"/portal/requests/{mine.number}/" in page
    assert "Arthur's own" not in page


def test_a_requester_never_sees_another_requesters_request(world: Any) -> None:
    ticket = new_ticket(world.bob, title="Globex secret")
    alice = signed_in(world.alice)
    assert alice.get(f"/portal/requests/{ticket.number}/").status_code == 404
    assert alice.post(f"/portal/requests/{ticket.number}/reply/", {"body": "hi"}).status_code == 404
    response = alice.post(
        f"/portal/requests/{ticket.number}/status/", {"status": "resolved", "version": 1}
    )
    assert response.status_code == 404
    assert fresh(ticket).status == "new"
    assert not Message.objects.filter(body="hi").exists()


# --- One request ----------------------------------------------------------------------------


def test_the_portal_never_shows_internal_notes_even_to_a_desk_user(world: Any) -> None:
    ticket = new_ticket(world.alice)
    services.ticket_reply(actor=world.agent, ticket=ticket, body="Please restart it.")
    services.ticket_note(actor=world.agent, ticket=ticket, body="Secret: user broke it.")
    services.ticket_escalate(
        actor=world.agent, ticket=ticket, reason="Escalation reason X", version=None
    )
    for user in (world.alice, world.agent):
        page = text_of(signed_in(user).get(f"/portal/requests/{ticket.number}/"))
        assert "Please restart it." in page
        assert "Secret: user broke it." not in page
        assert "Escalation reason X" not in page


def test_requester_reply_is_added_to_the_conversation(world: Any) -> None:
    ticket = new_ticket(world.alice)
    client = signed_in(world.alice)
    response = client.post(
        f"/portal/requests/{ticket.number}/reply/", {"body": "Still black."}, follow=True
    )
    assert "Your reply is sent." in flash_messages(response)
    assert fresh(ticket).messages.filter(body="Still black.", author=world.alice).exists()
    assert "Still black." in text_of(response)


def test_an_empty_reply_is_refused_with_a_field_message(world: Any) -> None:
    ticket = new_ticket(world.alice)
    response = signed_in(world.alice).post(
        f"/portal/requests/{ticket.number}/reply/", {"body": "  "}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["body"] == ["Write a message or attach a file."]
    assert fresh(ticket).messages.count() == 1


def test_this_is_solved_resolves_the_request(world: Any) -> None:
    ticket = new_ticket(world.alice)
    response = signed_in(world.alice).post(
        f"/portal/requests/{ticket.number}/status/",
        {"status": "resolved", "version": ticket.version},
        follow=True,
    )
    assert fresh(ticket).status == "resolved"
    assert "Marked as solved. Thank you!" in flash_messages(response)
    page = text_of(response)
    assert "Solved: please confirm" in page
    assert "Still a problem" in page


def test_still_a_problem_reopens_a_resolved_request(world: Any) -> None:
    ticket = new_ticket(world.alice)
    resolved = services.ticket_transition(
        actor=world.agent, ticket=ticket, status="resolved", version=None
    )
    response = signed_in(world.alice).post(
        f"/portal/requests/{ticket.number}/status/",
        {"status": "open", "version": resolved.version},
        follow=True,
    )
    assert fresh(ticket).status == "open"
    assert "Reopened: we are on it again." in flash_messages(response)
    assert "In progress" in text_of(response)


def test_solving_from_an_outdated_page_is_refused_with_a_message(world: Any) -> None:
    ticket = new_ticket(world.alice)
    seen = ticket.version
    services.ticket_reply(actor=world.agent, ticket=ticket, body="Any news?")
    response = signed_in(world.alice).post(
        f"/portal/requests/{ticket.number}/status/",
        {"status": "resolved", "version": seen},
        follow=True,
    )
    assert fresh(ticket).status == "open"
    assert any("changed by someone else" in m for m in flash_messages(response))


def test_a_colleague_in_a_sharing_organization_may_read_but_not_solve(world: Any) -> None:
    world.acme.shares_tickets = True
    world.acme.save()
    ticket = new_ticket(world.alice)
    arthur = signed_in(world.arthur)
    page = arthur.get(f"/portal/requests/{ticket.number}/")
    assert page.status_code == 200
    assert "This is solved" not in text_of(page)
    assert "This is solved" in text_of(signed_in(world.alice).get(page.request["PATH_INFO"]))
    response = arthur.post(
        f"/portal/requests/{ticket.number}/status/",
        {"status": "resolved", "version": ticket.version},
        follow=True,
    )
    assert fresh(ticket).status == "new"
    assert any("mark your request solved" in m for m in flash_messages(response))


@pytest.mark.parametrize("path", ["/portal/", "/portal/new/"])
def test_the_portal_menu_marks_the_current_page(world: Any, path: str) -> None:
    page = text_of(signed_in(world.alice).get(path))
    assert f'<a href="{path}" aria-current="page">' in page
    assert page.count('aria-current="page"') == 1


def test_a_request_that_is_not_mine_shows_a_page_with_a_way_back(world: Any) -> None:
    ticket = new_ticket(world.bob)
    response = signed_in(world.alice).get(f"/portal/requests/{ticket.number}/")
    assert response.status_code == 404
    page = text_of(response)
    assert "Not found" in page
    assert 'href="/"' in page
    assert ticket.title not in page
