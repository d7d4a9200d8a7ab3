"""Rule conditions: every operator, all/any groups, nesting, event operators, validation and the
safe-regex guard. Pure: no database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontline.automation import conditions
from frontline.automation.conditions import matches, validate

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)

TICKET: dict[str, Any] = {
    "id": 1,
    "number": 1042,
    "status": "pending",
    "pending_reason": "requester",
    "priority": "p2",
    "type": "incident",
    "channel": "email",
    "tier": "l1",
    "team": 3,
    "assignee": None,
    "organization": 7,
    "requester": 9,
    "requester_email": "alice@acme.test",
    "language": "de",
    "category": 12,
    "category_path": [10, 11, 12],
    "tags": ["vip", "printer"],
    "watchers": [],
    "title": "Printer on fire",
    "description": "The printer in room 4 is on fire again.",
    "custom_fields": {"asset": "PRN-0042", "floor": 4},
    "created_at": NOW - dt.timedelta(hours=30),
    "updated_at": NOW - dt.timedelta(hours=2),
    "hours_since_created": 30.0,
    "hours_since_updated": 2.0,
    "business_hours_in_status": 20.0,
    "business_days_in_status": 2.5,
}


def one(field: str, op: str, value: Any = None, event: Any = None) -> bool:
    """Evaluate one condition both ways (interpreted and compiled); they must agree."""
    item: dict[str, Any] = {"field": field, "op": op}
    if value is not None:
        item["value"] = value
    result = matches({"all": [item]}, TICKET, event)
    assert conditions.compile_tree({"all": [item]})(TICKET, event) is result
    return result


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("status", "is", "pending", True),
        ("status", "is", "PENDING", True),
        ("status", "is", "open", False),
        ("status", "is_not", "open", True),
        ("status", "is_not", "pending", False),
        ("priority", "in", ["p1", "p2"], True),
        ("priority", "in", ["p3", "p4"], False),
        ("priority", "not_in", ["p3", "p4"], True),
        ("priority", "not_in", ["p2"], False),
        ("team", "is", 3, True),
        ("team", "is", "3", True),
        ("team", "is", 4, False),
        ("assignee", "is_not_set", None, True),
        ("assignee", "is_set", None, False),
        ("organization", "is_set", None, True),
        ("tags", "contains", "vip", True),
        ("tags", "contains", "VIP", True),
        ("tags", "contains", "urgent", False),
        ("tags", "not_contains", "urgent", True),
        ("tags", "not_contains", "vip", False),
        ("tags", "is", "printer", True),
        ("tags", "in", ["x", "printer"], True),
        ("title", "contains", "on fire", True),
        ("title", "contains", "ON FIRE", True),
        ("title", "contains", "flood", False),
        ("title", "not_contains", "flood", True),
        ("title", "starts_with", "printer", True),
        ("title", "starts_with", "fire", False),
        ("description", "matches", r"room \d+", True),
        ("description", "matches", r"^room", False),
        ("requester_email", "matches", r"@acme\.test$", True),
        ("hours_since_created", "gt", 24, True),
        ("hours_since_created", "gt", 30, False),
        ("hours_since_created", "gte", 30, True),
        ("hours_since_updated", "lt", 3, True),
        ("hours_since_updated", "lt", 2, False),
        ("hours_since_updated", "lte", 2, True),
        ("business_days_in_status", "gte", 2.5, True),
        ("business_days_in_status", "gte", "3", False),
        ("created_at", "lt", "2026-03-02T00:00:00Z", True),
        ("created_at", "gt", "2026-03-02T00:00:00Z", False),
        ("updated_at", "gte", "2026-03-02T08:00:00+00:00", True),
        ("custom.asset", "starts_with", "PRN", True),
        ("custom.asset", "is", "prn-0042", True),
        ("custom.floor", "gt", 3, True),
        ("custom.floor", "lte", 3, False),
        ("custom.missing", "is_not_set", None, True),
        ("custom.missing", "is_set", None, False),
        ("custom.missing", "gt", 1, False),
        ("language", "is", "de", True),
        ("language", "in", ["en", "fr"], False),
        ("channel", "is", "email", True),
        ("type", "is_not", "question", True),
        ("tier", "is", "l1", True),
    ],
)
def test_each_operator_on_each_kind_of_field(
    field: str, op: str, value: Any, expected: bool
) -> None:
    assert one(field, op, value) is expected


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("is", 12, True),  # the category itself
        ("is", 10, True),  # a rule on the parent covers its descendants
        ("is", 99, False),
        ("in", [99, 11], True),
        ("not_in", [99], True),
        ("is_not", 10, False),
        ("is_set", None, True),
    ],
)
def test_category_matches_descendants(op: str, value: Any, expected: bool) -> None:
    assert one("category", op, value) is expected


def test_uncategorised_ticket_has_no_category() -> None:
    ticket = {**TICKET, "category": None, "category_path": []}
    assert matches({"all": [{"field": "category", "op": "is_not_set"}]}, ticket)
    assert not matches({"all": [{"field": "category", "op": "is", "value": 10}]}, ticket)


def test_all_needs_every_condition_and_any_needs_one() -> None:
    yes = {"field": "status", "op": "is", "value": "pending"}
    no = {"field": "priority", "op": "is", "value": "p4"}
    assert matches({"all": [yes, yes]}, TICKET)
    assert not matches({"all": [yes, no]}, TICKET)
    assert matches({"any": [no, yes]}, TICKET)
    assert not matches({"any": [no, no]}, TICKET)
    assert matches({"all": []}, TICKET)
    assert matches({}, TICKET)
    assert not matches({"any": []}, TICKET)


def test_groups_nest() -> None:
    tree = {
        "all": [
            {"field": "status", "op": "is", "value": "pending"},
            {
                "any": [
                    {"field": "priority", "op": "is", "value": "p1"},
                    {"all": [{"field": "tags", "op": "contains", "value": "vip"}]},
                ]
            },
        ]
    }
    assert matches(tree, TICKET)
    assert not matches(tree, {**TICKET, "tags": []})
    compiled = conditions.compile_tree(tree)
    assert compiled(TICKET, None)
    assert not compiled({**TICKET, "tags": []}, None)


def test_changed_to_and_from_look_at_the_triggering_event() -> None:
    event = {"kind": "status_changed", "field": "status", "old": "open", "new": "pending"}
    assert one("status", "changed_to", "pending", event)
    assert not one("status", "changed_to", "open", event)
    assert one("status", "changed_from", "open", event)
    assert not one("status", "changed_from", "pending", event)
    assert one("status", "changed", None, event)
    assert not one("priority", "changed", None, event)  # another field's change
    assert not one("status", "changed_to", "pending", None)  # no event (a time rule)
    assigned = {"kind": "assigned", "field": "assignee", "old": None, "new": 5}
    assert one("assignee", "changed_from", None, assigned)  # from nobody
    assert not one("assignee", "changed_from", 5, assigned)
    assert matches(
        {"all": [{"field": "assignee", "op": "changed_to", "value": 5}]}, TICKET, assigned
    )


def test_validate_reports_each_problem_at_its_path() -> None:
    errors = validate(
        {
            "all": [
                {"field": "nope", "op": "is", "value": 1},
                {"field": "status", "op": "sort_of", "value": 1},
                {"field": "priority", "op": "in", "value": "p1"},
                {"field": "title", "op": "matches", "value": "(a+)+$"},
                {"field": "title", "op": "gt", "value": 3},
                {"field": "hours_since_created", "op": "gt", "value": "soon"},
                {"field": "status", "op": "is"},
                {"any": "not a list"},
            ]
        }
    )
    assert "conditions.all.0.field" in errors
    assert "conditions.all.1.op" in errors
    assert errors["conditions.all.2.value"] == ["“in” needs a list of values."]
    assert "Nested repetition" in errors["conditions.all.3.value"][0]
    assert "conditions.all.4.op" in errors
    assert errors["conditions.all.5.value"] == ["A number."]
    assert "conditions.all.6.value" in errors
    assert "conditions.all.7.any" in errors
    assert validate({"all": [{"field": "status", "op": "is", "value": "new"}]}) == {}
    assert validate({"some": []}) == {
        "conditions": ['A group is {"all": [...]} or {"any": [...]}.']
    }


@pytest.mark.parametrize(
    "pattern",
    ["(a+)+$", "(a*)*", "(x|xx)+", r"(\w+\s?)*$", r"(a)\1", "a" * 201, "([a-z]+){2,}", "[unclosed"],
)
def test_dangerous_or_broken_patterns_are_refused(pattern: str) -> None:
    assert conditions.regex_problem(pattern) is not None
    with pytest.raises(conditions.ConditionError):
        one("title", "matches", pattern)


def test_matching_is_bounded_to_the_first_characters() -> None:
    ticket = {**TICKET, "description": "x" * 50_000 + "needle"}
    tree = {"all": [{"field": "description", "op": "matches", "value": "needle"}]}
    assert not matches(tree, ticket)


@given(st.text(max_size=30), st.text(max_size=10))
def test_contains_agrees_with_python_for_any_text(title: str, needle: str) -> None:
    ticket = {**TICKET, "title": title}
    found = matches({"all": [{"field": "title", "op": "contains", "value": needle}]}, ticket)
    assert found == (needle.lower() in title.lower())
    missing = matches({"all": [{"field": "title", "op": "not_contains", "value": needle}]}, ticket)
    assert missing is not found
