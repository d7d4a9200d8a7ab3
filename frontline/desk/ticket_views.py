"""The desk's ticket page and the actions on it. Each action parses a form, calls one
service, and redirects back (post/redirect/get); on a refusal the page is shown again with
the message next to the form and everything the agent typed kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from frontline.accounts.models import Team, TeamMembership, User
from frontline.core.errors import Conflict, DomainError, NotFound, ValidationError
from frontline.desk import presenters
from frontline.desk.access import desk_required, me
from frontline.desk.forms import (
    AssignForm,
    ComposerForm,
    EscalateForm,
    FieldsForm,
    LinkForm,
    MergeForm,
    StatusForm,
    VersionForm,
)
from frontline.tickets import policies, selectors, services
from frontline.tickets.models import Category, Ticket, TicketLink
from frontline.tickets.selectors import field_specs
from frontline.web.forms import add_domain_error


def _ticket_or_404(user: Any, number: int) -> Ticket:
    try:
        ticket = selectors.ticket_for(user, number)
    except NotFound:
        raise Http404("No such ticket.") from None
    if not policies.can_work_ticket(user, ticket):
        raise Http404("No such ticket.")
    return ticket


def _forms(ticket: Ticket, bound: dict[str, forms.Form]) -> dict[str, forms.Form]:
    version = {"version": ticket.version}
    specs = field_specs(ticket.category)
    members = (
        User.objects.filter(memberships__team_id=ticket.team_id, is_active=True).order_by(
            "full_name", "email"
        )
        if ticket.team_id
        else User.objects.none()
    )
    built: dict[str, forms.Form] = {
        "composer": ComposerForm(initial={"kind": "public", **version}),
        "status": StatusForm(
            initial={"status": ticket.status, "pending_reason": ticket.pending_reason, **version}
        ),
        "claim": VersionForm(initial=version),
        "assign": AssignForm(initial={"assignee": ticket.assignee_id, **version}),
        "escalate": EscalateForm(initial=version),
        "fields": FieldsForm(
            initial={
                "title": ticket.title,
                "type": ticket.type,
                "impact": ticket.impact,
                "urgency": ticket.urgency,
                "priority": ticket.priority,
                "category": ticket.category_id,
                "tags": ", ".join(t.name for t in ticket.tags.all()),
                **{f"cf__{k}": v for k, v in ticket.custom_fields.items()},
                **version,
            },
            custom_fields=specs,
        ),
        "merge": MergeForm(initial=version),
        "link": LinkForm(),
    }
    built.update(bound)
    built["assign"].fields["assignee"].choices = [  # type: ignore[attr-defined]
        ("", "Nobody"),
        *[(m.pk, m.display_name) for m in members],
    ]
    built["escalate"].fields["team"].choices = [  # type: ignore[attr-defined]
        ("", "This team, next tier"),
        *[(t.pk, t.name) for t in Team.objects.exclude(pk=ticket.team_id or 0)],
    ]
    categories = Category.objects.filter(team_id=ticket.team_id or 0, is_active=True)
    built["fields"].fields["category"].choices = [  # type: ignore[attr-defined]
        ("", "—"),
        *[(c.pk, c.name) for c in categories],
    ]
    return built


def render_ticket(
    request: HttpRequest,
    ticket: Ticket,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = me(request)
    message_list = list(selectors.ticket_messages(user, ticket))
    events = list(selectors.ticket_history(user, ticket))
    context = {
        "ticket": ticket,
        "timeline": presenters.timeline(message_list, events),
        "history": presenters.history(events),
        "links": selectors.ticket_links(user, ticket),
        "watchers": list(ticket.watchers.all()),
        "forms": _forms(ticket, bound or {}),
        "is_member": ticket.team_id is not None
        and TeamMembership.objects.filter(user=user, team_id=ticket.team_id).exists(),
    }
    return render(request, "desk/ticket.html", context, status=status)


@desk_required
def ticket_page(request: HttpRequest, number: int) -> HttpResponse:
    return render_ticket(request, _ticket_or_404(me(request), number))


FormBuilder = Callable[[Any, Any], forms.Form]
Action = Callable[[Ticket, dict[str, Any], forms.Form], str]


def _act(
    request: HttpRequest, number: int, name: str, build: FormBuilder, action: Action
) -> HttpResponse:
    """Validate ``build(POST, FILES)`` and run ``action``; show the outcome on the ticket page.

    A stale version re-shows the page at the current version with the agent's input kept
    (re-sending then is a deliberate choice); any other refusal shows its message in place.
    """
    ticket = _ticket_or_404(me(request), number)
    form = build(request.POST, request.FILES)
    if not form.is_valid():
        return render_ticket(request, ticket, bound={name: form}, status=422)
    try:
        done = action(ticket, form.cleaned_data, form)
    except Conflict as exc:
        fresh = _ticket_or_404(me(request), number)
        data = request.POST.copy()
        data["version"] = str(fresh.version)
        kept = build(data, request.FILES)
        kept.is_valid()
        kept.add_error(None, exc.detail)
        return render_ticket(request, fresh, bound={name: kept}, status=409)
    except DomainError as exc:
        add_domain_error(form, exc)
        return render_ticket(request, ticket, bound={name: form}, status=exc.status)
    messages.success(request, done)
    return redirect("desk:ticket", number=number)


def _with_choices(form: forms.Form, field: str, values: Any) -> forms.Form:
    form.fields[field].choices = [("", ""), *[(str(v), "") for v in values]]  # type: ignore[attr-defined]
    return form


@desk_required
@require_POST
def compose(request: HttpRequest, number: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any], form: forms.Form) -> str:
        files = request.FILES.getlist("files")
        if data["kind"] == "internal":
            services.ticket_note(
                actor=me(request),
                ticket=ticket,
                body=data["body"],
                files=files,
                version=data["version"],
            )
            return "Internal note added."
        services.ticket_reply(
            actor=me(request),
            ticket=ticket,
            body=data["body"],
            files=files,
            version=data["version"],
        )
        return "Reply sent."

    return _act(request, number, "composer", ComposerForm, action)


@desk_required
@require_POST
def change_status(request: HttpRequest, number: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any], form: forms.Form) -> str:
        updated = services.ticket_transition(
            actor=me(request),
            ticket=ticket,
            status=data["status"],
            pending_reason=data.get("pending_reason") or "",
            version=data["version"],
        )
        return f"Status is now {updated.get_status_display().lower()}."

    return _act(request, number, "status", StatusForm, action)


@desk_required
@require_POST
def claim(request: HttpRequest, number: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any], form: forms.Form) -> str:
        services.ticket_claim(actor=me(request), ticket=ticket, version=data["version"])
        return "The ticket is yours."

    return _act(request, number, "claim", VersionForm, action)


@desk_required
@require_POST
def assign(request: HttpRequest, number: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any], form: forms.Form) -> str:
        assignee = User.objects.filter(pk=data["assignee"]).first() if data["assignee"] else None
        services.ticket_assign(
            actor=me(request),
            ticket=ticket,
            assignee=assignee,
            version=data["version"],
        )
        return f"Assigned to {assignee}." if assignee else "Unassigned."

    members = TeamMembership.objects.filter(team__tickets__number=number).values_list(
        "user_id", flat=True
    )
    return _act(
        request,
        number,
        "assign",
        lambda data, files: _with_choices(AssignForm(data), "assignee", members),
        action,
    )


@desk_required
@require_POST
def escalate(request: HttpRequest, number: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any], form: forms.Form) -> str:
        team = Team.objects.filter(pk=data["team"]).first() if data.get("team") else None
        updated = services.ticket_escalate(
            actor=me(request),
            ticket=ticket,
            reason=data["reason"],
            team=team,
            tier=data.get("tier") or None,
            version=data["version"],
        )
        return f"Escalated to {updated.team} {updated.get_tier_display()}."

    teams = Team.objects.values_list("pk", flat=True)
    return _act(
        request,
        number,
        "escalate",
        lambda data, files: _with_choices(EscalateForm(data), "team", teams),
        action,
    )


@desk_required
@require_POST
def update_fields(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(me(request), number)
    category_id = request.POST.get("category") or ""
    category = (
        Category.objects.filter(pk=int(category_id)).first() if category_id.isdigit() else None
    )
    specs = field_specs(category)
    categories = Category.objects.filter(team_id=ticket.team_id or 0).values_list("pk", flat=True)

    def build(data: Any, files: Any) -> forms.Form:
        return _with_choices(FieldsForm(data, custom_fields=specs), "category", categories)

    def action(ticket: Ticket, data: dict[str, Any], form: forms.Form) -> str:
        assert isinstance(form, FieldsForm)
        priority_changed = data["priority"] != ticket.priority
        level_changed = data["impact"] != ticket.impact or data["urgency"] != ticket.urgency
        changes: dict[str, Any] = {
            "title": data["title"],
            "type": data["type"],
            "impact": data["impact"],
            "urgency": data["urgency"],
            "category": category,
            "custom_fields": form.custom_values(),
            "tags": [t for t in (data.get("tags") or "").split(",") if t.strip()],
        }
        if priority_changed or not level_changed:
            changes["priority"] = data["priority"]  # an explicit choice overrides the matrix
        services.ticket_update(actor=me(request), ticket=ticket, version=data["version"], **changes)
        return "Saved."

    return _act(request, number, "fields", build, action)


@desk_required
@require_POST
def merge(request: HttpRequest, number: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any], form: forms.Form) -> str:
        try:
            target = selectors.ticket_for(me(request), data["into"])
        except NotFound:
            raise ValidationError.field("into", "There is no such ticket you can see.") from None
        services.ticket_merge(
            actor=me(request),
            source=ticket,
            target=target,
            version=data["version"],
        )
        return f"Merged into #{target.number}."

    response = _act(request, number, "merge", MergeForm, action)
    if response.status_code == 302:
        ticket = (
            Ticket.objects.only("merged_into__number")
            .select_related("merged_into")
            .get(number=number)
        )
        if ticket.merged_into is not None:
            return redirect("desk:ticket", number=ticket.merged_into.number)
    return response


@desk_required
@require_POST
def link(request: HttpRequest, number: int) -> HttpResponse:
    def action(ticket: Ticket, data: dict[str, Any], form: forms.Form) -> str:
        try:
            target = selectors.ticket_for(me(request), data["target"])
        except NotFound:
            raise ValidationError.field("target", "There is no such ticket you can see.") from None
        services.ticket_link(actor=me(request), source=ticket, target=target, kind=data["kind"])
        return f"Linked #{target.number}."

    return _act(request, number, "link", LinkForm, action)


@desk_required
@require_POST
def unlink(request: HttpRequest, number: int, link_id: int) -> HttpResponse:
    ticket = _ticket_or_404(me(request), number)
    found = TicketLink.objects.filter(pk=link_id).select_related("source", "target").first()
    if found is None or ticket.pk not in (found.source_id, found.target_id):
        raise Http404("No such link.")
    try:
        services.ticket_unlink(actor=me(request), link=found)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Link removed.")
    return redirect("desk:ticket", number=number)


@desk_required
def version(request: HttpRequest, number: int) -> HttpResponse:
    """The ticket's current version, for the page to notice changes made elsewhere."""
    ticket = _ticket_or_404(me(request), number)
    return HttpResponse(str(ticket.version), content_type="text/plain")
