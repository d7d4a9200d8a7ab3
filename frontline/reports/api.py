"""API v1: reports. Query parameters are the report filter (``start``, ``end``, ``bucket``,
``team``, ``tier``, ``assignee``, ``organization``, ``category``, ``channel``, ``priority``,
``type``); an unknown parameter or a bad value is a 422 naming it. Desk users only (403)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from frontline.accounts.policies import is_desk_user
from frontline.api.schemas import ERRORS, Id, actor, json_response
from frontline.core.errors import PermissionDenied
from frontline.reports import exports, selectors
from frontline.reports.filters import ReportFilter, parse_filter
from frontline.reports.schemas import KpiOut, OrganizationReportOut, VolumeOut

router = Router(tags=["Reports"])


def _errors(*codes: int) -> dict[int, Any]:
    return {code: ERRORS[code] for code in codes}


def _filter(request: HttpRequest) -> ReportFilter:
    if not is_desk_user(actor(request)):
        raise PermissionDenied("Reports are for the desk.")
    params = {key: request.GET.get(key, "") for key in request.GET}
    return parse_filter(params, today=timezone.now().date())


@router.get("/reports/kpis", response={200: KpiOut, **_errors(401, 403, 422)})
def kpis(request: HttpRequest) -> HttpResponse:
    """Every KPI over the tickets you may see (see docs/reports.md for the definitions)."""
    f = _filter(request)
    summary = selectors.kpi_summary(actor(request), f)
    return json_response({"filter": f.as_params(), "summary": summary})


@router.get("/reports/volume", response={200: VolumeOut, **_errors(401, 403, 422)})
def volume(request: HttpRequest) -> HttpResponse:
    """Created, resolved and open-at-end per day/week/month bucket."""
    f = _filter(request)
    points = selectors.volume_series(actor(request), f)
    return json_response({"filter": f.as_params(), "points": [p.as_dict() for p in points]})


@router.get(
    "/reports/organizations/{organization_id}",
    response={200: OrganizationReportOut, **_errors(401, 403, 404, 422)},
)
def organization(request: HttpRequest, organization_id: Id) -> HttpResponse:
    """One organization's report: only its tickets, only those you may see (404 when you may
    not report on it)."""
    f = _filter(request)
    user = actor(request)
    org = selectors.organization_for(user, organization_id)
    return json_response(exports.report_json(selectors.organization_report(user, org, f)))
