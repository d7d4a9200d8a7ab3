"""The SVG charts: accessible, escaped, one tooltip per value."""

from __future__ import annotations

from frontline.reports import charts


def test_line_chart_is_accessible_and_escaped():
    svg = charts.line_chart(
        "Volume <b>", ["01 Mar", "02 Mar"], [("Created", [3, None]), ("<x>", [1, 2])],
        y_label="Tickets",
    )  # fmt: skip
    assert svg.startswith('<svg class="chart"')
    assert 'role="img"' in svg
    assert "<title id=" in svg
    assert "<desc id=" in svg
    assert "Volume &lt;b&gt;" in svg
    assert "<b>" not in svg
    assert "&lt;x&gt;" in svg
    assert "<title>Created, 01 Mar: 3</title>" in svg
    assert "Created, 02 Mar" not in svg  # a missing value draws nothing
    assert "Created: 01 Mar 3, 02 Mar no data" in svg  # the description for screen readers
    assert ">Tickets</text>" in svg
    assert ">Period</text>" in svg


def test_bar_chart_draws_one_bar_per_value():
    svg = charts.bar_chart("Ages", ["<1d", "1–3d"], [0, 4], y_label="Open", x_label="Age")
    assert svg.count("<rect") == 2
    assert "<title>&lt;1d: 0</title>" in svg
    assert "<title>1–3d: 4</title>" in svg


def test_formatting():
    assert charts.duration(45) == "45 s"
    assert charts.duration(1200) == "20 min"
    assert charts.duration(5400) == "1.5 h"
    assert charts.duration(2 * 86400) == "2.0 d"
    assert charts.percent(0.5) == "50.0 %"
    assert charts.percent(None) == "—"
