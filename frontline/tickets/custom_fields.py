"""Validation of a ticket's custom field values against their definitions (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_TEXT = 2000
MAX_NUMBER_DIGITS = 15  # JSON clients hold integers exactly up to 2**53


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    field_type: str
    required: bool = False
    choices: tuple[str, ...] = field(default_factory=tuple)


def _clean_one(spec: FieldSpec, value: Any) -> Any:
    if spec.field_type == "text":
        if not isinstance(value, str | int | float):
            raise ValueError("Enter text.")
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            raise ValueError(f"At most {MAX_TEXT} characters.")
        return text
    if spec.field_type == "number":
        if isinstance(value, bool):
            raise ValueError("Enter a number.")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("Enter a number.") from None
        if not number.is_finite():
            raise ValueError("Enter a number.")
        if number.adjusted() >= MAX_NUMBER_DIGITS:  # before int(): "1e999999999" would hang
            raise ValueError(f"At most {MAX_NUMBER_DIGITS} digits before the decimal point.")
        return int(number) if number == number.to_integral_value() else float(number)
    if spec.field_type == "choice":
        if str(value) not in spec.choices:
            raise ValueError(f"Choose one of: {', '.join(spec.choices)}.")
        return str(value)
    if spec.field_type == "date":
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError("Enter a date as YYYY-MM-DD.") from None
    raise ValueError(f"Unknown field type {spec.field_type}.")


def clean_custom_fields(
    specs: Iterable[FieldSpec], values: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Return (cleaned values, errors by ``custom_fields.<key>``).

    Unknown keys are errors rather than silently dropped, so a client learns of its typo.
    Empty values of optional fields are left out.
    """
    values = dict(values or {})
    specs = list(specs)
    known = {spec.key for spec in specs}
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in values:
        if key not in known:
            errors[f"custom_fields.{key}"] = ["This category has no such field."]
    for spec in specs:
        raw = values.get(spec.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                errors[f"custom_fields.{spec.key}"] = [f"{spec.label} is required."]
            continue
        try:
            cleaned[spec.key] = _clean_one(spec, raw)
        except ValueError as exc:
            errors[f"custom_fields.{spec.key}"] = [str(exc)]
    return cleaned, errors
