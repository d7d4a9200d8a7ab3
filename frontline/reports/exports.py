"""Reports as rows (for CSV), as JSON-ready dicts (for the API) and as mail text (pure)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from frontline.reports.charts import duration, percent
from frontline.reports.kpis import VolumePoint

CSV_HEADER = ("section", "key", "metric", "value")

RATES = (
    ("first_contact_resolution_rate", "First-contact resolution rate"),
    ("reopen_rate", "Reopen rate"),
    ("escalation_rate", "Escalation rate"),
    ("sla_response_compliance", "SLA first response compliance"),
    ("sla_resolution_compliance", "SLA resolution compliance"),
)


def summary_rows(summary: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """Every number of a KPI summary as (section, key, metric, value) rows."""
    for key in ("created", "resolved", "open"):
        yield ("volume", "", key, summary[key])
    for metric in ("first_response", "resolution"):
        for stat, value in summary[metric].items():
            yield (f"{metric}_seconds", "", stat, value)
        if summary.get("durations_approximate"):  # ranges over 31 days (docs/reports.md)
            yield (f"{metric}_seconds", "", "approximate", "within 5%")
    for key, _ in RATES:
        yield ("rates", "", key, summary[key])
    yield ("rates", "", "reassignments_per_ticket", summary["reassignments_per_ticket"])
    for label, value in summary["backlog_age"].items():
        yield ("backlog_age", label, "open_tickets", value)
    for row in summary["tier_time"]:
        for stat in ("periods", "tickets", "total_seconds", "mean_seconds_per_ticket"):
            yield ("tier_time", row["tier"], stat, row[stat])
    if summary["csat"] is not None:
        for stat, value in summary["csat"].items():
            yield ("csat", "", stat, value)
    if summary["deflection"] is not None:
        for stat, value in summary["deflection"].items():
            yield ("deflection", "", stat, value)


def volume_rows(points: Sequence[VolumePoint]) -> Iterator[tuple[str, str, str, Any]]:
    for point in points:
        key = point.start.isoformat()
        yield ("series", key, "created", point.created)
        yield ("series", key, "resolved", point.resolved)
        yield ("series", key, "backlog", point.backlog)


def rows_of(
    report: dict[str, Any], *, extra: Sequence[tuple[str, str, str, Any]] = ()
) -> Iterator[tuple[str, str, str, Any]]:
    """A dashboard's or organization report's rows: its summary, series and breakdowns."""
    yield from summary_rows(report["summary"])
    yield from volume_rows(report.get("volume") or [])
    for row in report.get("agents") or []:
        for stat in ("open", "resolved", "median_resolution", "csat_average", "csat_responses"):
            yield ("agent", f"{row['agent']} {row['name']}", stat, row[stat])
    for row in report.get("teams") or []:
        for stat in ("created", "resolved", "open", "sla_resolution_compliance"):
            yield ("team", str(row["name"]), stat, row[stat])
    yield from extra


def report_json(report: dict[str, Any]) -> dict[str, Any]:
    """A report as JSON-ready data (dates as ISO strings, objects as ids and names)."""
    out: dict[str, Any] = {
        "filter": report["filter"].as_params(),
        "summary": report["summary"],
        "volume": [p.as_dict() for p in report.get("volume") or []],
    }
    organization = report.get("organization")
    if organization is not None:
        out["organization"] = {"id": organization.pk, "name": organization.name}
    return out


def report_text(report: dict[str, Any]) -> str:
    """The plain-text mail of an organization report."""
    s = report["summary"]
    f = report["filter"]
    about = "≈" if s.get("durations_approximate") else ""  # within 5 % (docs/reports.md)
    lines = [
        f"Support report for {report['organization'].name}, {f.start} to {f.end} (UTC).",
        "",
        f"Tickets created: {s['created']}",
        f"Tickets resolved: {s['resolved']}",
        f"Open now: {s['open']}",
        f"First response: median {about}{duration(s['first_response']['median'])}, "
        f"90th percentile {about}{duration(s['first_response']['p90'])}",
        f"Resolution: median {about}{duration(s['resolution']['median'])}, "
        f"90th percentile {about}{duration(s['resolution']['p90'])}",
    ]
    lines += [f"{label}: {percent(s[key])}" for key, label in RATES]
    if s["csat"] is not None:
        average = s["csat"]["average"]
        lines.append(
            "Satisfaction: "
            + (f"{average:.2f} / 5" if average is not None else "no ratings")
            + f", {percent(s['csat']['share_satisfied'])} satisfied, "
            f"{percent(s['csat']['response_rate'])} of surveys answered"
        )
    lines += ["", "Per day (created / resolved / open at the end of the day):"]
    lines += [
        f"  {p.start}: {p.created} / {p.resolved} / {p.backlog}" for p in report.get("volume") or []
    ]
    return "\n".join(lines) + "\n"
