"""The API's plumbing: authentication, problem+json errors, CSRF for sessions, OpenAPI."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.middleware.csrf import get_token
from django.test import Client, RequestFactory

from frontline.accounts.models import User
from frontline.accounts.services import token_create, token_revoke
from frontline.tickets.models import Ticket
from tests.api.conftest import BASE, Api, problem
from tests.conftest import World

ApiFactory = Callable[[User | None], Api]


def test_no_credentials_is_a_401_problem(api: ApiFactory) -> None:
    response = api(None).get("/tickets")
    assert response.status_code == 401
    body = problem(response)
    assert body["title"] == "Not authenticated"
    assert body["instance"] == f"{BASE}/tickets"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_and_revoked_tokens_are_refused(world: World) -> None:
    client = Client()
    unknown = client.get(f"{BASE}/tickets", HTTP_AUTHORIZATION="Bearer fl_not-a-real-token")
    assert unknown.status_code == 401
    token, raw = token_create(actor=None, user=world.agent)
    assert client.get(f"{BASE}/tickets", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    token_revoke(actor=None, token=token)
    revoked = client.get(f"{BASE}/tickets", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert revoked.status_code == 401
    problem(revoked)


def test_a_disabled_users_token_stops_working(world: World) -> None:
    _, raw = token_create(actor=None, user=world.bob)
    User.objects.filter(pk=world.bob.pk).update(is_active=False)
    response = Client().get(f"{BASE}/users/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_malformed_json_is_a_400_problem(world: World) -> None:
    _, raw = token_create(actor=None, user=world.alice)
    response = Client().post(
        f"{BASE}/tickets",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 400
    problem(response)


def test_a_bad_body_is_a_422_with_field_messages(api: ApiFactory, world: World) -> None:
    response = api(world.alice).post("/tickets", {"description": "no title", "colour": "red"})
    assert response.status_code == 422
    errors = problem(response)["errors"]
    assert "title" in errors
    assert "colour" in errors  # unknown fields are refused, not silently dropped
    assert not Ticket.objects.exists()


def test_session_auth_works_and_checks_csrf_on_writes(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    assert client.get(f"{BASE}/users/me").json()["email"] == "alice@acme.test"
    refused = client.post(
        f"{BASE}/tickets", json.dumps({"title": "Hello"}), content_type="application/json"
    )
    assert refused.status_code == 403
    problem(refused)
    assert not Ticket.objects.exists()
    # With the cookie and the matching header, as a page of the web UI would send them:
    page_request = RequestFactory().get("/")
    header = get_token(page_request)
    client.cookies["csrftoken"] = page_request.META["CSRF_COOKIE"]
    accepted = client.post(
        f"{BASE}/tickets",
        json.dumps({"title": "Hello"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=header,
    )
    assert accepted.status_code == 201, accepted.content


def test_openapi_and_docs_render(api: ApiFactory) -> None:
    anonymous = api(None)
    schema = anonymous.get("/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        f"{BASE}/tickets",
        f"{BASE}/tickets/{{number}}",
        f"{BASE}/tickets/{{number}}/history",
        f"{BASE}/tickets/{{number}}/transition",
        f"{BASE}/attachments",
        f"{BASE}/users/me",
        f"{BASE}/teams",
        f"{BASE}/organizations",
        f"{BASE}/categories",
    ):
        assert path in paths, path
    list_params = {p["name"] for p in paths[f"{BASE}/tickets"]["get"]["parameters"]}
    assert {"status", "assignee", "updated_since", "sort", "cursor", "limit"} <= list_params
    docs = anonymous.get("/docs")
    assert docs.status_code == 200
    assert b"openapi.json" in docs.content
