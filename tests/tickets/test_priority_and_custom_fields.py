"""The pure domain pieces: the impact × urgency matrix and custom field validation."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontline.tickets.custom_fields import MAX_TEXT, FieldSpec, clean_custom_fields
from frontline.tickets.models import Level, Priority
from frontline.tickets.priority import DEFAULT_MATRIX, priority_for

LEVELS = ["low", "medium", "high"]
RANK = {"p1": 1, "p2": 2, "p3": 3, "p4": 4}

# --- Priority matrix ------------------------------------------------------------------------


def test_default_matrix_covers_every_cell_with_a_known_priority() -> None:
    assert set(DEFAULT_MATRIX) == set(itertools.product(Level.values, Level.values))
    assert set(DEFAULT_MATRIX.values()) <= set(Priority.values)


def test_the_worst_and_the_mildest_cells() -> None:
    assert priority_for("high", "high") == "p1"
    assert priority_for("low", "low") == "p4"


@given(st.sampled_from(LEVELS), st.sampled_from(LEVELS), st.sampled_from(LEVELS))
def test_more_impact_or_urgency_never_lowers_the_priority(a: str, b: str, c: str) -> None:
    low, high = sorted([a, b], key=LEVELS.index)
    assert RANK[priority_for(high, c)] <= RANK[priority_for(low, c)]
    assert RANK[priority_for(c, high)] <= RANK[priority_for(c, low)]


def test_an_edited_matrix_wins_and_the_default_fills_its_gaps() -> None:
    matrix = {("low", "low"): "p1"}
    assert priority_for("low", "low", matrix) == "p1"
    assert priority_for("high", "high", matrix) == "p1"
    assert priority_for("medium", "low", matrix) == DEFAULT_MATRIX[("medium", "low")]
    assert priority_for("medium", "low", {}) == DEFAULT_MATRIX[("medium", "low")]


# --- Custom fields --------------------------------------------------------------------------

TEXT = FieldSpec(key="note", label="Note", field_type="text")
NUMBER = FieldSpec(key="qty", label="Quantity", field_type="number")
CHOICE = FieldSpec(key="os", label="OS", field_type="choice", choices=("linux", "windows"))
DATE = FieldSpec(key="due", label="Due", field_type="date")
REQUIRED = FieldSpec(key="asset", label="Asset tag", field_type="text", required=True)


@pytest.mark.parametrize(
    ("spec", "raw", "clean"),
    [
        (TEXT, "  hello  ", "hello"),
        (TEXT, 42, "42"),
        (NUMBER, "3", 3),
        (NUMBER, 3, 3),
        (NUMBER, "3.50", 3.5),
        (NUMBER, " -2 ", -2),
        (NUMBER, "1e3", 1000),
        (NUMBER, 2.0, 2),
        (NUMBER, "999999999999999", 999_999_999_999_999),
        (NUMBER, "1e-999999999", 0.0),
        (CHOICE, "linux", "linux"),
        (DATE, "2026-02-28", "2026-02-28"),
        (DATE, " 2026-02-28 ", "2026-02-28"),
    ],
)
def test_valid_values_are_cleaned(spec: FieldSpec, raw: Any, clean: Any) -> None:
    cleaned, errors = clean_custom_fields([spec], {spec.key: raw})
    assert errors == {}
    assert cleaned == {spec.key: clean}
    assert type(cleaned[spec.key]) is type(clean)


@pytest.mark.parametrize(
    ("spec", "raw"),
    [
        (TEXT, ["a", "list"]),
        (TEXT, {"a": 1}),
        (TEXT, "x" * (MAX_TEXT + 1)),
        (NUMBER, "three"),
        (NUMBER, True),
        (NUMBER, "NaN"),
        (NUMBER, "Infinity"),
        (NUMBER, [1]),
        (CHOICE, "LINUX"),
        (CHOICE, "beos"),
        (DATE, "2026-02-30"),
        (DATE, "28/02/2026"),
        (NUMBER, "1e15"),
        (NUMBER, "-1e15"),
        (NUMBER, "1e5000"),
        (NUMBER, "1e999999999"),
        (NUMBER, "9" * 5000),
    ],
)
def test_invalid_values_are_errors_on_their_key(spec: FieldSpec, raw: Any) -> None:
    cleaned, errors = clean_custom_fields([spec], {spec.key: raw})
    assert list(errors) == [f"custom_fields.{spec.key}"]
    assert errors[f"custom_fields.{spec.key}"][0]
    assert spec.key not in cleaned


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_a_required_field_must_have_a_value(missing: Any) -> None:
    values = {} if missing is None else {"asset": missing}
    _, errors = clean_custom_fields([REQUIRED], values)
    assert errors == {"custom_fields.asset": ["Asset tag is required."]}


def test_empty_optional_values_are_left_out() -> None:
    cleaned, errors = clean_custom_fields([TEXT, NUMBER], {"note": "  ", "qty": None})
    assert (cleaned, errors) == ({}, {})


def test_unknown_keys_are_errors_not_silently_dropped() -> None:
    cleaned, errors = clean_custom_fields([TEXT], {"note": "ok", "colour": "red"})
    assert cleaned == {"note": "ok"}
    assert list(errors) == ["custom_fields.colour"]


def test_every_error_is_reported_at_once() -> None:
    _, errors = clean_custom_fields(
        [REQUIRED, NUMBER, CHOICE], {"qty": "many", "os": "beos", "extra": 1}
    )
    assert set(errors) == {
        "custom_fields.asset",
        "custom_fields.qty",
        "custom_fields.os",
        "custom_fields.extra",
    }


def test_no_values_and_no_specs_is_clean() -> None:
    assert clean_custom_fields([], None) == ({}, {})


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_whole_numbers_survive_as_integers(number: int) -> None:
    for raw in (number, str(number), float(number)):
        cleaned, errors = clean_custom_fields([NUMBER], {"qty": raw})
        assert errors == {}
        assert cleaned["qty"] == number
        assert isinstance(cleaned["qty"], int)


@given(st.dates())
def test_dates_round_trip_in_iso_form(day: Any) -> None:
    cleaned, errors = clean_custom_fields([DATE], {"due": day.isoformat()})
    assert errors == {}
    assert cleaned == {"due": day.isoformat()}


@given(st.text(max_size=MAX_TEXT))
def test_text_is_stored_stripped_or_refused_never_raises(text: str) -> None:
    cleaned, errors = clean_custom_fields([TEXT], {"note": text})
    if text.strip():
        assert cleaned == {"note": text.strip()}
    else:
        assert cleaned == {}
    assert errors == {}
