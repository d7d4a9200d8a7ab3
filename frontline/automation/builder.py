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
show (JSON), so any rule saves back to an identical definition; ``-saved`` carries a value
its input cannot show exactly (see ``Cond.saved``).

The inputs of each row (options, values as shown) are ``builder_widgets``' business, and
reading a posted form back into rows is ``builder_post``'s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from frontline.accounts.models import Tier
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
CHOICES: dict[str, list[tuple[str, str]]] = {
    "status": list(Status.choices),
    "pending_reason": list(PendingReason.choices),
    "priority": list(Priority.choices),
    "type": list(TicketType.choices),
    "channel": list(Channel.choices),
    "tier": list(Tier.choices),
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
MATCH_LABELS = [("all", "all of"), ("any", "any of")]
MAX_DEPTH = conditions.MAX_DEPTH
PREFIX = re.compile(r"^(?:c(?:-\d{1,3}){1,6}|a-\d{1,3})$")
KIND_KEY = re.compile(r"^(c(?:-\d{1,3}){1,6})-kind$")
ACTION_KEY = re.compile(r"^(a-\d{1,3})-type$")


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

    def posted(self) -> list[str]:
        """What a browser posts for this input as rendered."""
        if self.kind == "multi":
            return [value for value, _ in self.options if value in self.selected]
        if self.kind in ("select", "grouped"):
            values = [value for value, _ in self.options]
            chosen = next((s for s in self.selected if s in values), None)
            return [chosen if chosen is not None else (values[0] if values else "")]
        return [self.text]


@dataclass
class Cond:
    prefix: str
    field: str = "status"
    op: str = "is"
    value: Any = None
    extra: dict[str, Any] = _field(default_factory=dict)
    errors: list[str] = _field(default_factory=list)
    widgets: list[Widget] = _field(default_factory=list)
    # A saved value its input cannot give back as it was (true, null, "a, b" in a list, 5.0):
    # {"field", "op", "shown": what the input posts, "value"}, posted as ``-saved``; while
    # the field, operator and input stay untouched the value saves back unchanged.
    saved: dict[str, Any] | None = None
    is_group = False

    @property
    def extra_json(self) -> str:
        return json.dumps(self.extra, ensure_ascii=False) if self.extra else ""

    @property
    def saved_json(self) -> str:
        return json.dumps(self.saved, ensure_ascii=False) if self.saved is not None else ""


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


# -- operators ------------------------------------------------------------------------------


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
