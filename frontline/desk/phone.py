"""Logging a phone call as a ticket (channel "phone"), optionally resolved on first contact."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from frontline.accounts.models import User
from frontline.accounts.selectors import people_search
from frontline.accounts.services import requester_for_email
from frontline.core.errors import DomainError
from frontline.desk.access import desk_required, me
from frontline.desk.forms import PhoneCallForm
from frontline.tickets.models import Category, Channel
from frontline.tickets.policies import scope_for
from frontline.tickets.services import ticket_create
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
            new_caller = caller is None
            try:
                with transaction.atomic():  # a refused ticket leaves no new caller behind
                    if caller is None:
                        caller = requester_for_email(
                            data["new_email"], full_name=data["new_name"], phone=data["new_phone"]
                        )
                    category = Category.objects.filter(pk=data["category"]).first()
                    ticket = ticket_create(
                        actor=user,
                        requester=caller,
                        title=data["title"],
                        description=data["description"],
                        category=category,
                        impact=data["impact"],
                        urgency=data["urgency"],
                        type=data["type"],
                        channel=Channel.PHONE,
                        resolved_on_first_contact=data["resolved_on_first_contact"],
                    )
            except DomainError as exc:
                if new_caller:
                    caller = None
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
