"""Automation pages: rules (list, edit, dry run, versions) and routing for coordinators and
admins (404 for anyone else); canned responses; each agent's availability; and the fragment
that puts a rendered canned response into the desk's reply box."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from frontline.accounts.models import Team
from frontline.automation import (
    builder,
    builder_post,
    builder_widgets,
    engine,
    policies,
    selectors,
    services,
)
from frontline.automation import routing as routing_rules
from frontline.automation.forms import (
    AgentRoutingForm,
    AvailabilityForm,
    CannedForm,
    RoutingForm,
    RuleForm,
    RuleMetaForm,
    place_errors,
)
from frontline.automation.models import Availability, CannedResponse, Rule, TeamRouting, Trigger
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


def _json_initial(meta: dict[str, Any], tree: Any, acts: Any) -> dict[str, Any]:
    return {
        **meta,
        "conditions": json.dumps(tree or {}, indent=2, ensure_ascii=False),
        "actions": json.dumps(acts or [], indent=2, ensure_ascii=False),
    }


def _rule_fields(meta: dict[str, Any], tree: Any, acts: Any) -> dict[str, Any]:
    return {
        "name": meta["name"],
        "description": meta["description"],
        "trigger": meta["trigger"],
        "conditions_tree": tree,
        "actions": acts,
        "position": meta["position"],
        "is_active": meta["is_active"],
    }


def _save(
    request: HttpRequest, rule: Rule | None, meta: dict[str, Any], tree: Any, acts: Any
) -> Rule:
    fields = _rule_fields(meta, tree, acts)
    if rule is None:
        rule = services.rule_create(actor=me(request), **fields)
        messages.success(request, f"Rule “{rule.name}” created. It is off: run a dry run first.")
    else:
        rule = services.rule_update(actor=me(request), rule=rule, version=meta["version"], **fields)
        messages.success(request, f"Rule saved (version {rule.version}).")
    return rule


def _place_rule_errors(
    meta: RuleMetaForm, state: builder.State, error: DomainError, paths: dict[str, str]
) -> None:
    """The builder's messages on their rows, the others under their fields; a summary on top."""
    in_builder = state.place_errors(error.errors, paths)
    unplaced = False
    for path, texts in error.errors.items():
        head = path.split(".", 1)[0]
        if head in ("conditions", "actions"):
            continue
        if head in meta.fields and not meta.fields[head].widget.is_hidden:
            if not meta.has_error(head):
                for text in texts:
                    meta.add_error(head, text)
        else:
            unplaced = True
    if unplaced or not error.errors:
        meta.add_error(None, error.detail)
    if in_builder:
        meta.add_error(None, "The rule has problems: see the marked rows.")


