"""Logging a phone call as a ticket."""

from __future__ import annotations

from typing import Any

from frontline.accounts.models import User
from frontline.tickets.models import Ticket
from tests.factories import CategoryFactory
from tests.web.helpers import flash_messages, signed_in, text_of

CALL = {
    "title": "Cannot print payslips",
    "description": "Caller says the printer on floor 2 is offline.",
    "impact": "low",
    "urgency": "medium",
    "type": "incident",
    "category": "",
}


def test_a_call_from_a_known_caller_becomes_a_phone_ticket(world: Any) -> None:
    client = signed_in(world.agent)
    response = client.post("/desk/phone/", {**CALL, "requester": world.alice.pk}, follow=True)
    ticket = Ticket.objects.get()
    assert response.redirect_chain[-1][0] == f"/desk/tickets/{ticket.number}/"
    assert ticket.channel == "phone"
    assert ticket.requester == world.alice
    assert ticket.status == "new"
    assert not ticket.resolved_on_first_contact
    assert f"Call logged as #{ticket.number}." in flash_messages(response)
    assert "via Phone" in text_of(response)


def test_a_call_resolved_on_the_phone_is_marked_first_contact_resolution(world: Any) -> None:
    data = {**CALL, "requester": world.alice.pk, "resolved_on_first_contact": "on"}
    response = signed_in(world.agent).post("/desk/phone/", data, follow=True)
    ticket = Ticket.objects.get()
    assert ticket.status == "resolved"
    assert ticket.resolved_on_first_contact
    assert "Resolved on first contact" in text_of(response)


def test_a_new_caller_is_created_as_a_requester(world: Any) -> None:
    data = {**CALL, "new_name": "Nina New", "new_email": "Nina@Acme.test", "new_phone": "555 0101"}
    response = signed_in(world.agent).post("/desk/phone/", data)
    assert response.status_code == 302
    caller = User.objects.get(email="nina@acme.test")
    assert caller.full_name == "Nina New"
    assert caller.phone == "555 0101"
    assert not caller.is_agent_like
    assert Ticket.objects.get().requester == caller


def test_a_call_without_a_caller_is_refused_and_keeps_what_was_typed(world: Any) -> None:
    response = signed_in(world.agent).post("/desk/phone/", CALL)
    assert response.status_code == 422
    assert "Pick the caller from the search" in " ".join(
        response.context["form"].errors["new_email"]
    )
    assert 'value="Cannot print payslips"' in text_of(response)
    assert not Ticket.objects.exists()


def test_a_call_without_a_summary_is_refused_and_creates_no_caller(world: Any) -> None:
    data = {**CALL, "title": "", "new_name": "Olga", "new_email": "olga@acme.test"}
    response = signed_in(world.agent).post("/desk/phone/", data)
    assert response.status_code == 422
    assert response.context["form"].errors["title"]
    assert not User.objects.filter(email="olga@acme.test").exists()
    assert not Ticket.objects.exists()


def test_people_search_finds_callers_by_name_email_or_phone(world: Any) -> None:
    world.arthur.phone = "+44 555 1234"
    world.arthur.save()
    client = signed_in(world.agent)
    by_name = text_of(client.get("/desk/people/", {"q": "alice"}))
    assert f'data-pick-caller="{world.alice.pk}"' in by_name
    assert f'data-pick-caller="{world.bob.pk}"' not in by_name
    assert f'data-pick-caller="{world.arthur.pk}"' in text_of(
        client.get("/desk/people/", {"q": "555 1234"})
    )
    assert "Nobody found" in text_of(client.get("/desk/people/", {"q": "zzzz"}))


def test_requesters_cannot_search_people(world: Any) -> None:
    response = signed_in(world.alice).get("/desk/people/", {"q": "bob"})
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_the_phone_page_marks_its_own_menu_entry_as_current(world: Any) -> None:
    page = text_of(signed_in(world.agent).get("/desk/phone/"))
    assert '<a href="/desk/phone/" aria-current="page">' in page
    assert '<a href="/desk/" aria-current="page">' not in page


def test_a_refused_call_does_not_leave_a_new_caller_behind(world: Any) -> None:
    payroll = CategoryFactory(team=world.hr, name="Payroll")  # HR serves Acme only
    data = {**CALL, "category": payroll.pk, "new_name": "Zoe", "new_email": "zoe@globex.test"}
    response = signed_in(world.admin).post("/desk/phone/", data)
    assert response.status_code == 422
    assert "does not serve" in text_of(response)
    assert not Ticket.objects.exists()
    assert not User.objects.filter(email="zoe@globex.test").exists()
    assert response.context["caller"] is None
    assert 'value="Zoe"' in text_of(response)
