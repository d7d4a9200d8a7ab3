"""The reports API: JSON of the same KPIs, problem+json for bad filters, 404 for others'."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from frontline.reports.schemas import KpiOut, OrganizationReportOut, VolumeOut
from tests.api.conftest import Api
from tests.reports import dataset
from tests.reports.dataset import NOW

pytestmark = pytest.mark.django_db
RANGE = {"start": "2026-03-02", "end": "2026-03-08"}


@pytest.fixture
def data(world: Any) -> dataset.Dataset:
    with time_machine.travel(NOW, tick=False):
        return dataset.build(world)


def test_kpis_as_json(world, data):
    response = Api(world.admin).get("/reports/kpis", RANGE)
    assert response.status_code == 200
    body = response.json()
    KpiOut.model_validate(body)
    s = body["summary"]
    assert (s["created"], s["resolved"]) == (52, 12)
    assert s["first_response"]["median"] == 1200
    assert s["resolution"]["p90"] == 28800
    assert s["csat"]["response_rate"] == 5 / 7
    assert body["filter"] == {"start": "2026-03-02", "end": "2026-03-08", "bucket": "day"}


def test_volume_as_json(world, data):
    body = Api(world.admin).get("/reports/volume", {**RANGE, "bucket": "week"}).json()
    VolumeOut.model_validate(body)
    assert body["points"] == [{"start": "2026-03-02", "created": 52, "resolved": 12, "backlog": 43}]


def test_organization_report_as_json(world, data):
    response = Api(world.admin).get(f"/reports/organizations/{world.acme.pk}", RANGE)
    body = response.json()
    OrganizationReportOut.model_validate(body)
    assert body["organization"] == {"id": world.acme.pk, "name": "Acme"}
    assert body["summary"]["created"] == 21
    assert body["filter"]["organization"] == str(world.acme.pk)
    hanna = Api(world.hr_agent)
    assert hanna.get(f"/reports/organizations/{world.globex.pk}", RANGE).status_code == 404


def test_bad_filters_are_problem_json_naming_each_field(world, data):
    response = Api(world.admin).get(
        "/reports/kpis", {"start": "2026-03-09", "end": "2026-03-01", "team": "IT", "sort": "x"}
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert set(errors) == {"end", "team", "sort"}
    assert errors["end"] == ["The range ends before it starts."]
    too_long = Api(world.admin).get("/reports/volume", {"start": "2024-01-01", "end": "2026-01-01"})
    assert too_long.json()["errors"] == {"bucket": ["Over 400 days, group by week or month."]}


def test_requesters_may_not_read_reports(world, data):
    assert Api(world.alice).get("/reports/kpis").status_code == 403
    assert Api(None).get("/reports/kpis").status_code == 401


def test_agent_json_is_scoped(world, data):
    body = Api(world.agent).get("/reports/kpis", RANGE).json()
    assert body["summary"]["created"] == 49
