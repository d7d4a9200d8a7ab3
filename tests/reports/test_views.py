"""Dashboards render the hand-worked numbers, refuse bad filters, hide what is not yours, and
run the same number of queries however many tickets there are."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontline.reports.models import ReportSchedule
from frontline.tickets.models import Status
from tests.reports import dataset
from tests.reports.dataset import NOW, D

pytestmark = pytest.mark.django_db
RANGE = {"start": "2026-03-02", "end": "2026-03-08"}


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def data(world: Any) -> dataset.Dataset:
    return dataset.build(world)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def kpi(html: str, name: str) -> str:
    marker = f'data-kpi="{name}">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)]


def test_manager_dashboard_shows_the_numbers_with_charts(world, data):
    response = client_for(world.admin).get("/reports/", RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert kpi(html, "created") == "52"
    assert kpi(html, "resolved") == "12"
    assert kpi(html, "open") == "44"
    # median / mean / p90 first response: 1200 s = 20 min, 20100/11 s = 30 min, 3600 s = 1.0 h
    assert kpi(html, "first_response") == "20 min / 30 min / 1.0 h"
    assert kpi(html, "sla_response") == "80.0 %"
    assert kpi(html, "csat") == "3.60"
    assert html.count('<svg class="chart"') >= 6
    assert "<title>Created, 06 Mar: 15</title>" in html  # a point's tooltip


def test_agent_is_sent_to_my_work_and_sees_only_their_tickets(world, data):
    client = client_for(world.agent)
    assert client.get("/reports/").url == "/reports/my/"
    html = client.get("/reports/my/", RANGE).content.decode()
    # assigned to Ann, created in range: B1 B2 B4 B5 B6 B10 B11 B13 = 8
    assert kpi(html, "created") == "8"
    assert kpi(html, "my_csat") == "3.25"
    assert "B10" in html
    assert "B11" in html


def test_team_dashboard_for_its_lead_and_404_for_others(world, data):
    world.it.lead = world.agent_l2
    world.it.save()
    response = client_for(world.agent_l2).get(f"/reports/team/{world.it.pk}/", RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    # IT tickets created in range: 52 - B12 - H2 (HR) - U1 (no team) = 49
    assert kpi(html, "created") == "49"
    assert "SLA at risk" in html
    assert "B10" in html
    assert client_for(world.agent).get(f"/reports/team/{world.it.pk}/").status_code == 404
    assert client_for(world.agent_l2).get(f"/reports/team/{world.hr.pk}/").status_code == 404
    # the manager of IT may open IT's, not HR's
    assert client_for(world.manager).get(f"/reports/team/{world.it.pk}/").status_code == 200
    assert client_for(world.manager).get(f"/reports/team/{world.hr.pk}/").status_code == 404


def test_organization_report_access_and_isolation(world, data):
    html = client_for(world.manager).get(f"/reports/organizations/{world.acme.pk}/", RANGE)
    # the IT manager sees IT + unrouted tickets of Acme: 21 - B12 (HR) = 20
    assert kpi(html.content.decode(), "created") == "20"
    # Hanna's HR team serves Acme only: Acme yes (B12), Globex 404
    hanna = client_for(world.hr_agent)
    assert (
        kpi(
            hanna.get(f"/reports/organizations/{world.acme.pk}/", RANGE).content.decode(), "created"
        )
        == "1"
    )
    assert hanna.get(f"/reports/organizations/{world.globex.pk}/").status_code == 404
    assert client_for(world.admin).get("/reports/organizations/999999/").status_code == 404


def test_requesters_are_sent_to_the_portal(world, data):
    response = client_for(world.alice).get("/reports/my/")
    assert response.status_code == 302
    assert "/reports/" not in response.url


def test_bad_filters_show_messages_and_keep_the_input(world, data):
    response = client_for(world.admin).get(
        "/reports/", {"start": "yesterday", "priority": "p9", "colour": "red"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "start: “yesterday” is not a date" in html
    assert "priority: Choose one of: p1, p2, p3, p4." in html
    assert "colour: Unknown filter" in html
    assert 'value="yesterday"' in html
    assert "data-kpi" not in html


def test_csv_export_is_neutralised(world, data):
    response = client_for(world.admin).get(
        f"/reports/organizations/{world.acme.pk}/", {**RANGE, "format": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert "volume,,created,21" in body
    assert "series,2026-03-08,backlog,21" in body
    assert "backlog_age,'>30d,open_tickets,1" not in body  # '>' is not a formula start
    assert "backlog_age,>30d,open_tickets,1" in body


def test_schedule_is_created_by_managers_only(world, data):
    url = f"/reports/organizations/{world.acme.pk}/schedules/"
    client_for(world.manager).post(
        url, {"recipients": "ceo@acme.test, cto@acme.test", "frequency": "weekly"}
    )
    schedule = ReportSchedule.objects.get()
    assert schedule.recipients == ["ceo@acme.test", "cto@acme.test"]
    client_for(world.manager).post(url, {"recipients": "not-an-address", "frequency": "weekly"})
    assert ReportSchedule.objects.count() == 1
    # an agent serving Acme may read the report but not schedule it
    agent = client_for(world.hr_agent)
    response = agent.post(url, {"recipients": "x@acme.test", "frequency": "weekly"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/reports/organizations/{world.acme.pk}/"
    assert "Only managers schedule reports." in response.content.decode()
    assert ReportSchedule.objects.count() == 1
    # the policy (the service's) answers before the input is checked
    response = agent.post(url, {"recipients": "nope", "frequency": "hourly"})
    assert response.status_code == 302
    assert ReportSchedule.objects.count() == 1


def _grow(world: Any, n: int) -> None:
    """n more tickets with history, SLA, tier periods and ratings, spread over agents."""
    agents = [world.agent, world.agent_l2]
    for i in range(n):
        t = dataset.make_ticket(
            world, f"G{i}", org=world.acme if i % 2 else world.globex, created=D(4, 9),
            assignee=agents[i % 2], status=Status.RESOLVED, first_response_at=D(4, 9, 5),
            resolved_at=D(4, 10 + i % 5),
        )  # fmt: skip
        dataset.sla(data_policy(), t, fr=("met", 3600, 3000), res=("met", 14400, 1000))
        dataset.event(t, "escalated", D(4, 9, 30))
        dataset.event(
            t, "assigned", D(4, 9, 40), field="assignee", old=agents[0].pk, new=agents[1].pk
        )
        dataset.period(t, "l1", D(4, 9), D(4, 9, 30), 1800)
        dataset.survey(t, D(4, 11), 1 + i % 5, D(4, 12))


def data_policy() -> Any:
    from frontline.sla.models import SlaPolicy

    return SlaPolicy.objects.get(name="Standard")


@pytest.mark.parametrize(
    "path", ["/reports/", "/reports/my/", "team", "organization", "/reports/?bucket=week"]
)
def test_dashboards_run_a_constant_number_of_queries(world, data, path):
    world.it.lead = world.admin
    world.it.save()
    if path == "team":
        path = f"/reports/team/{world.it.pk}/"
    elif path == "organization":
        path = f"/reports/organizations/{world.acme.pk}/"
    client = client_for(world.admin)
    params = dict(RANGE) if "?" not in path else {}
    client.get(path, params)  # warm the per-minute caches (filter options)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, params).status_code == 200
        return len(queries)

    _grow(world, 10)
    small = count()
    _grow(world, 30)
    assert count() == small
