"""Preferences: the API (GET/PUT /api/v1/me/notification-preferences) and the page linked
from the profile."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontline.notifications.models import (
    NotificationKind,
    NotificationPreference,
    NotificationSwitch,
)
from frontline.notifications.selectors import preference_rows
from frontline.notifications.services import switched_on
from tests.api.conftest import Api, problem
from tests.conftest import World

PATH = "/me/notification-preferences"
REQUESTER_KINDS = ["received", "reply", "status", "resolved", "survey"]
ALL_KINDS = [*REQUESTER_KINDS, "new_ticket", "assigned", "requester_replied"]


def by_kind(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["kind"]: row for row in body["preferences"]}


def test_everything_is_on_by_default_and_requesters_see_only_their_kinds(world: World) -> None:
    body = Api(world.alice).get(PATH).json()
    assert [row["kind"] for row in body["preferences"]] == REQUESTER_KINDS
    assert all(row["enabled"] and row["available"] for row in body["preferences"])
    assert [row["kind"] for row in Api(world.agent).get(PATH).json()["preferences"]] == ALL_KINDS


def test_put_switches_the_sent_kinds_and_keeps_the_others(world: World) -> None:
    api = Api(world.agent)
    response = api._send("put", PATH, {"preferences": {"status": False, "new_ticket": False}})
    assert response.status_code == 200
    rows = by_kind(response.json())
    assert (rows["status"]["enabled"], rows["new_ticket"]["enabled"]) == (False, False)
    assert rows["reply"]["enabled"] is True
    response = api._send("put", PATH, {"preferences": {"status": True}})
    assert by_kind(response.json())["status"]["enabled"] is True
    assert by_kind(api.get(PATH).json())["new_ticket"]["enabled"] is False
    assert not NotificationPreference.objects.filter(user=world.alice).exists()


def test_global_switch_shows_as_unavailable(world: World) -> None:
    NotificationSwitch.objects.create(kind=NotificationKind.RESOLVED, enabled=False)
    rows = by_kind(Api(world.alice).get(PATH).json())
    assert rows["resolved"]["available"] is False
    assert rows["resolved"]["enabled"] is True  # her own choice is kept


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"preferences": {"carrier_pigeon": False, "reply": False}}, "preferences.carrier_pigeon"),
        ({"preferences": {"new_ticket": False}}, "preferences.new_ticket"),  # a requester
    ],
)
def test_unknown_or_unavailable_kinds_are_a_422_and_change_nothing(
    world: World, payload: dict[str, Any], field: str
) -> None:
    response = Api(world.alice)._send("put", PATH, payload)
    assert response.status_code == 422
    assert field in problem(response)["errors"]
    assert not NotificationPreference.objects.exists()


def test_a_malformed_body_is_a_422(world: World) -> None:
    api = Api(world.alice)
    assert api._send("put", PATH, {"preferences": {"reply": "maybe"}}).status_code == 422
    assert api._send("put", PATH, {"prefs": {}}).status_code == 422
    assert problem(api._send("put", PATH, {"prefs": {}}))["status"] == 422


def test_anonymous_is_a_401(world: World) -> None:
    assert Api(None).get(PATH).status_code == 401


def test_preferences_take_two_queries(world: World) -> None:
    with CaptureQueriesContext(connection) as ctx:
        preference_rows(world.agent)
    assert len(ctx.captured_queries) == 2


def test_the_profile_links_to_the_preferences_page_which_saves_choices(world: World) -> None:
    client = Client()
    client.force_login(world.alice)
    profile = client.get("/profile/")
    assert b'href="/notifications/preferences/"' in profile.content
    page = client.get("/notifications/preferences/")
    assert page.status_code == 200
    assert b"Request resolved" in page.content
    assert b"New ticket in my team" not in page.content
    response = client.post("/notifications/preferences/", {"on": ["received", "resolved"]})
    assert response.status_code == 302
    mine = dict(
        NotificationPreference.objects.filter(user=world.alice).values_list("kind", "enabled")
    )
    assert mine == {
        "received": True,
        "reply": False,
        "status": False,
        "resolved": True,
        "survey": False,
    }


def test_a_globally_switched_off_kind_keeps_the_users_choice_on_the_page(world: World) -> None:
    NotificationSwitch.objects.create(kind=NotificationKind.REPLY, enabled=False)
    client = Client()
    client.force_login(world.agent)
    page = client.get("/notifications/preferences/")
    assert b"Switched off for everyone" in page.content
    client.post("/notifications/preferences/", {"on": ["received"]})
    assert not NotificationPreference.objects.filter(user=world.agent, kind="reply").exists()


def test_the_page_asks_anonymous_visitors_to_sign_in(world: World) -> None:
    response = Client().get("/notifications/preferences/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_switched_on_drops_those_who_or_whose_admin_switched_the_kind_off(
    world: World, django_assert_num_queries: Any
) -> None:
    kind = NotificationKind.STATUS
    NotificationPreference.objects.create(user=world.agent, kind=kind, enabled=False)
    assert switched_on([world.alice, world.agent], kind) == [world.alice]
    with django_assert_num_queries(0):
        assert switched_on([], kind) == []
    NotificationSwitch.objects.create(kind=kind, enabled=False)
    assert switched_on([world.alice, world.agent], kind) == []
