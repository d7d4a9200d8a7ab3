"""GET /healthz, and the production settings refusing to start insecurely."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "kB7rT2xQ9wZvLm4NpW8sY1zA6cH3jF5gK0uR_oIe-VbXnM2wq7tZ9yP4aS8eL1fG3hJ6"
# The form the error message recommends (secrets.token_urlsafe(64)), holding "dEv" by chance.
RANDOM_KEY_WITH_DEV = "Qm3Nx_8dEvTq1Lz0WbKp7Rj2Yc9Hs4Gf6Ua5Ve-XoIiMnBt3Zy8Ld1Pq7Wk2Rc5Sj9Fh4G"


# --- Health ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_queue_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test counts afresh (the figure is reused for a moment within a process)."""
    from frontline.core import health

    monkeypatch.setattr(health, "_queued", None)


def _queue_tasks(count: int) -> None:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.bulk_create(
        DBTaskResult(
            status="READY",
            enqueued_at=timezone.now(),
            run_after=timezone.now(),
            args_kwargs={"args": [], "kwargs": {}},
            priority=0,
            task_path="frontline.notifications.tasks.retry_outbound_mail",
            queue_name="default",
            backend_name="default",
        )
        for _ in range(count)
    )


def test_healthz_reports_each_dependency(client: Client, db: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] in {"sqlite", "postgresql"}
    assert body["tasks"]["status"] == "ok"
    assert body["tasks"]["backend"]
    assert "no-cache" in response["Cache-Control"]


def test_healthz_counts_queued_tasks_with_the_database_backend(
    client: Client, db: None, settings: pytest.FixtureRequest
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # type: ignore[attr-defined]
    body = client.get("/healthz").json()
    assert body["tasks"] == {"backend": "DatabaseBackend", "status": "ok", "queued": 0}


def test_healthz_counts_at_most_a_bounded_number_of_queued_tasks(
    client: Client, db: None, settings: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontline.core import health

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # type: ignore[attr-defined]
    monkeypatch.setattr(health, "QUEUED_CAP", 3)
    _queue_tasks(5)
    assert client.get("/healthz").json()["tasks"]["queued"] == 3  # "at least 3"


def test_healthz_reuses_the_queue_figure_for_a_moment(
    client: Client,
    db: None,
    settings: pytest.FixtureRequest,
    django_assert_num_queries: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # type: ignore[attr-defined]
    _queue_tasks(2)
    with django_assert_num_queries(2):  # SELECT 1, and the count
        assert client.get("/healthz").json()["tasks"]["queued"] == 2
    _queue_tasks(1)
    with django_assert_num_queries(1):  # SELECT 1 only: the figure is a second old at most
        assert client.get("/healthz").json()["tasks"]["queued"] == 2
    from frontline.core import health

    monkeypatch.setattr(health, "QUEUED_FRESH_FOR", 0.0)  # the moment has passed
    assert client.get("/healthz").json()["tasks"]["queued"] == 3


def test_healthz_is_degraded_when_the_database_is_down(
    client: Client, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontline.core import health

    monkeypatch.setattr(health, "_check_database", lambda: {"status": "down", "error": "X"})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"


def test_healthz_answers_only_get(client: Client, db: None) -> None:
    assert client.post("/healthz").status_code == 405


# --- Production settings --------------------------------------------------------------------


def import_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Import frontline.settings in a fresh interpreter with only the given environment."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "VIRTUAL_ENV"}
    }
    clean.update({"FRONTLINE_VAR_DIR": str(tmp_path), **env})
    script = (
        "import frontline.settings as s; print(s.DEBUG, s.ALLOWED_HOSTS, s.SESSION_COOKIE_SECURE)"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("", "missing"),
        ("short-but-random-9f8a7b", "too short"),
        ("a" * 64, "too few distinct characters"),
        ("django-insecure-" + GOOD_KEY, "Django's placeholder"),
        ("please-changeme-" + GOOD_KEY, "a placeholder"),
        ("dev-" + GOOD_KEY, "a development key"),
        ("my_super_secret_key_" + GOOD_KEY, "says secret"),
    ],
)
def test_production_refuses_an_insecure_secret_key(tmp_path: Path, key: str, why: str) -> None:
    result = import_settings(
        tmp_path, FRONTLINE_ENV="production", SECRET_KEY=key, ALLOWED_HOSTS="desk.example.com"
    )
    assert result.returncode != 0, why
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is missing or insecure" in result.stderr


def test_production_refuses_debug(tmp_path: Path) -> None:
    result = import_settings(
        tmp_path,
        FRONTLINE_ENV="production",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="desk.example.com",
        DEBUG="true",
    )
    assert result.returncode != 0
    assert "DEBUG must be off when FRONTLINE_ENV=production." in result.stderr


def test_production_needs_allowed_hosts(tmp_path: Path) -> None:
    result = import_settings(tmp_path, FRONTLINE_ENV="production", SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must name the desk's host names" in result.stderr


@pytest.mark.parametrize("key", [GOOD_KEY, RANDOM_KEY_WITH_DEV])
def test_production_starts_with_a_good_key_and_hosts(tmp_path: Path, key: str) -> None:
    result = import_settings(
        tmp_path,
        FRONTLINE_ENV="production",
        SECRET_KEY=key,
        ALLOWED_HOSTS="desk.example.com, api.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False ['desk.example.com', 'api.example.com'] True"
    assert not (tmp_path / "secret_key").exists()  # production never invents a key


def test_embedded_mode_keeps_a_generated_key_across_starts(tmp_path: Path) -> None:
    script = "import frontline.settings as s; print(s.SECRET_KEY)"
    env = {"PATH": os.environ.get("PATH", ""), "FRONTLINE_VAR_DIR": str(tmp_path)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]
    assert len(runs[0]) >= 50
    assert runs[0] == runs[1]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
