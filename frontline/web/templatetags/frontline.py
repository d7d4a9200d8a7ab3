"""Template helpers available in every template (registered as builtins in settings)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def get_field(form: Any, name: str) -> Any:
    """A bound field by name, for forms whose fields are added at run time."""
    return form[name]
