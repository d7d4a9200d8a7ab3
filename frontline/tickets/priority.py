"""Impact × urgency → priority (pure), with the default ITIL matrix.

The live matrix is the PriorityRule table (admins edit it); a cell missing from the table
falls back to the default, so a half-configured matrix never leaves a ticket without priority.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_MATRIX: dict[tuple[str, str], str] = {
    ("high", "high"): "p1",
    ("high", "medium"): "p2",
    ("high", "low"): "p3",
    ("medium", "high"): "p2",
    ("medium", "medium"): "p3",
    ("medium", "low"): "p4",
    ("low", "high"): "p3",
    ("low", "medium"): "p4",
    ("low", "low"): "p4",
}


def priority_for(
    impact: str, urgency: str, matrix: Mapping[tuple[str, str], str] | None = None
) -> str:
    """The priority of a cell of the matrix; the default matrix fills any gap."""
    key = (impact, urgency)
    if matrix and key in matrix:
        return matrix[key]
    return DEFAULT_MATRIX[key]
