"""Logging a phone call as a ticket (channel "phone"), optionally resolved on first contact."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from frontline.accounts.models import User
from frontline.accounts.selectors import people_search
from frontline.core.errors import DomainError
from frontline.desk.access import desk_required, me
from frontline.desk.forms import PhoneCallForm
from frontline.tickets.models import Category, Channel
from frontline.tickets.policies import scope_for
from frontline.tickets.services import ticket_create, ticket_create_for_contact
from frontline.web.forms import add_domain_error


def _categories(user: User) -> list[tuple[str, str]]:
    teams = scope_for(user).team_ids
    queryset = Category.objects.filter(is_active=True).select_related("team")
    if teams:
        queryset = queryset.filter(team_id__in=teams)
    return [("", "—"), *[(str(c.pk), f"{c.team.name}: {c.name}") for c in queryset]]


@desk_required
def log_call(request: HttpRequest) -> HttpResponse:
    user = me(request)
    form = PhoneCallForm(request.POST or None)
    form.fields["category"].choices = _categories(user)  # type: ignore[attr-defined]
    caller = None
    if request.method == "POST":
        caller_id = request.POST.get("requester") or ""
        caller = User.objects.filter(pk=int(caller_id)).first() if caller_id.isdigit() else None
        if form.is_valid():
            data = form.cleaned_data
            fields = {
                "title": data["title"],
                "description": data["description"],
                "category": Category.objects.filter(pk=data["category"]).first(),
                "impact": data["impact"],
                "urgency": data["urgency"],
                "type": data["type"],
                "channel": Channel.PHONE,
                "resolved_on_first_contact": data["resolved_on_first_contact"],
            }
            try:
                if caller is None:
                    ticket = ticket_create_for_contact(
                        actor=user,
                        requester_email=data["new_email"],
                        requester_name=data["new_name"],
                        requester_phone=data["new_phone"],
                        **fields,
                    )
                else:
                    ticket = ticket_create(actor=user, requester=caller, **fields)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                note = " and resolved on first contact" if ticket.resolved_on_first_contact else ""
                messages.success(request, f"Call logged as #{ticket.number}{note}.")
                return redirect("desk:ticket", number=ticket.number)
    return render(
        request,
        "desk/phone.html",
        {"form": form, "caller": caller, "section": "phone"},
        status=422 if form.errors else 200,
    )


@desk_required
def people(request: HttpRequest) -> HttpResponse:
    """htmx partial: people matching the search box."""
    found = people_search(me(request), request.GET.get("q", ""))
    return render(request, "desk/_people.html", {"people": found})
