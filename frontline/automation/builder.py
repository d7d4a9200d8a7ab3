"""The point-and-click rule builder: turns a rule's JSON definition into rows of selects and
inputs, and the posted rows back into the same JSON definition.

The builder does not validate: what it produces goes to the services, whose validator
(``conditions.validate`` + ``actions.validate``) stays the only authority. Their messages are
keyed by path ("conditions.all.1.any.0.value", "actions.2.user"); ``place_errors`` puts each
next to the row it concerns, using the map from JSON paths to row prefixes that
``definition`` returns.

Form names (flat, so a plain form post carries everything and works without JavaScript):
the root condition group is ``c`` (``c-match`` = all / any); its items are ``c-0``, ``c-1``…,
the items of a nested group ``c-1-0``…; each item has ``<prefix>-kind`` (cond / group) and a
condition has ``-field``, ``-op``, ``-value`` (repeated for lists). Actions are ``a-0``, ``a-1``…
with ``-type`` and one input per parameter. ``-extra`` carries keys the builder does not
show (JSON), so any rule saves back to an identical definition.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from django.http import QueryDict

from frontline.accounts.models import Tier
from frontline.automation import actions as rule_actions
from frontline.automation import conditions
from frontline.automation.models import Trigger
from frontline.tickets.models import Channel, PendingReason, Priority, Status, TicketType

# -- what the selects offer ------------------------------------------------------------------

FIELD_GROUPS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Ticket",
        [
            ("status", "Status"),
            ("pending_reason", "Pending reason"),
            ("priority", "Priority"),
            ("type", "Type"),
            ("channel", "Channel"),
            ("tier", "Tier"),
            ("team", "Team"),
            ("assignee", "Assignee"),
            ("category", "Category (and its sub-categories)"),
            ("tags", "Tags"),
            ("title", "Title"),
            ("description", "Description"),
        ],
    ),
    (
        "Requester",
        [
            ("organization", "Organization"),
            ("requester", "Requester (user id)"),
            ("requester_email", "Requester email"),
            ("language", "Requester language"),
        ],
    ),
    (
        "Time",
        [
            ("business_hours_in_status", "Business hours in this status"),
            ("business_days_in_status", "Business days in this status"),
            ("hours_since_created", "Hours since created"),
            ("hours_since_updated", "Hours since updated"),
            ("created_at", "Created at"),
            ("updated_at", "Updated at"),
        ],
    ),
]
FIELD_LABELS = {name: label for _, fields in FIELD_GROUPS for name, label in fields}

_EQUALITY = ["is", "is_not", "in", "not_in", "is_set", "is_not_set"]
_CHANGES = ["changed", "changed_to", "changed_from"]
KIND_OPS: dict[str, list[str]] = {
    "choice": [*_EQUALITY, *_CHANGES],
    "id": [*_EQUALITY, *_CHANGES],
    "category": [*_EQUALITY, *_CHANGES],
    "list": ["contains", "not_contains", "matches", "is_set", "is_not_set"],
    "text": [
        "contains",
        "not_contains",
        "is",
        "is_not",
        "starts_with",
        "matches",
        "is_set",
        "is_not_set",
        *_CHANGES,
    ],
    "number": ["gte", "gt", "lte", "lt", "is", "is_not"],
    "datetime": ["gte", "gt", "lte", "lt", "is_set", "is_not_set"],
    "custom": [
        "is",
        "is_not",
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
    ],
}
OP_LABELS = {
    "is": "is",
    "is_not": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "matches": "matches the pattern",
    "gt": "is more than",
    "gte": "is at least",
    "lt": "is less than",
    "lte": "is at most",
    "is_set": "is set",
    "is_not_set": "is not set",
    "changed": "changed (by the event)",
    "changed_to": "changed to",
    "changed_from": "changed from",
}
UNITS = {
    "business_hours_in_status": "business hours",
    "business_days_in_status": "business days",
    "hours_since_created": "hours",
    "hours_since_updated": "hours",
}
CHOICES: dict[str, list[tuple[str, str]]] = {
    "status": list(Status.choices),
    "pending_reason": list(PendingReason.choices),
    "priority": list(Priority.choices),
    "type": list(TicketType.choices),
    "channel": list(Channel.choices),
    "tier": list(Tier.choices),
}
ACTION_LABELS = {
    "set_field": "Set a field",
    "assign": "Assign",
    "add_tag": "Add a tag",
    "add_watcher": "Add a watcher",
    "canned_reply": "Reply with a canned response",
    "notify": "Notify by email",
    "escalate": "Escalate",
}
ACTION_KEYS: dict[str, tuple[str, ...]] = {
    "set_field": ("field", "value", "pending_reason"),
    "assign": ("to",),
    "add_tag": ("tag",),
    "add_watcher": ("user",),
    "canned_reply": ("canned_response",),
    "notify": ("to", "user", "subject", "body"),
    "escalate": ("tier", "team"),
}
SETTABLE_LABELS = {
    "status": "Status",
    "priority": "Priority",
    "type": "Type",
    "team": "Team (escalates)",
    "tier": "Tier (escalates)",
    "category": "Category",
}
NOTIFY_LABELS = {"assignee": "the assignee", "team_lead": "the team lead", "user": "a user"}
MATCH_LABELS = [("all", "all of"), ("any", "any of")]
MAX_DEPTH = conditions.MAX_DEPTH
PREFIX = re.compile(r"^(?:c(?:-\d{1,3}){1,6}|a-\d{1,3})$")
_KIND_KEY = re.compile(r"^(c(?:-\d{1,3}){1,6})-kind$")
_ACTION_KEY = re.compile(r"^(a-\d{1,3})-type$")


@dataclass
class Catalog:
    """The options of the value selects, loaded once per page (see selectors.builder_catalog)."""

    teams: list[tuple[str, str]] = _field(default_factory=list)
    agents: list[tuple[str, str]] = _field(default_factory=list)
    organizations: list[tuple[str, str]] = _field(default_factory=list)
    categories: list[tuple[str, str]] = _field(default_factory=list)
    canned: list[tuple[str, str]] = _field(default_factory=list)
    # custom field key → (label, type, choices)
    custom: dict[str, tuple[str, str, list[str]]] = _field(default_factory=dict)


# -- rows ------------------------------------------------------------------------------------


@dataclass
class Widget:
    """One input: kind is select, multi, text, number, textarea or none."""

    name: str
    kind: str
    label: str
    options: list[tuple[str, str]] = _field(default_factory=list)
    selected: list[str] = _field(default_factory=list)
    text: str = ""
    unit: str = ""
    placeholder: str = ""
    htmx: bool = False
    groups: list[tuple[str, list[tuple[str, str]]]] = _field(default_factory=list)

    @property
    def id(self) -> str:
        return f"id_{self.name}"

    @property
    def prefix(self) -> str:
        return self.name.rsplit("-", 1)[0]


@dataclass
class Cond:
    prefix: str
    field: str = "status"
    op: str = "is"
    value: Any = None
    extra: dict[str, Any] = _field(default_factory=dict)
    errors: list[str] = _field(default_factory=list)
    widgets: list[Widget] = _field(default_factory=list)
    is_group = False

    @property
    def extra_json(self) -> str:
        return json.dumps(self.extra, ensure_ascii=False) if self.extra else ""


@dataclass
class Group:
    prefix: str
    match: str = "all"
    children: list[Cond | Group] = _field(default_factory=list)
    depth: int = 0
    errors: list[str] = _field(default_factory=list)
    empty_form: bool = False  # root only: saved as {} when it has no items
    match_options: list[tuple[str, str]] = _field(default_factory=lambda: MATCH_LABELS)
    is_group = True

    @property
    def can_nest(self) -> bool:
        return self.depth + 1 < MAX_DEPTH

    def next_prefix(self) -> str:
        used = [int(child.prefix.rsplit("-", 1)[1]) for child in self.children]
        return f"{self.prefix}-{max(used, default=-1) + 1}"


@dataclass
class Act:
    prefix: str
    type: str = "add_tag"
    params: dict[str, Any] = _field(default_factory=dict)
    extra: dict[str, Any] = _field(default_factory=dict)
    errors: list[str] = _field(default_factory=list)
    widgets: list[Widget] = _field(default_factory=list)

    @property
    def extra_json(self) -> str:
        return json.dumps(self.extra, ensure_ascii=False) if self.extra else ""


@dataclass
class State:
    """The builder's content: the root condition group and the action rows."""

    root: Group
    actions: list[Act]
    action_errors: list[str] = _field(default_factory=list)

    # -- to JSON ------------------------------------------------------------------------

    def definition(self) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
        """(conditions, actions, JSON path → row prefix)."""
        paths: dict[str, str] = {"conditions": "c", "actions": "a"}
        if not self.root.children and self.root.match == "all" and self.root.empty_form:
            tree: dict[str, Any] = {}
        else:
            tree = _group_json(self.root, "conditions", paths)
        acts = []
        for index, act in enumerate(self.actions):
            paths[f"actions.{index}"] = act.prefix
            acts.append(_action_json(act))
        return tree, acts, paths

    # -- editing ------------------------------------------------------------------------

    def find(self, prefix: str) -> Cond | Group | None:
        def walk(group: Group) -> Cond | Group | None:
            if group.prefix == prefix:
                return group
            for child in group.children:
                if child.prefix == prefix:
                    return child
                if isinstance(child, Group):
                    found = walk(child)
                    if found is not None:
                        return found
            return None

        return walk(self.root)

    def apply(self, op: str) -> None:
        """Add or remove a row (the buttons' ``_op`` values)."""
        verb, _, target = op.partition(":")
        if verb == "add-action":
            used = [int(a.prefix.split("-")[1]) for a in self.actions]
            self.actions.append(Act(prefix=f"a-{max(used, default=-1) + 1}", params={"tag": ""}))
            return
        if verb == "remove" and target.startswith("a-"):
            self.actions = [a for a in self.actions if a.prefix != target]
            return
        node = self.find(target) if target else None
        if verb in ("add-cond", "add-group") and isinstance(node, Group):
            if verb == "add-cond":
                node.children.append(Cond(prefix=node.next_prefix()))
            elif node.can_nest:
                inner = Group(prefix=node.next_prefix(), match="any", depth=node.depth + 1)
                inner.children.append(Cond(prefix=f"{inner.prefix}-0"))
                node.children.append(inner)
        elif verb == "remove" and node is not None and target != "c":
            parent = self.find(target.rsplit("-", 1)[0])
            if isinstance(parent, Group):
                parent.children = [c for c in parent.children if c.prefix != target]

    def place_errors(self, errors: Mapping[str, list[str]], paths: Mapping[str, str]) -> bool:
        """Put the validator's messages on their rows; True when any concerned the builder."""
        placed = False
        for path, messages in errors.items():
            if not path.startswith(("conditions", "actions")):
                continue
            placed = True
            key = path
            while key not in paths and "." in key:
                key = key.rsplit(".", 1)[0]
            prefix = paths.get(key)
            target: Any = None
            if prefix == "a":
                self.action_errors.extend(messages)
                continue
            if prefix is not None and prefix.startswith("a-"):
                target = next((a for a in self.actions if a.prefix == prefix), None)
            elif prefix is not None:
                target = self.find(prefix)
            if target is None:
                self.root.errors.extend(messages)
            else:
                target.errors.extend(messages)
        return placed


