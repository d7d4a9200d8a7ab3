"""Rule conditions (pure: no ORM). A condition tree is evaluated against a plain dict snapshot
of a ticket (see ``frontline.automation.snapshot``) and, for event rules, the triggering event.

A tree is a group ``{"all": [...]}`` or ``{"any": [...]}`` whose items are conditions
``{"field": "priority", "op": "in", "value": ["p1", "p2"]}`` or nested groups. An empty group
``{}`` / ``{"all": []}`` matches everything. ``validate`` returns field messages keyed by the
item's path ("conditions.all.0.op") so an editor shows them next to what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

MAX_DEPTH = 4
MAX_ITEMS = 50
MAX_PATTERN = 200
MAX_SUBJECT = 10_000

FIELDS: dict[str, str] = {
    # name → kind: "choice" (string compare), "id" (a number id), "text", "list", "number",
    # "datetime", "category" (matches the category or any ancestor of the ticket's category).
    "status": "choice",
    "pending_reason": "choice",
    "priority": "choice",
    "type": "choice",
    "channel": "choice",
    "tier": "choice",
    "language": "choice",
    "team": "id",
    "assignee": "id",
    "organization": "id",
    "requester": "id",
    "category": "category",
    "tags": "list",
    "title": "text",
    "description": "text",
    "requester_email": "text",
    "hours_since_created": "number",
    "hours_since_updated": "number",
    "business_hours_in_status": "number",
    "business_days_in_status": "number",
    "created_at": "datetime",
    "updated_at": "datetime",
}
CUSTOM_PREFIX = "custom."

OPERATORS = (
    "is",
    "is_not",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "starts_with",
    "matches",
    "gt",
    "gte",
    "lt",
    "lte",
    "is_set",
    "is_not_set",
    "changed",
    "changed_to",
    "changed_from",
)
NO_VALUE = frozenset({"is_set", "is_not_set", "changed"})
LIST_VALUE = frozenset({"in", "not_in"})
ORDERED = frozenset({"gt", "gte", "lt", "lte"})
EVENT_OPS = frozenset({"changed", "changed_to", "changed_from"})

# Quantified groups that are themselves quantified ((a+)+, (a|aa)*) and backreferences are
# what makes a backtracking engine take exponential time; refuse them outright.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{?]")
_ALTERNATION_QUANTIFIED = re.compile(r"\((?:[^()\\]|\\.)*\|(?:[^()\\]|\\.)*\)\s*[+*{]")
_BACKREF = re.compile(r"\\[1-9]|\(\?P=")


class ConditionError(ValueError):
    """A condition tree that cannot be evaluated (``validate`` reports it before save)."""


def regex_problem(pattern: Any) -> str | None:
    """Why ``pattern`` is not a safe regular expression, or None."""
    if not isinstance(pattern, str) or not pattern:
        return "Give a regular expression."
    if len(pattern) > MAX_PATTERN:
        return f"At most {MAX_PATTERN} characters."
    if (
        _NESTED_QUANTIFIER.search(pattern)
        or _ALTERNATION_QUANTIFIED.search(pattern)
        or _BACKREF.search(pattern)
    ):
        return "Nested repetition and backreferences are not allowed (they can take forever)."
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"Not a valid regular expression: {exc}."
    return None


_compiled: dict[str, re.Pattern[str]] = {}


def _regex(pattern: str) -> re.Pattern[str]:
    found = _compiled.get(pattern)
    if found is None:
        problem = regex_problem(pattern)
        if problem:
            raise ConditionError(problem)
        found = re.compile(pattern, re.IGNORECASE)
        if len(_compiled) < 1000:
            _compiled[pattern] = found
    return found


def field_kind(name: str) -> str | None:
    if name.startswith(CUSTOM_PREFIX) and len(name) > len(CUSTOM_PREFIX):
        return "custom"
    return FIELDS.get(name)


# -- validation -----------------------------------------------------------------------------


def validate(tree: Any, path: str = "conditions") -> dict[str, list[str]]:
    """Field messages for everything wrong with ``tree`` (empty when it is usable)."""
    errors: dict[str, list[str]] = {}
    _validate_group(tree, path, 0, errors)
    return errors


def _add(errors: dict[str, list[str]], path: str, message: str) -> None:
    errors.setdefault(path, []).append(message)


def _validate_group(tree: Any, path: str, depth: int, errors: dict[str, list[str]]) -> None:
    if tree in (None, {}):
        return
    if not isinstance(tree, Mapping) or len(tree) != 1 or next(iter(tree)) not in ("all", "any"):
        _add(errors, path, 'A group is {"all": [...]} or {"any": [...]}.')
        return
    if depth >= MAX_DEPTH:
        _add(errors, path, f"Groups nest at most {MAX_DEPTH} deep.")
        return
    key = next(iter(tree))
    items = tree[key]
    if not isinstance(items, list):
        _add(errors, f"{path}.{key}", "A list of conditions.")
        return
    if len(items) > MAX_ITEMS:
        _add(errors, f"{path}.{key}", f"At most {MAX_ITEMS} conditions in a group.")
    for index, item in enumerate(items):
        where = f"{path}.{key}.{index}"
        if isinstance(item, Mapping) and ("all" in item or "any" in item):
            _validate_group(item, where, depth + 1, errors)
        else:
            _validate_condition(item, where, errors)


def _validate_condition(item: Any, path: str, errors: dict[str, list[str]]) -> None:
    if not isinstance(item, Mapping):
        _add(errors, path, 'A condition is {"field": ..., "op": ..., "value": ...}.')
        return
    name = item.get("field")
    kind = field_kind(name) if isinstance(name, str) else None
    if kind is None:
        known = ", ".join([*FIELDS, "custom.<key>"])
        _add(errors, f"{path}.field", f"Unknown field “{name}”. Known: {known}.")
    op = item.get("op")
    if op not in OPERATORS:
        _add(errors, f"{path}.op", f"Unknown operator “{op}”. Known: {', '.join(OPERATORS)}.")
        return
    value = item.get("value")
    if op in NO_VALUE:
        return
    if "value" not in item:
        _add(errors, f"{path}.value", f"“{op}” needs a value.")
    elif op in LIST_VALUE and not isinstance(value, list):
        _add(errors, f"{path}.value", f"“{op}” needs a list of values.")
    elif op == "matches":
        problem = regex_problem(value)
        if problem:
            _add(errors, f"{path}.value", problem)
    elif op in ORDERED:
        if kind == "number" and not _is_number(value):
            _add(errors, f"{path}.value", "A number.")
        elif kind == "datetime" and _as_datetime(value) is None:
            _add(errors, f"{path}.value", "A date and time like 2026-03-02T10:00:00Z.")
        elif kind in ("choice", "text", "list", "category", "id"):
            _add(errors, f"{path}.op", f"“{op}” compares numbers and dates, not “{name}”.")


# -- evaluation -----------------------------------------------------------------------------


def matches(tree: Any, ticket: Mapping[str, Any], event: Mapping[str, Any] | None = None) -> bool:
    """Whether ``ticket`` (a snapshot dict) and ``event`` satisfy the condition ``tree``."""
    if tree in (None, {}):
        return True
    if not isinstance(tree, Mapping) or len(tree) != 1:
        raise ConditionError("A group is {'all': [...]} or {'any': [...]}.")
    key, items = next(iter(tree.items()))
    if key == "all":
        return all(_item(i, ticket, event) for i in items)
    if key == "any":
        return any(_item(i, ticket, event) for i in items)
    raise ConditionError(f"Unknown group {key!r}.")


Predicate = Callable[[Mapping[str, Any], Mapping[str, Any] | None], bool]


def compile_tree(tree: Any) -> Predicate:
    """A function equivalent to ``matches(tree, ...)``, with the tree walked and the expected
    values normalised once: what the engine keeps per rule version (a rule is evaluated on
    every event of its trigger). Raises ConditionError for a tree ``validate`` refuses."""
    if tree in (None, {}):
        return lambda ticket, event: True
    if not isinstance(tree, Mapping) or len(tree) != 1:
        raise ConditionError("A group is {'all': [...]} or {'any': [...]}.")
    key, items = next(iter(tree.items()))
    if key not in ("all", "any") or not isinstance(items, list):
        raise ConditionError(f"Unknown group {key!r}.")
    parts = [
        compile_tree(i) if isinstance(i, Mapping) and ("all" in i or "any" in i) else _compile(i)
        for i in items
    ]
    if key == "all":
        return lambda ticket, event: all(part(ticket, event) for part in parts)
    return lambda ticket, event: any(part(ticket, event) for part in parts)


def _compile(item: Mapping[str, Any]) -> Predicate:
    name, op, expected = str(item.get("field", "")), str(item.get("op")), item.get("value")
    kind = field_kind(name)
    if kind is None:
        raise ConditionError(f"Unknown field {name!r}.")
    if op not in OPERATORS:
        raise ConditionError(f"Unknown operator {op!r}.")
    if op == "matches":
        _regex(str(expected))  # refuse an unsafe pattern now
    if kind in ("category", "custom", "list") or op not in ("is", "is_not", "in", "not_in"):
        return lambda ticket, event: condition(item, ticket, event)
    wanted = _as_list(expected) if op in LIST_VALUE else [expected]
    has_none = any(w is None for w in wanted)
    normalised = [_norm(w) for w in wanted if w is not None]
    negate = op in ("is_not", "not_in")

    def test(ticket: Mapping[str, Any], event: Mapping[str, Any] | None) -> bool:
        actual = ticket.get(name)
        hit = has_none if actual is None else _norm(actual) in normalised
        return hit is not negate

    return test


def _item(item: Mapping[str, Any], ticket: Mapping[str, Any], event: Any) -> bool:
    if "all" in item or "any" in item:
        return matches(item, ticket, event)
    return condition(item, ticket, event)


def field_value(ticket: Mapping[str, Any], name: str) -> Any:
    if name.startswith(CUSTOM_PREFIX):
        return (ticket.get("custom_fields") or {}).get(name[len(CUSTOM_PREFIX) :])
    return ticket.get(name)


def condition(
    item: Mapping[str, Any], ticket: Mapping[str, Any], event: Mapping[str, Any] | None = None
) -> bool:
    """One condition ``{"field", "op", "value"}`` against the snapshot (and event)."""
    name, op, expected = str(item.get("field", "")), str(item.get("op")), item.get("value")
    kind = field_kind(name)
    if kind is None:
        raise ConditionError(f"Unknown field {name!r}.")
    if op in EVENT_OPS:
        return _event_condition(name, op, expected, event)
    actual = field_value(ticket, name)
    if kind == "category":
        actual = list(ticket.get("category_path") or [])
        return _category(op, actual, expected)
    if op == "is_set":
        return _is_set(actual)
    if op == "is_not_set":
        return not _is_set(actual)
    if op == "is":
        return _equal(actual, expected)
    if op == "is_not":
        return not _equal(actual, expected)
    if op == "in":
        return any(_equal(actual, v) for v in expected or [])
    if op == "not_in":
        return not any(_equal(actual, v) for v in expected or [])
    if op in ("contains", "not_contains"):
        found = _contains(actual, expected)
        return found if op == "contains" else not found
    if op == "starts_with":
        return isinstance(actual, str) and actual.lower().startswith(str(expected).lower())
    if op == "matches":
        if actual is None:
            return False
        text = actual if isinstance(actual, str) else " ".join(map(str, _as_list(actual)))
        return _regex(str(expected)).search(text[:MAX_SUBJECT]) is not None
    if op in ORDERED:
        return _ordered(op, actual, expected)
    raise ConditionError(f"Unknown operator {op!r}.")


def _event_condition(name: str, op: str, expected: Any, event: Mapping[str, Any] | None) -> bool:
    """changed / changed to / changed from look at the triggering event's field change."""
    if not event or event.get("field") != _event_field(name):
        return False
    old, new = event.get("old"), event.get("new")
    if op == "changed":
        return old != new
    if op == "changed_to":
        return _equal(new, expected) and old != new
    return _equal(old, expected) and old != new


