"""The production Redis pieces (cache, channel layer, health check) against a real server."""

from __future__ import annotations

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache.backends.redis import RedisCache
from django.test import Client

pytestmark = pytest.mark.redis


def test_the_redis_channel_layer_carries_a_group_message_between_channels() -> None:
    from channels_redis.core import RedisChannelLayer

    layer = RedisChannelLayer(hosts=[os.environ["REDIS_URL"]], prefix=f"t{uuid.uuid4().hex}")

    async def exchange() -> dict[str, object]:
        channel = await layer.new_channel()
        await layer.group_add("ticket-presence-1042", channel)
        await layer.group_send("ticket-presence-1042", {"type": "presence.state", "who": "a"})
        message = await asyncio.wait_for(layer.receive(channel), timeout=5)
        await layer.flush()
        return message

    # In a thread of its own: Playwright may hold an event loop on this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        message = pool.submit(lambda: asyncio.run(exchange())).result(timeout=10)
    assert message == {"type": "presence.state", "who": "a"}


def test_the_redis_cache_counts_like_the_rate_limiter_needs() -> None:
    cache = RedisCache(os.environ["REDIS_URL"], {})
    key = f"test:{uuid.uuid4().hex}"
    assert cache.add(key, 1, timeout=10)
    assert not cache.add(key, 1, timeout=10)
    assert cache.incr(key) == 2
    cache.delete(key)
    assert cache.get(key) is None


def test_healthz_names_the_state_of_redis_when_it_is_configured(db: None, settings) -> None:  # type: ignore[no-untyped-def]
    settings.REDIS_URL = os.environ["REDIS_URL"]
    body = Client().get("/healthz").json()
    assert body["redis"] == {"status": "ok"}
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"]["status"] == "down"
