"""Shared fixtures: a small desk ("world") with two customer organizations, an unrestricted
IT team, an HR team that serves only Acme, and people in every role."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from frontline.accounts.models import Organization, Role, Team, Tier, User
from tests.factories import AgentFactory, OrganizationFactory, TeamFactory, UserFactory, member

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip a marker's tests with one line of reason when its service is absent."""
    from django.conf import settings

    on_pg = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    reasons = {
        "pg": None if on_pg else "needs PostgreSQL: set FRONTLINE_TEST_DATABASE_URL",
        "redis": None if os.environ.get("REDIS_URL") else "needs Redis: set REDIS_URL",
        "e2e": None
        if shutil.which("chromium") or Path("/usr/bin/chromium").exists()
        else "needs Chromium at /usr/bin/chromium",
        "corpus": None if CORPORA.is_dir() else f"needs the corpora at {CORPORA}",
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters, queue counts and filter options live in the cache; ids repeat
    between tests once their transaction rolls back, so each test starts from an empty one."""
    from django.core.cache import cache

    cache.clear()


@dataclass
class World:
    acme: Organization
    globex: Organization
    it: Team
    hr: Team
    alice: User  # requester at Acme
    arthur: User  # second requester at Acme
    bob: User  # requester at Globex
    agent: User  # IT L1
    agent_l2: User  # IT L2
    hr_agent: User  # HR (serves Acme only)
    coordinator: User  # IT coordinator
    manager: User  # manager of IT
    admin: User


@pytest.fixture
def world(db: None) -> World:
    acme = OrganizationFactory(name="Acme", domains=["acme.test"])
    globex = OrganizationFactory(name="Globex", domains=["globex.test"])
    it = TeamFactory(name="IT", is_default=True)
    hr = TeamFactory(name="HR", serves=[acme])
    return World(
        acme=acme,
        globex=globex,
        it=it,
        hr=hr,
        alice=UserFactory(email="alice@acme.test", full_name="Alice Archer", orgs=[acme]),
        arthur=UserFactory(email="arthur@acme.test", full_name="Arthur Dent", orgs=[acme]),
        bob=UserFactory(email="bob@globex.test", full_name="Bob Builder", orgs=[globex]),
        agent=member(AgentFactory(email="agent@desk.test", full_name="Ann Agent"), it),
        agent_l2=member(AgentFactory(email="l2@desk.test", full_name="Lee Two"), it, Tier.L2),
        hr_agent=member(AgentFactory(email="hr@desk.test", full_name="Hanna HR"), hr),
        coordinator=member(
            AgentFactory(email="coord@desk.test", role=Role.COORDINATOR, full_name="Cora Coord"), it
        ),
        manager=member(
            AgentFactory(email="boss@desk.test", role=Role.MANAGER, full_name="Max Manager"), it
        ),
        admin=UserFactory(email="admin@desk.test", role=Role.ADMIN, full_name="Ada Admin"),
    )
