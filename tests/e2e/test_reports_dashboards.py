"""A manager reads the reports: desk trends, a team, an organization; narrows the range and a
filter and sees the numbers and the SVG charts follow; downloads the CSV of what is shown."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from frontline.tickets.services import ticket_create, ticket_transition
from tests.e2e.conftest import screenshot, sign_in


def kpi(page: Any, name: str) -> Any:
    return page.locator(f'[data-kpi="{name}"]')


def chart_titles(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("svg.chart title").all_text_contents()]


def test_a_manager_filters_the_dashboards_and_exports_csv(
    server: str, page: Any, world: Any
) -> None:
    # Today: Acme opens two tickets (one resolved at once), Globex one.
    first = ticket_create(actor=world.alice, title="VPN drops")
    ticket_transition(actor=world.agent, ticket=first, status="resolved", version=None)
    ticket_create(actor=world.alice, title="Printer jammed")
    ticket_create(actor=world.bob, title="New laptop")
    today = timezone.now().date()
    day = f"{today:%d %b}"

    sign_in(page, server, world.manager.email)
    page.goto(f"{server}/reports/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(kpi(page, "created")).to_have_text("3")
    expect(kpi(page, "resolved")).to_have_text("1")
    expect(kpi(page, "open")).to_have_text("2")
    expect(page.locator("svg.chart").first).to_be_visible()
    assert page.locator("svg.chart").count() >= 3
    assert f"Created, {day}: 3" in chart_titles(page)  # the volume chart's point for today
    screenshot(page, "reports-trends")

    # A range last year: nothing was created then, the charts redraw for those days.
    page.fill("#rf-start", "2025-01-01")
    page.fill("#rf-end", "2025-01-31")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"start=2025-01-01"))
    expect(kpi(page, "created")).to_have_text("0")
    expect(kpi(page, "open")).to_have_text("2")  # open now does not depend on the range
    titles = chart_titles(page)
    assert "Created, 01 Jan: 0" in titles
    assert not any(day in t for t in titles)

    # Back to this month, only Globex.
    page.fill("#rf-start", f"{today.replace(day=1):%Y-%m-%d}")
    page.fill("#rf-end", f"{today:%Y-%m-%d}")
    page.select_option("#rf-organization", label=world.globex.name)
    page.get_by_role("button", name="Apply").click()
    expect(kpi(page, "created")).to_have_text("1")
    expect(kpi(page, "resolved")).to_have_text("0")
    assert f"Created, {day}: 1" in chart_titles(page)

    # The CSV holds what the page shows.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    # The file starts with a byte-order mark, for spreadsheets.
    csv = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert csv.splitlines()[0] == "section,key,metric,value"
    assert "volume,,created,1" in csv.splitlines()
    assert f"series,{today:%Y-%m-%d},created,1" in csv.splitlines()

    # The IT team's dashboard (the manager belongs to IT).
    page.goto(f"{server}/reports/team/{world.it.pk}/")
    expect(kpi(page, "created")).to_have_text("3")
    expect(page.locator("svg.chart").first).to_be_visible()
    page.select_option("#rf-organization", label=world.acme.name)
    page.get_by_role("button", name="Apply").click()
    expect(kpi(page, "created")).to_have_text("2")
    assert f"Created, {day}: 2" in chart_titles(page)

    # Acme's organization report, opened from the trends page's list.
    page.goto(f"{server}/reports/")
    page.locator(".report-links").get_by_role("link", name=world.acme.name).click()
    expect(page).to_have_url(re.compile(rf"/reports/organizations/{world.acme.pk}/$"))
    expect(kpi(page, "created")).to_have_text("2")
    expect(kpi(page, "resolved")).to_have_text("1")
    assert f"Created, {day}: 2" in chart_titles(page)
    page.fill("#rf-start", "2025-01-01")
    page.fill("#rf-end", "2025-01-07")
    page.get_by_role("button", name="Apply").click()
    expect(kpi(page, "created")).to_have_text("0")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == (
        f"organization-{world.acme.pk}-2025-01-01-2025-01-07.csv"
    )
    assert "volume,,created,0" in Path(download.value.path()).read_text("utf-8-sig").splitlines()
    screenshot(page, "reports-organization")


def test_a_manager_schedules_and_edits_an_organization_report(
    server: str, page: Any, world: Any
) -> None:
    from frontline.reports.models import ReportSchedule

    sign_in(page, server, world.manager.email)
    page.goto(f"{server}/reports/organizations/{world.acme.pk}/")
    new = page.get_by_role("form", name="New schedule")
    new.get_by_label("Recipients").fill("ceo@acme.test, not-an-address")
    new.get_by_role("button", name="Schedule").click()
    new = page.get_by_role("form", name="New schedule")
    expect(new).to_contain_text("“not-an-address” is not an e-mail address.")
    expect(new.get_by_label("Recipients")).to_have_value("ceo@acme.test, not-an-address")
    new.get_by_label("Recipients").fill("ceo@acme.test")
    new.get_by_role("button", name="Schedule").click()
    expect(page.locator(".flash")).to_contain_text("The report is scheduled.")
    schedule = ReportSchedule.objects.get()

    item = page.locator(f"#schedule-{schedule.pk}")
    item.get_by_text("Edit").click()
    item.get_by_label("Recipients").fill("ceo@acme.test, cfo@acme.test")
    item.get_by_label("Every").select_option("monthly")
    item.get_by_role("checkbox", name="Active").uncheck()
    item.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("The schedule is saved.")
    expect(page.locator(f"#schedule-{schedule.pk}")).to_contain_text(
        "to ceo@acme.test, cfo@acme.test — off"
    )
    schedule.refresh_from_db()
    assert (schedule.frequency, schedule.is_active) == ("monthly", False)
    screenshot(page, "reports-schedule-edited")
