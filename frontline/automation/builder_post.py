"""Reading the rule builder's posted form back into rows (``builder.State``).

Nothing is lost: a value that is not valid stays as typed, for the services' validator to
name; hidden JSON inputs (``-extra``, ``-saved``) are parsed strictly and size-capped. The
form names are described in ``builder``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from django.http import QueryDict

from frontline.automation import conditions
from frontline.automation.builder import (
    ACTION_KEY,
    CHOICES,
    FIELD_LABELS,
    KIND_KEY,
    Act,
    Catalog,
    Cond,
    Group,
    State,
    operators_for,
)

# -- values --------------------------------------------------------------------


MAX_JSON = 20_000  # characters of a hidden JSON input (a rule is far smaller)
_INTEGER = re.compile(r"^-?[0-9]{1,18}$")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def load_json(text: str) -> Any:
    """Strict JSON from a form: no NaN / Infinity (no database stores them), and nesting too
    deep for the parser is a ValueError like any other bad input, not a crash."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _hidden_json(data: QueryDict, name: str) -> Any:
    text = data.get(name) or ""
    if not text or len(text) > MAX_JSON:
        return None
    try:
        return load_json(text)
    except ValueError:  # JSONDecodeError too
        return None


def _extra(data: QueryDict, prefix: str) -> dict[str, Any]:
    found = _hidden_json(data, f"{prefix}-extra")
    return found if isinstance(found, dict) else {}


