"""API tokens: shown once, stored as a hash, refused when revoked or the user is disabled."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from frontline.accounts.models import ApiToken, hash_token
from frontline.accounts.selectors import user_for_token
from frontline.accounts.services import token_create, token_revoke, user_update
from frontline.core.errors import PermissionDenied, ValidationError
from tests.conftest import World


def test_a_new_token_authenticates_its_user(world: World) -> None:
    token, raw = token_create(actor=world.alice, user=world.alice, name="  laptop script ")
    assert raw.startswith("fl_")
    assert user_for_token(raw) == world.alice
    assert token.name == "laptop script"


def test_only_the_hash_of_a_token_is_stored(world: World) -> None:
    token, raw = token_create(actor=None, user=world.agent)
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_token(raw)
    row = [str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    secret_part = raw[len(stored.hint) :]
    assert not any(secret_part in value for value in row)
    assert stored.hint == raw[:10]


def test_tokens_are_unique(world: World) -> None:
    raws = {token_create(actor=None, user=world.agent)[1] for _ in range(20)}
    assert len(raws) == 20


@pytest.mark.parametrize(
    "raw",
    ["", "fl_", "fl_unknown", "no-prefix-at-all", "fl_" + "x" * 300, "Bearer fl_x"],
)
def test_unknown_or_malformed_tokens_authenticate_nobody(world: World, raw: str) -> None:
    token_create(actor=None, user=world.alice)
    assert user_for_token(raw) is None


def test_a_revoked_token_fails(world: World) -> None:
    token, raw = token_create(actor=None, user=world.alice)
    token_revoke(actor=world.alice, token=token)
    assert user_for_token(raw) is None
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_disabled_users_tokens_fail(world: World) -> None:
    _, raw = token_create(actor=None, user=world.bob)
    user_update(actor=world.admin, user=world.bob, is_active=False)
    assert user_for_token(raw) is None
    with pytest.raises(ValidationError) as info:
        token_create(actor=None, user=world.bob)
    assert "user" in info.value.errors


def test_revoking_one_token_leaves_the_others_working(world: World) -> None:
    first, first_raw = token_create(actor=None, user=world.alice)
    _, second_raw = token_create(actor=None, user=world.alice)
    token_revoke(actor=world.admin, token=first)
    assert user_for_token(first_raw) is None
    assert user_for_token(second_raw) == world.alice


def test_users_manage_only_their_own_tokens(world: World) -> None:
    with pytest.raises(PermissionDenied):
        token_create(actor=world.alice, user=world.bob)
    bobs, raw = token_create(actor=world.admin, user=world.bob)
    with pytest.raises(PermissionDenied):
        token_revoke(actor=world.alice, token=bobs)
    assert user_for_token(raw) == world.bob


def test_last_use_is_recorded_at_most_once_a_minute(world: World) -> None:
    t0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    token, raw = token_create(actor=None, user=world.alice)
    with time_machine.travel(t0, tick=False):
        user_for_token(raw)
    with time_machine.travel(t0 + dt.timedelta(seconds=30), tick=False):
        user_for_token(raw)
    token.refresh_from_db()
    assert token.last_used_at == t0
    with time_machine.travel(t0 + dt.timedelta(seconds=90), tick=False):
        user_for_token(raw)
    token.refresh_from_db()
    assert token.last_used_at == t0 + dt.timedelta(seconds=90)


# --- The `frontline token` command ----------------------------------------------------------


def test_token_create_command_prints_a_working_token(world: World) -> None:
    out = StringIO()
    call_command("token", "create", "--user", "AGENT@desk.test", "--name", "ci", stdout=out)
    raw = out.getvalue().strip()
    assert user_for_token(raw) == world.agent
    assert ApiToken.objects.get(user=world.agent).name == "ci"


def test_token_command_lists_and_revokes(world: World) -> None:
    _, raw = token_create(actor=None, user=world.agent, name="deploy")
    out = StringIO()
    call_command("token", "list", "--user", "agent@desk.test", stdout=out)
    assert raw[:10] in out.getvalue()
    assert "active" in out.getvalue()
    assert raw not in out.getvalue()
    call_command("token", "revoke", raw[:10], stdout=StringIO())
    assert user_for_token(raw) is None


def test_token_command_refuses_an_unknown_user(db: None) -> None:
    with pytest.raises(CommandError, match="No user with email"):
        call_command("token", "create", "--user", "ghost@nowhere.test", stdout=StringIO())


def test_token_command_refuses_an_unknown_hint(db: None) -> None:
    with pytest.raises(CommandError, match="No active token"):
        call_command("token", "revoke", "fl_nothing", stdout=StringIO())