def _event_field(name: str) -> str:
    return "custom_fields" if name.startswith(CUSTOM_PREFIX) else name


def _category(op: str, path: list[Any], expected: Any) -> bool:
    if op == "is_set":
        return bool(path)
    if op == "is_not_set":
        return not path
    wanted = _as_list(expected)
    hit = any(_equal(node, w) for node in path for w in wanted)
    if op in ("is", "in", "contains"):
        return hit
    if op in ("is_not", "not_in", "not_contains"):
        return not hit
    raise ConditionError(f"“{op}” does not apply to a category.")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


def _is_set(value: Any) -> bool:
    return value not in (None, "", [], {})


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1].isdigit() or stripped[:1] == "-":
            digits = stripped.lstrip("-").replace(".", "", 1)
            if digits.isdigit():
                return float(stripped)
        return stripped.lower()
    return value


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list | tuple):
        return any(_equal(a, expected) for a in actual)
    if actual is None or expected is None:
        return actual is None and expected is None
    return bool(_norm(actual) == _norm(expected))


def _contains(actual: Any, expected: Any) -> bool:
    if actual is None:
        return False
    if isinstance(actual, list | tuple | set | frozenset):
        return any(_equal(a, expected) for a in actual)
    return str(expected).lower() in str(actual).lower()


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def _as_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def _ordered(op: str, actual: Any, expected: Any) -> bool:
    if actual is None or expected is None:
        return False
    left: Any
    right: Any
    if isinstance(actual, dt.datetime | dt.date) or (
        _as_datetime(expected) is not None and not _is_number(expected)
    ):
        left, right = _as_datetime(actual), _as_datetime(expected)
        if left is None or right is None:
            return False
    elif _is_number(actual) and _is_number(expected):
        left, right = float(actual), float(expected)
    else:
        return False
    if op == "gt":
        return bool(left > right)
    if op == "gte":
        return bool(left >= right)
    if op == "lt":
        return bool(left < right)
    return bool(left <= right)
