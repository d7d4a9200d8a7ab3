"""Administering the category tree and its custom field definitions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction

from frontline.accounts.models import Team, User
from frontline.accounts.policies import can_administer
from frontline.core.errors import Conflict, PermissionDenied, ValidationError
from frontline.tickets.models import Category, CustomField, FieldType

UNSET: Any = object()
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
MAX_NAME = 100
MAX_FIELDS = 50


def _require_admin(actor: User) -> None:
    if not can_administer(actor):
        raise PermissionDenied("Only admins can change categories.")


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError.field("name", "This field is required.")
    if len(name) > MAX_NAME:
        raise ValidationError.field("name", f"At most {MAX_NAME} characters.")
    return name


def _check_parent(category: Category | None, parent: Category | None, team_id: int) -> None:
    if parent is None:
        return
    if parent.team_id != team_id:
        raise ValidationError.field("parent", f"The parent belongs to {parent.team}.")
    if category is not None and any(node.pk == category.pk for node in parent.ancestors()):
        raise ValidationError.field("parent", "A category cannot sit under itself.")


def _subtree(category: Category) -> list[Category]:
    """The category and its descendants (one query per level; trees are shallow)."""
    nodes, level = [category], [category]
    seen = {category.pk}
    while level:
        level = [c for c in Category.objects.filter(parent__in=level) if c.pk not in seen]
        seen.update(c.pk for c in level)
        nodes.extend(level)
    return nodes


def _clean_fields(definitions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Check field definitions; errors are keyed ``custom_fields.<index>.<attribute>``."""
    cleaned: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    keys: set[str] = set()
    items = list(definitions)
    if len(items) > MAX_FIELDS:
        raise ValidationError.field("custom_fields", f"At most {MAX_FIELDS} fields.")
    for index, raw in enumerate(items):
        where = f"custom_fields.{index}"
        key = str(raw.get("key") or "").strip()
        label = " ".join(str(raw.get("label") or "").split())
        field_type = str(raw.get("field_type") or "")
        choices = [str(c).strip() for c in raw.get("choices") or [] if str(c).strip()]
        help_text = str(raw.get("help_text") or "").strip()
        position = raw.get("position")
        position = index if position is None else position
        if not KEY_RE.match(key):
            errors[f"{where}.key"] = ["Lower-case letters, digits, - and _ (at most 50)."]
        elif key in keys:
            errors[f"{where}.key"] = [f"“{key}” is defined twice."]
        keys.add(key)
        if not label or len(label) > 100:
            errors[f"{where}.label"] = ["Give a label of at most 100 characters."]
        if field_type not in FieldType.values:
            errors[f"{where}.field_type"] = [f"Choose one of: {', '.join(FieldType.values)}."]
        if field_type == FieldType.CHOICE and not choices:
            errors[f"{where}.choices"] = ["A choice field needs at least one choice."]
        if field_type != FieldType.CHOICE and choices:
            errors[f"{where}.choices"] = ["Only choice fields have choices."]
        if len(set(choices)) != len(choices):
            errors[f"{where}.choices"] = ["Each choice once."]
        if len(help_text) > 200:
            errors[f"{where}.help_text"] = ["At most 200 characters."]
        if not isinstance(position, int) or isinstance(position, bool) or position < 0:
            errors[f"{where}.position"] = ["A whole number, 0 or more."]
        cleaned.append(
            {
                "key": key,
                "label": label,
                "field_type": field_type,
                "required": bool(raw.get("required", False)),
                "choices": choices,
                "help_text": help_text,
                "position": position,
            }
        )
    if errors:
        raise ValidationError("Some custom fields are invalid.", errors=errors)
    return cleaned


def _check_keys_free(keys: Iterable[str], related: Iterable[Category]) -> None:
    """A key must not also be defined up or down the tree: a ticket inherits both."""
    taken = dict(
        CustomField.objects.filter(category__in=list(related), key__in=list(keys)).values_list(
            "key", "category__name"
        )
    )
    if taken:
        key, owner = next(iter(taken.items()))
        raise ValidationError.field(
            "custom_fields", f"“{key}” is already a field of the related category {owner}."
        )


