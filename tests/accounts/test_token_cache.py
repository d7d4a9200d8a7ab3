"""Bearer tokens kept per process: a repeated request queries nothing for its token, and a
revoked token or a deactivated user is refused at once all the same."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import ApiToken, User, hash_token
from frontline.accounts.refs import API_TOKENS
from frontline.accounts.selectors import user_for_token
from frontline.accounts.services import token_create, token_revoke
from frontline.core.refcache import _KEY
from tests.conftest import World


@pytest.fixture(autouse=True)
def _cache_on(settings: Any) -> None:
    settings.FRONTLINE_REFCACHE = True
    settings.FRONTLINE_REFCACHE_CHECK_SECONDS = 60  # only bumps in this process refresh it
    API_TOKENS.bump()


def queries(raw: str) -> tuple[int, User | None]:
    with CaptureQueriesContext(connection) as captured:
        user = user_for_token(raw)
    return len(captured), user


def test_a_repeated_token_runs_no_query(world: World) -> None:
    _, raw = token_create(actor=None, user=world.agent)
    first, user = queries(raw)
    assert user == world.agent
    assert first >= 1
    second, again = queries(raw)
    assert second == 0
    assert again == world.agent


def test_each_request_gets_its_own_copy_of_the_user(world: World) -> None:
    _, raw = token_create(actor=None, user=world.agent)
    first = user_for_token(raw)
    assert first is not None
    first.full_name = "Changed by one request"
    second = user_for_token(raw)
    assert second is not None
    assert second is not first
    assert second.full_name == world.agent.full_name


def test_revoking_takes_effect_at_once(world: World) -> None:
    token, raw = token_create(actor=None, user=world.agent)
    assert queries(raw)[1] == world.agent
    token_revoke(actor=world.agent, token=token)
    assert user_for_token(raw) is None


def test_deactivating_the_user_takes_effect_at_once(world: World) -> None:
    _, raw = token_create(actor=None, user=world.agent)
    assert user_for_token(raw) == world.agent
    world.agent.is_active = False
    world.agent.save()
    assert user_for_token(raw) is None


def test_another_process_revoking_is_seen_through_the_shared_generation(
    world: World, settings: Any
) -> None:
    _, raw = token_create(actor=None, user=world.agent)
    assert user_for_token(raw) == world.agent
    settings.FRONTLINE_REFCACHE_CHECK_SECONDS = 0
    # What another process's revocation leaves behind: the row changed, the shared
    # generation moved, and this process was told nothing directly.
    ApiToken.objects.filter(user=world.agent).update(revoked_at="2026-01-01T00:00:00Z")
    cache.set(_KEY.format(API_TOKENS.name), "moved-elsewhere", None)
    assert user_for_token(raw) is None


def test_an_unknown_token_is_not_remembered(world: World) -> None:
    raw = ApiToken.generate()
    assert user_for_token(raw) is None
    # The token is made "in another process": bulk_create sends no signal, so nothing here
    # is told, and only a fresh lookup can find it.
    ApiToken.objects.bulk_create(
        [ApiToken(user=world.agent, key_hash=hash_token(raw), hint=raw[:10])]
    )
    assert user_for_token(raw) == world.agent