def _group_json(group: Group, path: str, paths: dict[str, str]) -> dict[str, Any]:
    paths[path] = group.prefix
    items: list[Any] = []
    for index, child in enumerate(group.children):
        where = f"{path}.{group.match}.{index}"
        if isinstance(child, Group):
            items.append(_group_json(child, where, paths))
        else:
            paths[where] = child.prefix
            item: dict[str, Any] = {**child.extra, "field": child.field, "op": child.op}
            if child.op not in conditions.NO_VALUE:
                item["value"] = child.value
            items.append(item)
    return {group.match: items}


def _action_json(act: Act) -> dict[str, Any]:
    out: dict[str, Any] = {**act.extra, "type": act.type}
    for key in ACTION_KEYS.get(act.type, ()):
        value = act.params.get(key)
        optional = (
            (act.type == "set_field" and key == "pending_reason")
            or act.type == "escalate"
            or (act.type == "notify" and key == "user")
        )
        if optional and value in (None, ""):
            continue
        out[key] = value
    return out


# -- from JSON -------------------------------------------------------------------------------


def from_definition(tree: Any, acts: Any) -> State:
    """Rows for a saved definition (a rule, a version, the JSON editor's content)."""
    root = Group(prefix="c", empty_form=tree in (None, {}))
    if isinstance(tree, Mapping) and len(tree) == 1:
        _fill_group(root, tree)
    actions: list[Act] = []
    for index, action in enumerate(acts if isinstance(acts, list) else []):
        if not isinstance(action, Mapping):
            continue
        kind = str(action.get("type", ""))
        keys = ACTION_KEYS.get(kind, ())
        actions.append(
            Act(
                prefix=f"a-{index}",
                type=kind,
                params={k: action[k] for k in keys if k in action},
                extra={k: v for k, v in action.items() if k != "type" and k not in keys},
            )
        )
    return State(root=root, actions=actions)


