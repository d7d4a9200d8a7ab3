"""API schemas of the notifications app."""

from __future__ import annotations

from ninja import Schema

from frontline.api.schemas import Input


class PreferenceOut(Schema):
    kind: str
    label: str
    description: str
    enabled: bool
    available: bool  # false: an admin switched this kind off for everyone


class PreferencesOut(Schema):
    preferences: list[PreferenceOut]


class PreferencesIn(Input):
    """Kinds to change, e.g. ``{"preferences": {"status": false}}``; others keep their value."""

    preferences: dict[str, bool]