@desk_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The rule editor: the builder by default, JSON with ``editor=json``. Add / remove row
    buttons post ``_op`` and get the page back unsaved (htmx swaps just the builder in);
    Save validates through the services and, on an error, shows the page again with every
    message next to its row and everything as it was entered."""
    _rules_or_404(request)
    rule = _rule_or_404(request, pk) if pk is not None else None
    user = me(request)
    catalog = selectors.builder_catalog(user)
    data = request.POST if request.method == "POST" else request.GET
    editor = data.get("editor") or ("json" if "actions" in request.POST else "builder")
    state: builder.State | None = None
    json_form: RuleForm | None = None
    meta: RuleMetaForm
    op = request.POST.get("_op", "")
    if request.method == "POST" and editor == "json":
        json_form = RuleForm(request.POST)
        meta = json_form
        if json_form.is_valid():
            cleaned = json_form.cleaned_data
            if op == "builder":  # to the builder with what was typed
                state = builder.from_definition(cleaned["conditions"], cleaned["actions"])
                json_form = None
            else:
                try:
                    rule = _save(request, rule, cleaned, cleaned["conditions"], cleaned["actions"])
                except DomainError as error:
                    place_errors(json_form, error)
                else:
                    return redirect("automation:rule", pk=rule.pk)
    elif request.method == "POST":
        meta = RuleMetaForm(request.POST)
        state = builder_post.from_post(request.POST, catalog)
        if op == "json":
            tree, acts, _ = state.definition()
            json_form = RuleForm(initial=_json_initial(dict(meta.data.items()), tree, acts))
            json_form.initial["is_active"] = bool(request.POST.get("is_active"))
            state = None
        elif op:
            state.apply(op)
        else:
            tree, acts, paths = state.definition()
            try:
                if meta.is_valid():
                    rule = _save(request, rule, meta.cleaned_data, tree, acts)
                else:  # still check the rows, so every message shows at once
                    services.rule_check(
                        actor=user,
                        trigger=str(request.POST.get("trigger", "")),
                        conditions_tree=tree,
                        actions=acts,
                    )
            except DomainError as error:
                _place_rule_errors(meta, state, error, paths)
            else:
                if meta.is_valid() and rule is not None:
                    return redirect("automation:rule", pk=rule.pk)
    else:
        initial: dict[str, Any] = {"position": 0}
        if rule is not None:
            initial = {
                "name": rule.name,
                "description": rule.description,
                "trigger": rule.trigger,
                "position": rule.position,
                "is_active": rule.is_active,
                "version": rule.version,
            }
        meta = RuleMetaForm(initial=initial)
        tree = rule.conditions if rule is not None else {}
        acts = rule.actions if rule is not None else []
        if editor == "json":
            json_form = RuleForm(initial=_json_initial(initial, tree, acts))
        else:
            state = builder.from_definition(tree, acts)
    trigger = str(data.get("trigger") or (rule.trigger if rule is not None else Trigger.CREATED))
    form = json_form or meta
    if state is not None:
        builder_widgets.decorate(state, catalog, trigger)
        # A new trigger changes which operators apply (no "changed to" for time rules).
        form.fields["trigger"].widget.attrs.update(
            {
                "hx-post": request.path,
                "hx-trigger": "change",
                "hx-target": "#builder",
                "hx-select": "#builder",
                "hx-swap": "outerHTML",
                "hx-vals": '{"_op": "refresh"}',
            }
        )
    executions = selectors.rule_executions(user, rule, 20) if rule is not None else []
    return render(
        request,
        "automation/rule_edit.html",
        {
            "form": form,
            "json_form": json_form,
            "state": state,
            "rule": rule,
            "executions": executions,
            "section": "automation",
        },
    )


@require_POST
@desk_required
def builder_row(request: HttpRequest) -> HttpResponse:
    """One builder row again after its field, operator or action type changed (htmx): the
    operators valid for the field and a value input that fits it. Saves nothing."""
    _rules_or_404(request)
    prefix = request.POST.get("prefix", "")
    if not builder.PREFIX.match(prefix):
        raise Http404("No such row.")
    catalog = selectors.builder_catalog(me(request))
    changed = request.headers.get("HX-Trigger-Name", request.POST.get("changed", ""))
    changed = changed.rsplit("-", 1)[-1]
    if prefix.startswith("a-"):
        act = builder_post.action_from_post(request.POST, prefix)
        if changed == "type":
            act.params = builder_widgets.action_defaults(act.type)
        elif changed == "field":
            act.params = {"field": act.params.get("field", ""), "value": ""}
        builder_widgets.decorate_action(act, catalog)
        return render(request, "automation/_builder_action.html", {"act": act})
    row = builder_post.condition_from_post(request.POST, prefix, catalog, changed)
    builder_widgets.decorate_condition(row, catalog, request.POST.get("trigger", ""))
    return render(request, "automation/_builder_condition.html", {"row": row})


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


@desk_required
def team_agents(request: HttpRequest, team_id: int) -> HttpResponse:
    """A team's agents: availability, out-of-office dates, languages and skills, for
    coordinators, admins and the team's lead (404 for anyone else)."""
    user = me(request)
    try:
        team, members = selectors.team_agents(user, team_id)
    except NotFound:
        raise Http404("No such team.") from None
    skill_choices = [(pk, path) for pk, _, path in selectors.category_paths(team)]
    bound: dict[int, AgentRoutingForm] = {}
    if request.method == "POST":
        agent = next((m for m in members if str(m.pk) == request.POST.get("agent")), None)
        if agent is None:
            raise Http404("No such agent.")
        form = AgentRoutingForm(request.POST, prefix=f"u{agent.pk}", skill_choices=skill_choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.agent_routing_set(
                    actor=user,
                    agent=agent,
                    team=team,
                    status=data["status"],
                    away_from=data["away_from"],
                    away_until=data["away_until"],
                    languages=form.language_list(),
                    categories=selectors.categories_by_id(data["skills"]),
                )
            except DomainError as error:
                place_errors(form, error)
            else:
                messages.success(request, f"{agent} saved.")
                return redirect("automation:team-agents", team_id=team.pk)
        bound[agent.pk] = form
    rows = []
    for member in members:
        status = getattr(member, "agent_status", None)
        skills = [s.category_id for s in member.skills.all()]
        form = bound.get(member.pk) or AgentRoutingForm(
            prefix=f"u{member.pk}",
            skill_choices=skill_choices,
            initial={
                "status": status.status if status else Availability.ONLINE,
                "away_from": status.away_from if status else None,
                "away_until": status.away_until if status else None,
                "languages": ", ".join(status.languages) if status else "",
                "skills": skills,
            },
        )
        other = [str(s.category) for s in member.skills.all() if s.category.team_id != team.pk]
        rows.append(
            {
                "agent": member,
                "form": form,
                "available": routing_rules.is_available(status, timezone.localdate()),
                "other_skills": other,
            }
        )
    return render(
        request,
        "automation/team_agents.html",
        {
            "team": team,
            "rows": rows,
            "perms_rules": policies.can_manage_rules(user),
            "section": "automation",
        },
    )


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
            try:
                services.agent_status_set(
                    actor=user,
                    status=data["status"],
                    away_from=data["away_from"],
                    away_until=data["away_until"],
                    languages=form.language_list(),
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
        {
            "form": form,
            "current": current,
            "led_teams": list(selectors.teams_with_agents_for(user)),
            "section": "availability",
        },
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