def _number(text: str) -> Any:
    """An int or a finite float from the text, else the text (the validator names it)."""
    text = text.strip()
    if _INTEGER.match(text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _ident(text: str) -> Any:
    """An id (ASCII digits, at most 18 of them), else the text as typed."""
    text = text.strip()
    if not text:
        return None
    return int(text) if _INTEGER.match(text) else text


def as_json(value: Any) -> str:
    # Types matter: True == 1 == 1.0 in Python, not in a rule.
    return json.dumps(value, sort_keys=True, default=str)


def _saved_value(data: QueryDict, prefix: str, name: str, op: str, raw: list[str]) -> Any:
    """The row's saved value when nothing about it was touched, else _MISSING."""
    saved = _hidden_json(data, f"{prefix}-saved")
    if (
        isinstance(saved, dict)
        and "value" in saved
        and saved.get("field") == name
        and saved.get("op") == op
        and saved.get("shown") == raw
    ):
        return saved["value"]
    return _MISSING


_MISSING: Any = object()


def _text(text: str) -> str:
    return text.replace("\r\n", "\n")


def value_kind(name: str, catalog: Catalog) -> str:
    """How a condition's value is entered: select (one of known options), text, number."""
    kind = conditions.field_kind(name)
    if name in CHOICES or kind in ("id", "category"):
        return "select" if name != "requester" else "ident"
    if kind == "number":
        return "number"
    if kind == "custom":
        custom = catalog.custom.get(name[len(conditions.CUSTOM_PREFIX) :])
        if custom and custom[1] == "choice":
            return "select"
        if custom and custom[1] == "number":
            return "number"
    return "text"


def typed_value(name: str, op: str, raw: list[str], catalog: Catalog) -> Any:
    """The JSON value of a condition from its posted strings."""
    kind = conditions.field_kind(name)
    how = value_kind(name, catalog)
    if op in conditions.LIST_VALUE:
        parts = raw if how == "select" else [p for t in raw for p in t.split(",")]
        parts = [p.strip() for p in parts if p.strip()]
        if kind in ("id", "category"):
            return [_ident(p) for p in parts]
        if how == "number":
            return [_number(p) for p in parts]
        return parts
    text = raw[0] if raw else ""
    if kind in ("id", "category"):
        return _ident(text)
    if how == "number" or (kind == "custom" and op in conditions.ORDERED):
        number = _number(text)
        return number if text.strip() else ""
    if how == "select":
        return text or None
    return _text(text)


def from_post(data: QueryDict, catalog: Catalog) -> State:
    """Rows from a posted builder form (nothing is lost: bad values stay as typed)."""
    root = Group(
        prefix="c", match=data.get("c-match", "all"), empty_form=data.get("c-empty") == "1"
    )
    if root.match not in ("all", "any"):
        root.match = "all"
    nodes: dict[str, Group | Cond] = {"c": root}
    prefixes = sorted(
        (m.group(1) for m in map(KIND_KEY.match, data.keys()) if m),
        key=lambda p: [int(x) for x in p.split("-")[1:]],
    )
    for prefix in prefixes:
        parent = nodes.get(prefix.rsplit("-", 1)[0])
        if not isinstance(parent, Group):
            continue
        node: Group | Cond
        if data.get(f"{prefix}-kind") == "group":
            match = data.get(f"{prefix}-match", "any")
            node = Group(
                prefix=prefix,
                match=match if match in ("all", "any") else "any",
                depth=parent.depth + 1,
            )
        else:
            node = _condition(data, prefix, catalog, data.getlist(f"{prefix}-value"))
        parent.children.append(node)
        nodes[prefix] = node
    acts = sorted(
        (m.group(1) for m in map(ACTION_KEY.match, data.keys()) if m),
        key=lambda p: int(p.split("-")[1]),
    )
    return State(root=root, actions=[action_from_post(data, prefix) for prefix in acts])


def action_from_post(data: QueryDict, prefix: str) -> Act:
    kind = data.get(f"{prefix}-type", "")

    def get(key: str) -> str:
        return str(data.get(f"{prefix}-{key}", ""))

    params: dict[str, Any] = {}
    if kind == "set_field":
        name = get("field")
        params["field"] = name
        params["value"] = _ident(get("value")) if name in ("team", "category") else get("value")
        if name == "status":
            params["pending_reason"] = get("pending_reason")
    elif kind == "assign":
        params["to"] = "routing" if get("to") == "routing" else _ident(get("to"))
    elif kind == "add_tag":
        params["tag"] = get("tag")
    elif kind == "add_watcher":
        params["user"] = _ident(get("user"))
    elif kind == "canned_reply":
        params["canned_response"] = _ident(get("canned_response"))
    elif kind == "notify":
        params["to"] = get("to")
        params["user"] = _ident(get("user"))
        params["subject"] = _text(get("subject"))
        params["body"] = _text(get("body"))
    elif kind == "escalate":
        params["tier"] = get("tier")
        params["team"] = _ident(get("team"))
    return Act(prefix=prefix, type=kind, params=params, extra=_extra(data, prefix))


def _condition(
    data: QueryDict,
    prefix: str,
    catalog: Catalog,
    raw: list[str],
    name: str | None = None,
    op: str | None = None,
) -> Cond:
    name = data.get(f"{prefix}-field", "") if name is None else name
    op = data.get(f"{prefix}-op", "") if op is None else op
    value = _saved_value(data, prefix, name, op, raw)
    if value is _MISSING:
        value = typed_value(name, op, raw, catalog)
    return Cond(prefix=prefix, field=name, op=op, value=value, extra=_extra(data, prefix))


def condition_from_post(data: QueryDict, prefix: str, catalog: Catalog, changed: str) -> Cond:
    """One condition row, re-fitted after its ``changed`` input (field or op) changed (the
    htmx partial): the operator falls back to the field's first one, and the value follows
    the new shape."""
    name, op = data.get(f"{prefix}-field", ""), data.get(f"{prefix}-op", "")
    trigger = data.get("trigger", "")
    if changed == "field" and name not in FIELD_LABELS and conditions.field_kind(name) is None:
        name = "status"
    ops = operators_for(name, trigger)
    if changed == "field" or op not in ops:
        op = ops[0] if ops else op
        raw: list[str] = []
    else:
        raw = data.getlist(f"{prefix}-value")
    return _condition(data, prefix, catalog, raw, name, op)
