"""Charts and display rows for the dashboards, from the data the selectors return (pure)."""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString

from frontline.reports import charts
from frontline.reports.kpis import VolumePoint


def volume_chart(points: list[VolumePoint]) -> SafeString:
    labels = [p.start.strftime("%d %b") for p in points]
    return charts.line_chart(
        "Tickets created, resolved and open",
        labels,
        [
            ("Created", [p.created for p in points]),
            ("Resolved", [p.resolved for p in points]),
            ("Open at end", [p.backlog for p in points]),
        ],
        y_label="Tickets",
    )


def age_chart(summary: dict[str, Any]) -> SafeString:
    ages = summary["backlog_age"]
    return charts.bar_chart(
        "Open tickets by age",
        list(ages),
        list(ages.values()),
        y_label="Open tickets",
        x_label="Age since creation",
    )


def tier_chart(summary: dict[str, Any]) -> SafeString:
    rows = summary["tier_time"]
    return charts.bar_chart(
        "Mean time per ticket at each tier",
        [r["label"] for r in rows],
        [r["mean_seconds_per_ticket"] for r in rows],
        y_label="Hours",
        x_label="Tier",
        fmt=charts.hours,
    )


def trend_charts(trends: list[dict[str, Any]]) -> list[SafeString]:
    labels = [row["start"][5:] for row in trends]

    def minutes(seconds: float | None) -> float | None:
        return None if seconds is None else seconds / 60

    def pct(share: float | None) -> float | None:
        return None if share is None else share * 100

    return [
        charts.line_chart(
            "Median first response and resolution (minutes)",
            labels,
            [
                ("First response", [minutes(r["first_response_median"]) for r in trends]),
                ("Resolution", [minutes(r["resolution_median"]) for r in trends]),
            ],
            y_label="Minutes",
            fmt=lambda v: f"{v:.0f} min",
        ),
        charts.line_chart(
            "SLA compliance (%)",
            labels,
            [
                ("First response", [pct(r["sla_response_compliance"]) for r in trends]),
                ("Resolution", [pct(r["sla_resolution_compliance"]) for r in trends]),
            ],
            y_label="Percent met",
            fmt=lambda v: f"{v:.0f} %",
        ),
        charts.line_chart(
            "Average satisfaction rating",
            labels,
            [("CSAT", [r["csat_average"] for r in trends])],
            y_label="Rating 1–5",
            fmt=lambda v: f"{v:.2f}",
            area=True,
        ),
    ]


def workload_chart(agents: list[dict[str, Any]]) -> SafeString:
    top = agents[:12]
    return charts.bar_chart(
        "Open tickets per agent",
        [a["name"] for a in top],
        [a["open"] for a in top],
        y_label="Open tickets",
        x_label="Agent",
    )
