"""Charts drawn on the server as inline SVG (pure: no ORM, no JavaScript).

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` summarising it for
screen readers, axis labels, and a ``<title>`` on every point or bar (the browser shows it as
a tooltip). The page puts the table of the same numbers next to each chart. Every text is
escaped; colours come from CSS classes (``chart-series-N``) in app.css.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from itertools import count

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 44
Formatter = Callable[[float], str]
_ids = count(1)


def plain(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)  # pragma: no cover - the loop always returns


def _frame(title: str, desc: str, y_label: str, x_label: str, body: list[str]) -> SafeString:
    uid = next(_ids)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-{uid}-t chart-{uid}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-{uid}-t">{escape(title)}</title>',
        f'<desc id="chart-{uid}-d">{escape(desc)}</desc>',
        f'<text class="chart-title" x="{LEFT}" y="16">{escape(title)}</text>',
        f'<text class="chart-axis-label" x="{WIDTH // 2}" y="{HEIGHT - 4}" '
        f'text-anchor="middle">{escape(x_label)}</text>',
        f'<text class="chart-axis-label" transform="rotate(-90)" x="{-HEIGHT // 2}" y="12" '
        f'text-anchor="middle">{escape(y_label)}</text>',
        *body,
        "</svg>",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _axes(top: float, fmt: Formatter, labels: Sequence[str], xs: Sequence[float]) -> list[str]:
    plot_h = HEIGHT - TOP - BOTTOM
    out = [
        f'<line class="chart-axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
        f'<line class="chart-axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" '
        f'y2="{TOP + plot_h}"/>',
    ]
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        out.append(
            f'<line class="chart-grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>'
            f'<text class="chart-tick" x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(fmt(value))}</text>"
        )
    step = max(1, len(labels) // 8)  # at most about eight x labels
    for i, (label, x) in enumerate(zip(labels, xs, strict=True)):
        if i % step == 0 or i == len(labels) - 1:
            out.append(
                f'<text class="chart-tick" x="{x:.1f}" y="{TOP + plot_h + 14}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return out


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    y_label: str,
    x_label: str = "Period",
    fmt: Formatter = plain,
    area: bool = False,
) -> SafeString:
    """Lines (or filled areas) over ``labels``; a None value leaves a gap in its line."""
    values = [v for _, vs in series for v in vs if v is not None]
    top = _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(labels), 1)
    xs = [LEFT + (plot_w * (i + 0.5) / n) for i in range(len(labels))]

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * (v / top)

    body = _axes(top, fmt, labels, xs)
    for index, (name, vs) in enumerate(series):
        css = f"chart-series-{index % 6}"
        runs: list[list[tuple[float, float]]] = [[]]
        for x, v in zip(xs, vs, strict=True):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((x, y(v)))
        for run in runs:
            if not run:
                continue
            points = " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
            if area:
                base = TOP + plot_h
                body.append(
                    f'<polygon class="chart-area {css}" points="{run[0][0]:.1f},{base} '
                    f'{points} {run[-1][0]:.1f},{base}"/>'
                )
            body.append(f'<polyline class="chart-line {css}" points="{points}"/>')
        for x, v, label in zip(xs, vs, labels, strict=True):
            if v is not None:
                body.append(
                    f'<circle class="chart-point {css}" cx="{x:.1f}" cy="{y(v):.1f}" r="3">'
                    f"<title>{escape(name)}, {escape(label)}: {escape(fmt(v))}</title></circle>"
                )
    legend_x = WIDTH - RIGHT
    for index, (name, _) in enumerate(series):
        body.append(
            f'<text class="chart-legend chart-series-{index % 6}" x="{legend_x}" '
            f'y="{16 + 12 * index}" text-anchor="end">{escape(name)}</text>'
        )
    desc = "; ".join(
        f"{name}: "
        + ", ".join(
            f"{lab} {fmt(v) if v is not None else 'no data'}"
            for lab, v in zip(labels, vs, strict=True)
        )
        for name, vs in series
    )
    return _frame(title, desc, y_label, x_label, body)


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    y_label: str,
    x_label: str,
    fmt: Formatter = plain,
) -> SafeString:
    """One bar per label (a distribution); None draws no bar."""
    top = _nice_max(max((v for v in values if v is not None), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(len(labels), 1)
    slot = plot_w / n
    xs = [LEFT + slot * (i + 0.5) for i in range(len(labels))]
    body = _axes(top, fmt, labels, xs)
    for x, v, label in zip(xs, values, labels, strict=True):
        if v is None:
            continue
        h = plot_h * (v / top)
        body.append(
            f'<rect class="chart-bar chart-series-0" x="{x - slot * 0.35:.1f}" '
            f'y="{TOP + plot_h - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}">'
            f"<title>{escape(label)}: {escape(fmt(v))}</title></rect>"
        )
    desc = ", ".join(
        f"{lab}: {fmt(v) if v is not None else 'no data'}"
        for lab, v in zip(labels, values, strict=True)
    )
    return _frame(title, desc, y_label, x_label, body)


def duration(seconds: float | None) -> str:
    """A duration for people: 45 s, 12 min, 3.5 h, 2.1 d."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f} %"
