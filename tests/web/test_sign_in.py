"""Sign-in, sign-out and who gets into the desk."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontline.web.views import BAD_LOGIN
from tests.factories import PASSWORD
from tests.web.helpers import signed_in, text_of

LIMITED = "Too many failed sign-ins"


def post_login(client: Client, email: str, password: str, **extra: str) -> Any:
    return client.post("/login/", {"email": email, "password": password, **extra})


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_agent_signs_in_and_lands_on_the_desk(world: Any) -> None:
    client = Client()
    response = post_login(client, world.agent.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/desk/"
    assert is_signed_in(client)


def test_requester_signs_in_and_lands_on_the_portal(world: Any) -> None:
    client = Client()
    response = post_login(client, "  ALICE@acme.test ", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_unknown_email_and_wrong_password_get_the_same_answer(world: Any) -> None:
    unknown = post_login(Client(), "nobody@acme.test", PASSWORD)
    wrong = post_login(Client(), world.alice.email, "not-the-password")
    assert unknown.status_code == wrong.status_code == 400
    assert BAD_LOGIN in text_of(unknown)
    assert BAD_LOGIN in text_of(wrong)
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()


def test_sixth_sign_in_after_five_failures_is_refused_with_429_even_when_right(
    world: Any,
) -> None:
    client = Client()
    for _ in range(5):
        assert post_login(client, world.alice.email, "wrong").status_code == 400
    response = post_login(client, world.alice.email, PASSWORD)
    assert response.status_code == 429
    assert LIMITED in text_of(response)
    assert not is_signed_in(client)


def test_failures_on_one_account_do_not_lock_out_another(world: Any) -> None:
    client = Client()
    for _ in range(5):
        post_login(client, world.alice.email, "wrong")
    response = post_login(client, world.arthur.email, PASSWORD)
    assert response.status_code == 302
    assert is_signed_in(client)


def test_a_successful_sign_in_clears_the_account_failure_count(world: Any) -> None:
    for _ in range(4):
        post_login(Client(), world.alice.email, "wrong")
    assert post_login(Client(), world.alice.email, PASSWORD).status_code == 302
    for _ in range(4):
        post_login(Client(), world.alice.email, "wrong")
    assert post_login(Client(), world.alice.email, PASSWORD).status_code == 302


def test_login_page_carries_next_into_the_form(world: Any) -> None:
    response = Client().get("/login/", {"next": "/desk/tickets/1000/"})
    assert response.status_code == 200
    assert 'value="/desk/tickets/1000/"' in text_of(response)


def test_next_on_the_same_host_is_followed(world: Any) -> None:
    response = post_login(Client(), world.agent.email, PASSWORD, next="/desk/queues/team/?x=1")
    assert response.status_code == 302
    assert response["Location"] == "/desk/queues/team/?x=1"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.test/desk/",
        "//evil.test/desk/",
        "http://testserver.evil.test/",
        "javascript:alert(1)",
    ],
)
def test_next_to_another_host_is_ignored(world: Any, target: str) -> None:
    response = post_login(Client(), world.agent.email, PASSWORD, next=target)
    assert response.status_code == 302
    assert response["Location"] == "/desk/"


def test_anonymous_visit_to_the_desk_goes_to_sign_in_with_next(world: Any) -> None:
    response = Client().get("/desk/queues/team/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/desk/queues/team/"


def test_sign_out_refuses_get_and_keeps_the_session(world: Any) -> None:
    client = signed_in(world.agent)
    response = client.get("/logout/")
    assert response.status_code == 405
    assert is_signed_in(client)


def test_sign_out_by_post_ends_the_session(world: Any) -> None:
    client = signed_in(world.agent)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert not is_signed_in(client)
    assert client.get("/desk/queues/mine/").status_code == 302


@pytest.mark.parametrize("path", ["/desk/", "/desk/queues/mine/", "/desk/phone/"])
def test_requester_is_sent_from_the_desk_to_the_portal(world: Any, path: str) -> None:
    response = signed_in(world.alice).get(path)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_root_sends_each_person_home(world: Any) -> None:
    assert Client().get("/")["Location"] == "/login/"
    assert signed_in(world.agent).get("/")["Location"] == "/desk/"
    assert signed_in(world.alice).get("/")["Location"] == "/portal/"


def test_signed_in_visit_to_the_login_page_goes_home(world: Any) -> None:
    response = signed_in(world.alice).get("/login/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
