"""GET /healthz: is this process able to serve? Names the state of each dependency.

Load balancers and monitors call it several times a second, so it stays cheap whatever the
queue's length: the queued-task figure is a bounded count (at most ``QUEUED_CAP``; that figure
means "at least that many") and each process reuses it for ``QUEUED_FRESH_FOR`` seconds.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> dict[str, object]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}
    return {
        "status": "ok",
        "vendor": connection.vendor,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


QUEUED_CAP = 10_000
QUEUED_FRESH_FOR = 2.0  # seconds

_queued_lock = threading.Lock()
_queued: tuple[float, int] | None = None  # (monotonic time counted, figure)


def _queued_tasks() -> int:
    """Tasks waiting for a worker, at most QUEUED_CAP, counted at most every QUEUED_FRESH_FOR
    seconds per process (the count reads no more than QUEUED_CAP index entries)."""
    global _queued
    now = time.monotonic()
    with _queued_lock:
        if _queued is not None and now - _queued[0] < QUEUED_FRESH_FOR:
            return _queued[1]
    from django_tasks_db.models import DBTaskResult

    figure = DBTaskResult.objects.filter(status="READY")[:QUEUED_CAP].count()
    with _queued_lock:
        _queued = (now, figure)
    return figure


def _check_tasks() -> dict[str, object]:
    backend = settings.TASKS["default"]["BACKEND"]
    info: dict[str, object] = {"backend": backend.rsplit(".", 1)[-1]}
    if backend == "django_tasks_db.DatabaseBackend":
        try:
            ready = _queued_tasks()
        except Exception as exc:
            return {**info, "status": "down", "error": type(exc).__name__}
        return {**info, "status": "ok", "queued": ready}
    return {**info, "status": "ok"}


def _check_redis() -> dict[str, object] | None:
    if not settings.REDIS_URL:
        return None
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping()
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok"}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "tasks": _check_tasks()}
    redis_state = _check_redis()
    if redis_state is not None:
        checks["redis"] = redis_state
    healthy = all(check["status"] == "ok" for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **checks}, status=200 if healthy else 503
    )
