"""The rule builder's inputs: every row of a ``builder.State`` gets its widgets (the selects'
options from the ``Catalog``, the values as shown, the operators that fit the field), and a
condition whose saved value its input cannot show exactly keeps it in ``Cond.saved``.
Pure: no ORM (the catalog is loaded by ``selectors.builder_catalog``)."""

from __future__ import annotations

from typing import Any

from frontline.accounts.models import Tier
from frontline.automation import actions as rule_actions
from frontline.automation import conditions
from frontline.automation.builder import (
    CHOICES,
    FIELD_GROUPS,
    Act,
    Catalog,
    Cond,
    Group,
    State,
    Widget,
    operators_for,
)
from frontline.automation.builder_post import as_json, typed_value, value_kind

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
ACTION_LABELS = {
    "set_field": "Set a field",
    "assign": "Assign",
    "add_tag": "Add a tag",
    "add_watcher": "Add a watcher",
    "canned_reply": "Reply with a canned response",
    "notify": "Notify by email",
    "escalate": "Escalate",
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
    row.saved = None
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
                options=chosen + [o for o in options if o[0] not in shown],
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
        shown = widget.posted()
        if as_json(typed_value(row.field, row.op, shown, catalog)) != as_json(row.value):
            row.saved = {"field": row.field, "op": row.op, "shown": shown, "value": row.value}
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