def _fill_group(group: Group, tree: Mapping[str, Any]) -> None:
    key, items = next(iter(tree.items()))
    group.match = key if key in ("all", "any") else "all"
    for index, item in enumerate(items if isinstance(items, list) else []):
        prefix = f"{group.prefix}-{index}"
        if isinstance(item, Mapping) and ("all" in item or "any" in item) and len(item) == 1:
            inner = Group(prefix=prefix, depth=group.depth + 1)
            _fill_group(inner, item)
            group.children.append(inner)
        elif isinstance(item, Mapping):
            group.children.append(
                Cond(
                    prefix=prefix,
                    field=str(item.get("field", "")),
                    op=str(item.get("op", "")),
                    value=item.get("value"),
                    extra={k: v for k, v in item.items() if k not in ("field", "op", "value")},
                )
            )


# -- from the posted form --------------------------------------------------------------------


def _extra(data: QueryDict, prefix: str) -> dict[str, Any]:
    try:
        found = json.loads(data.get(f"{prefix}-extra") or "{}")
    except json.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}


def _number(text: str) -> Any:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _ident(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    return int(text) if text.lstrip("-").isdigit() else text


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
        (m.group(1) for m in map(_KIND_KEY.match, data.keys()) if m),
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
            name = data.get(f"{prefix}-field", "")
            op = data.get(f"{prefix}-op", "")
            node = Cond(
                prefix=prefix,
                field=name,
                op=op,
                value=typed_value(name, op, data.getlist(f"{prefix}-value"), catalog),
                extra=_extra(data, prefix),
            )
        parent.children.append(node)
        nodes[prefix] = node
    acts = sorted(
        (m.group(1) for m in map(_ACTION_KEY.match, data.keys()) if m),
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


def condition_from_post(data: QueryDict, prefix: str, catalog: Catalog) -> Cond:
    """One condition row, re-fitted after its field or operator changed (the htmx partial):
    the operator falls back to the field's first one, and the value follows the new shape."""
    name, op = data.get(f"{prefix}-field", ""), data.get(f"{prefix}-op", "")
    changed = data.get("changed", "")
    trigger = data.get("trigger", "")
    if changed == "field" and name not in FIELD_LABELS and conditions.field_kind(name) is None:
        name = "status"
    ops = operators_for(name, trigger)
    if changed == "field" or op not in ops:
        op = ops[0] if ops else op
        raw: list[str] = []
    else:
        raw = data.getlist(f"{prefix}-value")
    value = typed_value(name, op, raw, catalog)
    return Cond(prefix=prefix, field=name, op=op, value=value, extra=_extra(data, prefix))


# -- widgets ---------------------------------------------------------------------------------


def operators_for(name: str, trigger: str, current: str = "") -> list[str]:
    kind = conditions.field_kind(name) or "text"
    ops = [
        op
        for op in KIND_OPS.get(kind, list(conditions.OPERATORS))
        if trigger != Trigger.TIME or op not in conditions.EVENT_OPS
    ]
    if current and current not in ops:
        ops.append(current)  # shown as saved; the validator says if it does not apply
    return ops


def _options_for(name: str, catalog: Catalog) -> list[tuple[str, str]]:
    if name in CHOICES:
        return CHOICES[name]
    kind = conditions.field_kind(name)
    if name == "team":
        return catalog.teams
    if name == "assignee":
        return catalog.agents
    if name == "organization":
        return catalog.organizations
    if kind == "category":
        return catalog.categories
    if kind == "custom":
        custom = catalog.custom.get(name[len(conditions.CUSTOM_PREFIX) :])
        return [(c, c) for c in (custom[2] if custom else [])]
    return []


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_as_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _with_current(
    options: list[tuple[str, str]], selected: list[str], blank: str | None = "— none —"
) -> list[tuple[str, str]]:
    known = {value for value, _ in options}
    extra = [(s, f"#{s} (not in the list)") for s in selected if s and s not in known]
    head = [("", blank)] if blank is not None else []
    return head + list(options) + extra


def decorate(state: State, catalog: Catalog, trigger: str) -> State:
    """Give every row its widgets (the selects' options, the values shown)."""

    def walk(group: Group) -> None:
        for child in group.children:
            if isinstance(child, Group):
                walk(child)
            else:
                decorate_condition(child, catalog, trigger)

    walk(state.root)
    for act in state.actions:
        decorate_action(act, catalog)
    return state


def field_options(catalog: Catalog, current: str) -> list[tuple[str, list[tuple[str, str]]]]:
    groups = [(label, list(fields)) for label, fields in FIELD_GROUPS]
    custom = [
        (f"{conditions.CUSTOM_PREFIX}{key}", f"{label} ({key})")
        for key, (label, _, _) in sorted(catalog.custom.items())
    ]
    known = {name for _, fields in groups for name, _ in fields} | {n for n, _ in custom}
    if current and current not in known:
        custom.append((current, current))
    if custom:
        groups.append(("Custom fields", custom))
    return groups


def decorate_condition(row: Cond, catalog: Catalog, trigger: str) -> None:
    p = row.prefix
    widgets = [
        Widget(
            name=f"{p}-field",
            kind="grouped",
            label="Field",
            groups=field_options(catalog, row.field),
            selected=[row.field],
            htmx=True,
        ),
        Widget(
            name=f"{p}-op",
            kind="select",
            label="Operator",
            options=[
                (op, OP_LABELS.get(op, op)) for op in operators_for(row.field, trigger, row.op)
            ],
            selected=[row.op],
            htmx=True,
        ),
    ]
    if row.op not in conditions.NO_VALUE:
        how = value_kind(row.field, catalog)
        values = row.value if isinstance(row.value, list) else [row.value]
        shown = [_as_text(v) for v in values if v is not None]
        unit = UNITS.get(row.field, "")
        if how == "select" and row.op in conditions.LIST_VALUE:
            # A browser posts the chosen options in page order: the chosen ones come first,
            # in their saved order, so a rule saves back exactly as it was.
            options = _with_current(_options_for(row.field, catalog), shown, blank=None)
            labels = dict(options)
            chosen = [(s, labels[s]) for s in dict.fromkeys(shown) if s in labels]
            widget = Widget(
                name=f"{p}-value",
                kind="multi",
                label="Values",
                options=chosen + [o for o in options if o[0] not in labels or o[0] not in shown],
                selected=shown,
            )
        elif how == "select":
            widget = Widget(
                name=f"{p}-value",
                kind="select",
                label="Value",
                options=_with_current(_options_for(row.field, catalog), shown),
                selected=shown,
            )
        else:
            placeholder = ""
            if conditions.field_kind(row.field) == "datetime":
                placeholder = "2026-03-02T10:00:00Z"
            elif row.op in conditions.LIST_VALUE:
                placeholder = "comma separated"
            elif row.op == "matches":
                placeholder = r"a regular expression, e.g. \bvpn\b"
            widget = Widget(
                name=f"{p}-value",
                kind="number"
                if how == "number" and row.op not in conditions.LIST_VALUE
                else "text",
                label="Value",
                text=_as_text(row.value),
                unit=unit,
                placeholder=placeholder,
            )
        widgets.append(widget)
    row.widgets = widgets


def decorate_action(act: Act, catalog: Catalog) -> None:
    p, params = act.prefix, act.params

    def sel(key: str, label: str, options: list[tuple[str, str]], **kw: Any) -> Widget:
        value = params.get(key)
        shown = [_as_text(value)] if value not in (None, "") else []
        blank = kw.pop("blank", "— choose —")
        return Widget(
            name=f"{p}-{key}",
            kind="select",
            label=label,
            options=_with_current(options, shown, blank=blank),
            selected=shown,
            **kw,
        )

    def text(key: str, label: str, kind: str = "text", **kw: Any) -> Widget:
        return Widget(
            name=f"{p}-{key}", kind=kind, label=label, text=_as_text(params.get(key)), **kw
        )

    widgets: list[Widget] = [
        Widget(
            name=f"{p}-type",
            kind="select",
            label="Action",
            options=action_type_options(act.type),
            selected=[act.type],
            htmx=True,
        )
    ]
    if act.type == "set_field":
        name = str(params.get("field") or "")
        widgets.append(sel("field", "Field", list(SETTABLE_LABELS.items()), htmx=True))
        if name == "team":
            widgets.append(sel("value", "To", catalog.teams))
        elif name == "category":
            widgets.append(sel("value", "To", catalog.categories))
        elif name in CHOICES:
            widgets.append(sel("value", "To", CHOICES[name]))
        else:
            widgets.append(text("value", "To"))
        if name == "status":
            widgets.append(
                sel("pending_reason", "Pending reason", CHOICES["pending_reason"], blank="—")
            )
    elif act.type == "assign":
        widgets.append(sel("to", "To", [("routing", "By the team's routing"), *catalog.agents]))
    elif act.type == "add_tag":
        widgets.append(text("tag", "Tag", placeholder="e.g. vip"))
    elif act.type == "add_watcher":
        widgets.append(sel("user", "Watcher", catalog.agents))
    elif act.type == "canned_reply":
        widgets.append(sel("canned_response", "Canned response", catalog.canned))
    elif act.type == "notify":
        widgets.append(sel("to", "Whom", list(NOTIFY_LABELS.items()), htmx=True))
        if params.get("to") == "user" or params.get("user") not in (None, ""):
            widgets.append(sel("user", "User", catalog.agents))
        widgets.append(text("subject", "Subject", placeholder="[{{ ticket.reference }}] …"))
        widgets.append(text("body", "Message", kind="textarea"))
    elif act.type == "escalate":
        widgets.append(sel("tier", "To tier", list(Tier.choices), blank="the next tier"))
        widgets.append(sel("team", "To team", catalog.teams, blank="the same team"))
    act.widgets = widgets


def action_type_options(current: str) -> list[tuple[str, str]]:
    options = [(t, ACTION_LABELS[t]) for t in rule_actions.ACTION_TYPES]
    if current and current not in ACTION_LABELS:
        options.append((current, current))
    return options


def action_defaults(kind: str) -> dict[str, Any]:
    """The parameters a freshly chosen action type starts with."""
    return {
        "set_field": {"field": "status", "value": ""},
        "assign": {"to": "routing"},
        "notify": {"to": "assignee", "subject": "", "body": ""},
    }.get(kind, {})
