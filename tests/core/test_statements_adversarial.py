"""Adversarial checks of ``frontline.core.statements``: shapes that must differ, values that
must land in their own places whatever their order or repetition, and the limits of the
one-sentinel check (a value the query changes only for *some* values)."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest
from django.conf import settings
from django.db.models import PositiveIntegerField, PositiveSmallIntegerField, QuerySet, Value

from frontline.accounts.models import User
from frontline.core import statements
from frontline.core.statements import compiled_rows, flatten, replace_values, sentinels
from frontline.tickets.models import Tag
from tests.conftest import World

ON_SQLITE = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


@pytest.fixture(autouse=True)
def _empty_statement_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(statements, "_compiled", {})


@dataclasses.dataclass(frozen=True)
class Scopeish:
    user_id: int | None
    teams: frozenset[int]
    team_orgs: dict[int, frozenset[int]]
    flag: bool = False


# --- Shapes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ((1,), ("1",)),  # int or str
        ((True,), (1,)),  # a boolean is structure, an int a value
        ((None,), (0,)),
        (((),), ([],)),
        ((1, 2), [1, 2]),
        ([frozenset({1}), frozenset({2, 3})], [frozenset({1, 2}), frozenset({3})]),
        ({1: frozenset({5}), 2: frozenset({6, 7})}, {1: frozenset({5, 6}), 2: frozenset({7})}),
        ({1: frozenset()}, {1: frozenset({2})}),
        ({1: 2}, [(1, 2)]),
        (frozenset({1, 2}), (1, 2)),
        (Scopeish(1, frozenset(), {}), Scopeish(None, frozenset(), {})),
        (Scopeish(1, frozenset(), {}), Scopeish(1, frozenset(), {}, flag=True)),
        (Scopeish(1, frozenset({2}), {}), Scopeish(1, frozenset(), {2: frozenset()})),
    ],
)
def test_different_structures_have_different_shapes(one: Any, other: Any) -> None:
    assert flatten(one)[0] != flatten(other)[0]


def test_same_structure_other_values_one_shape() -> None:
    a = Scopeish(3, frozenset({9, 1}), {7: frozenset({1}), 2: frozenset({5, 4})})
    b = Scopeish(8, frozenset({2, 3}), {1: frozenset({6}), 9: frozenset({7, 8})})
    # Sorted keys: a's dict is {2: {4, 5}, 7: {1}}, b's {1: {6}, 9: {7, 8}}: sizes differ.
    assert flatten(a)[0] != flatten(b)[0]
    c = Scopeish(8, frozenset({2, 3}), {1: frozenset({6, 0}), 9: frozenset({7})})
    assert flatten(a)[0] == flatten(c)[0]


def _random_scope(rng: random.Random) -> Scopeish:
    pool = list(range(1, 12))  # small: user, team and org ids collide on purpose
    return Scopeish(
        user_id=rng.choice([None, *pool]),
        teams=frozenset(rng.sample(pool, rng.randint(0, 3))),
        team_orgs={
            team: frozenset(rng.sample(pool, rng.randint(0, 3)))
            for team in rng.sample(pool, rng.randint(0, 3))
        },
        flag=rng.random() < 0.5,
    )


def test_sentinels_keep_every_value_in_its_own_place() -> None:
    """Replace the values by sentinels, then each sentinel by the value of its index: the
    original comes back (a dict's sets stay with their own keys, whatever the order)."""
    rng = random.Random(1)
    for _ in range(2000):
        scope = _random_scope(rng)
        shape, values = flatten(scope)
        stand_ins = sentinels(values)
        assert len(set(stand_ins)) == len(stand_ins)
        built = replace_values(scope, stand_ins)
        shape_built, found = flatten(built)
        assert shape_built == shape
        back = replace_values(built, [values[stand_ins.index(s)] for s in found])
        assert back == scope
        # Another scope of the same shape fills the same places with its own values.
        other = _random_scope(rng)
        if flatten(other)[0] == shape:
            assert replace_values(built, flatten(other)[1]) == other


# --- Values in lists: repeated, equal across places, ordered otherwise ----------------------


def _by_ids(ask: tuple[tuple[int, ...], tuple[str, ...]]) -> QuerySet[Any]:
    ids, emails = ask
    return User.objects.filter(pk__in=ids, email__in=emails).order_by("pk").values_list("email")


def test_repeated_values_in_a_list_of_a_compiled_shape(world: World) -> None:
    a, b, c = world.alice, world.bob, world.agent
    cases = [
        ((a.pk, b.pk, c.pk), (a.email, b.email, c.email)),  # compiled with three places
        ((a.pk, a.pk, a.pk), (a.email, b.email, b.email)),
        ((b.pk, a.pk, b.pk), (c.email, c.email, b.email)),
        ((c.pk, c.pk, b.pk), (c.email, a.email, c.email)),
        ((a.pk, b.pk, 10**9), (a.email, "nobody@x.test", "\ue0000\ue000")),
    ]
    for ask in cases:
        want = list(_by_ids(ask))
        assert compiled_rows("adv.repeat", ask, _by_ids) == want, ask
    assert sum(isinstance(e, statements._Compiled) for e in statements._compiled.values()) == 1


def test_equal_values_in_different_places_stay_apart(world: World) -> None:
    """The same number as a user id and as an email's place: one sentinel each."""
    pk = world.alice.pk

    def build(ask: tuple[int, int]) -> QuerySet[Any]:
        return User.objects.filter(pk=ask[0]).exclude(pk=ask[1]).values_list("email")

    assert compiled_rows("adv.equal", (pk, pk), build) == []
    assert compiled_rows("adv.equal", (pk, world.bob.pk), build) == [(world.alice.email,)]
    assert compiled_rows("adv.equal", (world.bob.pk, pk), build) == [(world.bob.email,)]
    assert compiled_rows("adv.equal", (pk, pk), build) == []


def test_a_value_changed_on_its_way_falls_back(world: World) -> None:
    def build(prefix: str) -> QuerySet[Any]:
        return User.objects.filter(email__startswith=prefix).order_by("pk").values_list("email")

    for prefix in ("alice", "b", "%", "_", ""):
        assert compiled_rows("adv.prefix", prefix, build) == list(build(prefix)), prefix
    assert list(statements._compiled.values()) == ["uncompilable"]


# --- The limits of one sentinel ---------------------------------------------------------------


def test_iexact_which_escapes_some_values_is_not_compiled(db: None) -> None:
    Tag.objects.create(name="abc")
    Tag.objects.create(name="a_c")

    def build(name: str) -> QuerySet[Any]:
        return Tag.objects.filter(name__iexact=name).values_list("name")

    assert compiled_rows("adv.iexact", "zzz", build) == []
    assert compiled_rows("adv.iexact", "A_C", build) == [("a_c",)]


def test_a_small_integer_column_out_of_the_sentinels_range_uses_the_orm(world: World) -> None:
    def build(depth: int) -> QuerySet[Any]:
        small = Value(0, output_field=PositiveSmallIntegerField())
        return (
            User.objects.annotate(depth=small)
            .filter(depth=depth, pk=world.alice.pk)
            .values_list("email")
        )

    assert list(build(0)) == [(world.alice.email,)]
    assert compiled_rows("adv.small", 0, build) == [(world.alice.email,)]


def test_a_32_bit_column_against_a_value_beyond_it_uses_the_orm(world: World) -> None:
    def build(position: int) -> QuerySet[Any]:
        small = Value(0, output_field=PositiveIntegerField())
        return User.objects.annotate(position=small).filter(position=position).values_list("pk")

    assert compiled_rows("adv.int4", 0, build) == list(build(0))
    assert list(build(2**40)) == []
    assert compiled_rows("adv.int4", 2**40, build) == []
