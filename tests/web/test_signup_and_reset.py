"""Self-service sign-up (by emailed link) and password reset (by emailed link)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from frontline.accounts.models import Role, User
from tests.factories import OrganizationFactory, UserFactory
from tests.web.helpers import text_of

NEW_PASSWORD = "an-0ther-Long-passphrase"


def link_in(message: Any) -> str:
    """The path of the first link in a mail sent to the test server."""
    found = re.search(r"https?://testserver(/\S+)", message.body)
    assert found, f"no link in: {message.body}"
    return found.group(1)


@pytest.fixture
def open_org(db: None) -> Any:
    org = OrganizationFactory(name="Initech", domains=["initech.test"])
    org.allow_signup = True
    org.save()
    return org


def test_signup_emails_a_link_and_creates_no_account_yet(open_org: Any) -> None:
    response = Client().post(
        "/signup/", {"full_name": "Peter Gibbons", "email": "Peter@Initech.test"}
    )
    assert response.status_code == 200
    assert "Check your inbox" in text_of(response)
    assert not User.objects.filter(email="peter@initech.test").exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["peter@initech.test"]
    assert "/signup/" in link_in(mail.outbox[0])


def test_following_the_signup_link_creates_the_requester_and_signs_in(open_org: Any) -> None:
    Client().post("/signup/", {"full_name": "Peter Gibbons", "email": "peter@initech.test"})
    link = link_in(mail.outbox[0])
    client = Client()
    page = client.get(link)
    assert page.status_code == 200
    assert "peter@initech.test" in text_of(page)
    response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    user = User.objects.get(email="peter@initech.test")
    assert user.role == Role.REQUESTER
    assert user.full_name == "Peter Gibbons"
    assert list(user.organizations.all()) == [open_org]
    assert user.check_password(NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_signup_link_used_twice_is_refused_the_second_time(open_org: Any) -> None:
    Client().post("/signup/", {"full_name": "Peter Gibbons", "email": "peter@initech.test"})
    link = link_in(mail.outbox[0])
    Client().post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    again = Client()
    response = again.post(
        link, {"password1": "a-third-Passw0rd-x", "password2": "a-third-Passw0rd-x"}
    )
    assert response.status_code != 302
    assert "exists already" in text_of(response)
    assert User.objects.filter(email="peter@initech.test").count() == 1
    assert User.objects.get(email="peter@initech.test").check_password(NEW_PASSWORD)
    assert "_auth_user_id" not in again.session


def test_signup_passwords_must_match(open_org: Any) -> None:
    Client().post("/signup/", {"full_name": "Peter Gibbons", "email": "peter@initech.test"})
    response = Client().post(
        link_in(mail.outbox[0]), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"}
    )
    assert response.status_code == 200
    assert "The two passwords differ." in text_of(response)
    assert not User.objects.filter(email="peter@initech.test").exists()


def test_a_tampered_signup_link_is_not_valid(open_org: Any) -> None:
    Client().post("/signup/", {"full_name": "Peter Gibbons", "email": "peter@initech.test"})
    link = link_in(mail.outbox[0])
    response = Client().get(link[:-3] + "abc/")
    assert response.status_code == 400
    assert "not valid" in text_of(response)


def test_signup_for_an_unknown_domain_is_a_field_error(open_org: Any) -> None:
    response = Client().post("/signup/", {"full_name": "Eve", "email": "eve@unknown.test"})
    assert response.status_code == 400
    assert "Sign-up is open to the email domains" in " ".join(
        response.context["form"].errors["email"]
    )
    assert mail.outbox == []


def test_signup_is_closed_for_an_organization_that_does_not_allow_it(world: Any) -> None:
    assert not world.acme.allow_signup
    response = Client().post("/signup/", {"full_name": "Zed", "email": "zed@acme.test"})
    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert mail.outbox == []
    assert not User.objects.filter(email="zed@acme.test").exists()


def test_signup_with_an_existing_address_reveals_nothing_and_sends_a_reminder(
    open_org: Any,
) -> None:
    UserFactory(email="milton@initech.test", orgs=[open_org])
    response = Client().post("/signup/", {"full_name": "Milton", "email": "milton@initech.test"})
    assert response.status_code == 200
    assert "Check your inbox" in text_of(response)
    assert len(mail.outbox) == 1
    assert "already has an account" in mail.outbox[0].body
    assert "/signup/" not in mail.outbox[0].body


def test_password_reset_mails_a_link_that_works_once(world: Any) -> None:
    response = Client().post("/password-reset/", {"email": world.alice.email})
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.alice.email]
    link = link_in(mail.outbox[0])

    client = Client()
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in text_of(form_page)
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/password-reset/done/"
    world.alice.refresh_from_db()
    assert world.alice.check_password(NEW_PASSWORD)

    second = Client().get(link, follow=True)
    assert "This link is not valid any more" in text_of(second)
    assert 'name="new_password1"' not in text_of(second)


def test_password_reset_for_an_unknown_address_sends_nothing_but_answers_the_same(
    world: Any,
) -> None:
    response = Client().post("/password-reset/", {"email": "ghost@acme.test"})
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []
