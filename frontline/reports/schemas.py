"""API shapes of the reports (descriptions for OpenAPI; handlers build plain dicts)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class DurationStats(Schema):
    count: int
    mean: float | None = Field(None, description="Seconds.")
    median: float | None = Field(None, description="Seconds (percentile_cont 0.5).")
    p90: float | None = Field(None, description="Seconds (percentile_cont 0.9).")


class Summary(Schema):
    created: int
    resolved: int
    open: int
    first_response: DurationStats
    resolution: DurationStats
    durations_approximate: bool = Field(
        False,
        description="True over ranges longer than 31 days: the duration medians, 90th "
        "percentiles and means are then within 5 % of the exact values (docs/reports.md).",
    )
    first_contact_resolution_rate: float | None
    reopen_rate: float | None
    escalation_rate: float | None
    reassignments_per_ticket: float | None
    sla_response_compliance: float | None
    sla_resolution_compliance: float | None
    backlog_age: dict[str, int]
    tier_time: list[dict[str, Any]]
    csat: dict[str, Any] | None = Field(None, description="Absent when surveys are not installed.")
    deflection: dict[str, Any] | None = Field(
        None, description="Absent when the knowledge base's deflections are not installed."
    )
    counts: dict[str, int]


class VolumePoint(Schema):
    start: str
    created: int
    resolved: int
    backlog: int


class KpiOut(Schema):
    filter: dict[str, str]
    summary: Summary


class VolumeOut(Schema):
    filter: dict[str, str]
    points: list[VolumePoint]


class OrganizationRef(Schema):
    id: int
    name: str


class OrganizationReportOut(Schema):
    filter: dict[str, str]
    organization: OrganizationRef
    summary: Summary
    volume: list[VolumePoint]