def _write_fields(category: Category, fields: list[dict[str, Any]]) -> None:
    """Make the category's definitions exactly ``fields`` (matched by key)."""
    keys = [f["key"] for f in fields]
    category.custom_fields.exclude(key__in=keys).delete()
    existing = {f.key: f for f in category.custom_fields.all()}
    for values in fields:
        current = existing.get(values["key"])
        if current is None:
            CustomField.objects.create(category=category, **values)
            continue
        changed = [name for name, value in values.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, values[name])
        if changed:
            current.save(update_fields=changed)


def category_create(
    *,
    actor: User,
    team: Team,
    name: str,
    parent: Category | None = None,
    is_active: bool = True,
    custom_fields: Iterable[Mapping[str, Any]] = (),
) -> Category:
    """Add a category to a team's tree, with its custom field definitions (admins only).

    The parent must belong to the same team; a field key may not repeat one of the parent
    chain's (a ticket has the fields of its category and of every ancestor). A name taken
    under the same parent is a Conflict. Nothing is written when anything is refused.
    """
    _require_admin(actor)
    name = _clean_name(name)
    _check_parent(None, parent, team.pk)
    fields = _clean_fields(custom_fields)
    if parent is not None and fields:
        _check_keys_free([f["key"] for f in fields], parent.ancestors())
    try:
        with transaction.atomic():
            category = Category.objects.create(
                team=team, parent=parent, name=name, is_active=is_active
            )
            _write_fields(category, fields)
    except IntegrityError:
        raise Conflict(
            f"{team} already has a category named {name} there.",
            errors={"name": ["Already in use under this parent."]},
        ) from None
    return category


def category_update(
    *,
    actor: User,
    category: Category,
    name: str = UNSET,
    parent: Category | None = UNSET,
    is_active: bool = UNSET,
    custom_fields: Iterable[Mapping[str, Any]] = UNSET,
) -> Category:
    """Rename, move within its team, (de)activate, or redefine the custom fields of a
    category (admins only); arguments left out stay as they are.

    ``custom_fields`` replaces the whole set of the category's own definitions, matched by
    key: new keys are added, missing ones removed (values already stored on tickets stay).
    A category cannot move under itself or a descendant, nor to another team (tickets of a
    team's category belong to that team). Conflict for a name taken under the same parent.
    """
    _require_admin(actor)
    changed: list[str] = []
    if name is not UNSET:
        category.name = _clean_name(name)
        changed.append("name")
    if parent is not UNSET:
        _check_parent(category, parent, category.team_id)
        category.parent = parent
        changed.append("parent")
    if is_active is not UNSET:
        category.is_active = bool(is_active)
        changed.append("is_active")
    fields = _clean_fields(custom_fields) if custom_fields is not UNSET else None
    if fields is not None or "parent" in changed:
        own = (
            [f["key"] for f in fields]
            if fields is not None
            else list(category.custom_fields.values_list("key", flat=True))
        )
        subtree = _subtree(category)
        # Own keys against ancestors and descendants; the moved subtree's keys against the
        # new ancestors.
        related = [*category.ancestors()[:-1], *subtree[1:]]
        _check_keys_free(own, related)
        if "parent" in changed and len(subtree) > 1 and category.parent is not None:
            below = CustomField.objects.filter(category__in=subtree[1:]).values_list(
                "key", flat=True
            )
            _check_keys_free(list(below), category.parent.ancestors())
    try:
        with transaction.atomic():
            if changed:
                category.save(update_fields=[*changed, "updated_at"])
            if fields is not None:
                _write_fields(category, fields)
    except IntegrityError:
        raise Conflict(
            f"There is already a category named {category.name} there.",
            errors={"name": ["Already in use under this parent."]},
        ) from None
    return category
