"""Statements compiled once per shape (frontline.core.statements): each call's own values,
never another call's; shapes that change a value on its way fall back to the ORM."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import User
from frontline.core import statements
from frontline.core.statements import compiled_rows, flatten, replace_values
from tests.conftest import World


@dataclasses.dataclass(frozen=True)
class Ask:
    ids: frozenset[int]
    emails: tuple[str, ...]
    joined_after: dt.datetime | None
    active: bool


def _users(ask: Ask) -> QuerySet[Any]:
    queryset = User.objects.filter(pk__in=ask.ids, is_active=ask.active)
    if ask.emails:
        queryset = queryset.filter(email__in=ask.emails)
    if ask.joined_after is not None:
        queryset = queryset.filter(date_joined__gte=ask.joined_after)
    return queryset.order_by("pk").values_list("pk", "email", "date_joined")


def test_shape_values_and_replace_round_trip() -> None:
    ask = Ask(frozenset({3, 1}), ("b", "a"), dt.datetime(2026, 1, 1, tzinfo=dt.UTC), True)
    shape, values = flatten(ask)
    assert values == [1, 3, "b", "a", dt.datetime(2026, 1, 1, tzinfo=dt.UTC)]
    assert replace_values(ask, [7, 8, "x", "y", None]) == Ask(
        frozenset({7, 8}), ("x", "y"), None, True
    )
    other = Ask(frozenset({5, 9}), ("c", "d"), dt.datetime(2025, 5, 5, tzinfo=dt.UTC), True)
    assert flatten(other)[0] == shape
    assert flatten(dataclasses.replace(ask, active=False))[0] != shape
    assert flatten(dataclasses.replace(ask, emails=("a",)))[0] != shape
    assert flatten(dataclasses.replace(ask, joined_after=None))[0] != shape
    with pytest.raises(TypeError):
        flatten(1.5)


def test_each_call_gets_its_own_values(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Ask] = []

    def build(ask: Ask) -> QuerySet[Any]:
        built.append(ask)
        return _users(ask)

    monkeypatch.setattr(statements, "_compiled", {})
    long_ago = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    asks = [
        Ask(frozenset({world.alice.pk, world.bob.pk}), (), long_ago, True),
        Ask(frozenset({world.agent.pk, world.admin.pk}), (), long_ago, True),
        Ask(frozenset({world.agent.pk, world.admin.pk}), (), dt.datetime.now(dt.UTC), True),
    ]
    for ask in asks:
        with CaptureQueriesContext(connection) as captured:
            rows = compiled_rows("users", ask, build)
        assert len(captured) == 1
        assert rows == list(_users(ask))
        assert all(isinstance(r[2], dt.datetime) for r in rows)  # converted on SQLite too
    assert len(built) == 1  # one compile, with sentinels, for the one shape
    assert flatten(built[0])[1] != flatten(asks[0])[1]
    assert [r[0] for r in compiled_rows("users", asks[0], build)] == sorted(
        [world.alice.pk, world.bob.pk]
    )


def test_a_changed_value_falls_back_to_the_orm(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``icontains`` wraps its value in %...%: the statement would keep the sentinel."""
    monkeypatch.setattr(statements, "_compiled", {})
    builds = 0

    def build(word: tuple[str]) -> QuerySet[Any]:
        nonlocal builds
        builds += 1
        return User.objects.filter(email__icontains=word[0]).order_by("pk").values_list("pk")

    for word, expected in (("alice", [world.alice.pk]), ("globex", [world.bob.pk])):
        assert compiled_rows("words", (word,), build) == [(pk,) for pk in expected]
    assert builds == 3  # the failed compile, then the ORM per call


def test_a_value_that_never_reaches_the_statement_falls_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statements, "_compiled", {})

    def build(ids: tuple[int]) -> QuerySet[Any]:
        return User.objects.filter(pk=ids[0] + 0 if ids[0] < 0 else world.alice.pk).values_list(
            "pk"
        )

    assert compiled_rows("lost", (world.bob.pk,), build) == [(world.alice.pk,)]
    key = next(iter(statements._compiled))
    assert statements._compiled[key] == "uncompilable"


def test_a_shape_that_matches_nothing_runs_no_query(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statements, "_compiled", {})

    def build(ids: tuple[int, ...]) -> QuerySet[Any]:
        return User.objects.filter(pk__in=ids).values_list("pk")

    with CaptureQueriesContext(connection) as captured:
        assert compiled_rows("none", (), build) == []
        assert compiled_rows("none", (), build) == []
    assert len(captured) == 0
