"""Automation pages: rules (list, edit, dry run, versions) and routing for coordinators and
admins (404 for anyone else); canned responses; each agent's availability; and the fragment
that puts a rendered canned response into the desk's reply box."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from frontline.accounts.models import Team
from frontline.automation import engine, policies, selectors, services
from frontline.automation.forms import (
    AvailabilityForm,
    CannedForm,
    RoutingForm,
    RuleForm,
    place_errors,
)
from frontline.automation.models import Availability, CannedResponse, Rule, TeamRouting
from frontline.core.errors import DomainError, NotFound
from frontline.desk.access import desk_required, me
from frontline.tickets.selectors import ticket_for


def _rules_or_404(request: HttpRequest) -> None:
    if not policies.can_manage_rules(request.user):
        raise Http404("No such page.")


def _rule_or_404(request: HttpRequest, pk: int) -> Rule:
    try:
        return selectors.rule_for(me(request), pk)
    except NotFound:
        raise Http404("No such rule.") from None


# --- Rules ------------------------------------------------------------------------------------


@desk_required
def rules(request: HttpRequest) -> HttpResponse:
    _rules_or_404(request)
    rows = list(selectors.rules_for(me(request)))
    return render(request, "automation/rules.html", {"rules": rows, "section": "automation"})


@desk_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _rules_or_404(request)
    rule = _rule_or_404(request, pk) if pk is not None else None
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            fields: dict[str, Any] = {
                "name": data["name"],
                "description": data["description"],
                "trigger": data["trigger"],
                "conditions_tree": data["conditions"],
                "actions": data["actions"],
                "position": data["position"],
                "is_active": data["is_active"],
            }
            try:
                if rule is None:
                    rule = services.rule_create(actor=me(request), **fields)
                    messages.success(request, f"Rule “{rule.name}” created.")
                else:
                    rule = services.rule_update(
                        actor=me(request), rule=rule, version=data["version"], **fields
                    )
                    messages.success(request, f"Rule saved (version {rule.version}).")
            except DomainError as error:
                place_errors(form, error)
            else:
                return redirect("automation:rule", pk=rule.pk)
    elif rule is not None:
        form = RuleForm(
            initial={
                "name": rule.name,
                "description": rule.description,
                "trigger": rule.trigger,
                "position": rule.position,
                "is_active": rule.is_active,
                "conditions": json.dumps(rule.conditions or {}, indent=2, ensure_ascii=False),
                "actions": json.dumps(rule.actions or [], indent=2, ensure_ascii=False),
                "version": rule.version,
            }
        )
    else:
        form = RuleForm(initial={"conditions": '{"all": []}', "actions": "[]"})
    executions = selectors.rule_executions(me(request), rule, 20) if rule is not None else []
    return render(
        request,
        "automation/rule_edit.html",
        {"form": form, "rule": rule, "executions": executions, "section": "automation"},
    )


@desk_required
def rule_dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    _rules_or_404(request)
    rule = _rule_or_404(request, pk)
    try:
        limit = int(request.GET.get("limit") or engine.DRY_RUN_DEFAULT)
    except ValueError:
        limit = engine.DRY_RUN_DEFAULT
    limit = max(1, min(limit, engine.DRY_RUN_MAX))
    result = services.rule_dry_run(actor=me(request), rule=rule, limit=limit)
    return render(
        request,
        "automation/dry_run.html",
        {"rule": rule, "result": result, "limit": limit, "section": "automation"},
    )


@desk_required
def rule_versions(request: HttpRequest, pk: int) -> HttpResponse:
    _rules_or_404(request)
    rule = _rule_or_404(request, pk)
    versions = [
        {
            "v": v,
            "conditions": json.dumps(v.conditions, indent=2, ensure_ascii=False),
            "actions": json.dumps(v.actions, indent=2, ensure_ascii=False),
        }
        for v in selectors.rule_versions(me(request), rule)
    ]
    return render(
        request,
        "automation/versions.html",
        {"rule": rule, "versions": versions, "section": "automation"},
    )


# --- Routing ----------------------------------------------------------------------------------


@desk_required
def routing(request: HttpRequest) -> HttpResponse:
    _rules_or_404(request)
    configured = {r.team_id: r for r in selectors.team_routings(me(request))}
    teams = list(Team.objects.order_by("name"))
    bound: dict[int, RoutingForm] = {}
    if request.method == "POST":
        team = next((t for t in teams if str(t.pk) == request.POST.get("team")), None)
        if team is None:
            raise Http404("No such team.")
        form = RoutingForm(request.POST, prefix=f"team{team.pk}")
        if form.is_valid():
            try:
                services.team_routing_set(
                    actor=me(request),
                    team=team,
                    mode=form.cleaned_data["mode"],
                    unassign_after=form.cleaned_data["unassign_after"],
                )
            except DomainError as error:
                place_errors(form, error)
            else:
                messages.success(request, f"Routing of {team} saved.")
                return redirect("automation:routing")
        bound[team.pk] = form
    rows = []
    for team in teams:
        current: TeamRouting | None = configured.get(team.pk)
        form = bound.get(team.pk) or RoutingForm(
            prefix=f"team{team.pk}",
            initial={
                "mode": current.mode if current else "manual",
                "unassign_after": current.unassign_after if current else None,
            },
        )
        rows.append({"team": team, "form": form})
    return render(request, "automation/routing.html", {"rows": rows, "section": "automation"})


# --- Canned responses -------------------------------------------------------------------------


@desk_required
def canned_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.canned_for(me(request)))
    return render(
        request,
        "automation/canned.html",
        {
            "responses": rows,
            "can_edit": policies.can_edit_canned(request.user),
            "section": "automation",
        },
    )


@desk_required
def canned_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not policies.can_edit_canned(request.user):
        raise Http404("No such page.")
    canned = CannedResponse.objects.filter(pk=pk).first() if pk is not None else None
    if pk is not None and canned is None:
        raise Http404("No such canned response.")
    if request.method == "POST":
        form = CannedForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if canned is None:
                    services.canned_create(actor=me(request), **data)
                else:
                    services.canned_update(actor=me(request), canned=canned, **data)
            except DomainError as error:
                place_errors(form, error)
            else:
                messages.success(request, "Canned response saved.")
                return redirect("automation:canned")
    elif canned is not None:
        form = CannedForm(
            initial={
                "title": canned.title,
                "body": canned.body,
                "team": canned.team_id,
                "is_active": canned.is_active,
            }
        )
    else:
        form = CannedForm()
    return render(
        request,
        "automation/canned_edit.html",
        {"form": form, "canned": canned, "section": "automation"},
    )


@desk_required
def canned_insert(request: HttpRequest) -> HttpResponse:
    """The reply box's text area with the chosen response rendered for the ticket, after
    what the agent had already typed (HTMX swaps it in; nothing is sent)."""
    user = me(request)
    typed = request.GET.get("body", "")
    try:
        canned = selectors.canned_one(user, int(request.GET.get("canned") or 0))
        ticket = ticket_for(user, request.GET.get("ticket", ""))
        text = services.canned_render(actor=user, canned=canned, ticket=ticket)
    except (NotFound, ValueError):
        raise Http404("No such canned response.") from None
    except DomainError as error:
        text, typed = "", typed + f"\n[{error.detail}]"
    body = f"{typed.rstrip()}\n\n{text}" if typed.strip() else text
    return render(request, "automation/_composer_body.html", {"body": body})


# --- Availability -----------------------------------------------------------------------------


@desk_required
def availability(request: HttpRequest) -> HttpResponse:
    user = me(request)
    current = selectors.agent_status_of(user)
    if request.method == "POST":
        form = AvailabilityForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            languages = [x for x in data["languages"].replace(";", ",").split(",") if x.strip()]
            try:
                services.agent_status_set(
                    actor=user,
                    status=data["status"],
                    away_from=data["away_from"],
                    away_until=data["away_until"],
                    languages=languages,
                )
            except DomainError as error:
                place_errors(form, error)
            else:
                messages.success(request, "Your availability is saved.")
                return redirect("automation:availability")
    else:
        form = AvailabilityForm(
            initial={
                "status": current.status if current else Availability.ONLINE,
                "away_from": current.away_from if current else None,
                "away_until": current.away_until if current else None,
                "languages": ", ".join(current.languages) if current else "",
            }
        )
    return render(
        request,
        "automation/availability.html",
        {"form": form, "current": current, "section": "availability"},
    )


@require_POST
@desk_required
def availability_toggle(request: HttpRequest) -> HttpResponse:
    """The desk bar's switch: online ↔ away."""
    user = me(request)
    current = selectors.agent_status_of(user)
    online = current is None or current.status == Availability.ONLINE
    services.agent_status_set(
        actor=user, status=Availability.AWAY if online else Availability.ONLINE
    )
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/desk/"
    return redirect(target)
