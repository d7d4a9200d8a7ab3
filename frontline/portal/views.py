"""The requesters' self-service portal: submit a request, follow it, reply, confirm."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from frontline.accounts.models import User
from frontline.core.errors import DomainError, NotFound
from frontline.desk.access import me
from frontline.portal.forms import ReplyForm, RequestForm
from frontline.portal.wording import status_words
from frontline.satisfaction.portal import portal_survey_context
from frontline.tickets import lifecycle, selectors, services
from frontline.tickets.models import Category, Channel, MessageKind, Ticket
from frontline.tickets.selectors import TicketFilters, field_specs, ticket_list
from frontline.web.forms import add_domain_error


def portal_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def categories_for(user: User) -> list[tuple[int, str]]:
    """The active categories the requester may file under (the same rule as the API's)."""
    queryset = selectors.categories_visible_to(user).filter(is_active=True).select_related("parent")
    return [
        (c.pk, f"{c.team.name} › {c.parent.name + ' › ' if c.parent else ''}{c.name}")
        for c in queryset
    ]


@portal_login_required
def home(request: HttpRequest) -> HttpResponse:
    """My requests, and my organization's where it shares them."""
    user = me(request)
    scope = request.GET.get("show", "mine")
    shared = list(user.organizations.filter(shares_tickets=True).values_list("id", flat=True))
    filters = (
        TicketFilters(organization=shared)
        if scope == "org" and shared
        else TicketFilters(requester=[user.pk])
    )
    try:
        page = ticket_list(
            user, filters, sort="-updated_at", cursor=request.GET.get("cursor") or None, limit=20
        )
    except DomainError:
        page = ticket_list(user, filters, sort="-updated_at", limit=20)
    shares = bool(shared)
    rows = [(ticket, status_words(ticket)) for ticket in page.items]
    return render(
        request,
        "portal/home.html",
        {"rows": rows, "page": page, "show": scope, "shares": shares, "section": "home"},
    )


def _category(value: Any) -> Category | None:
    return Category.objects.filter(pk=value).first() if str(value or "").isdigit() else None


@portal_login_required
def new_request(request: HttpRequest) -> HttpResponse:
    user = me(request)
    categories = categories_for(user)
    allowed = {pk for pk, _ in categories}
    chosen = _category(request.POST.get("category") or request.GET.get("category"))
    if chosen is not None and chosen.pk not in allowed:
        chosen = None
    form = RequestForm(
        request.POST or None,
        request.FILES or None,
        categories=categories,
        custom_fields=field_specs(chosen),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                actor=user,
                title=data["title"],
                description=data["description"],
                category=chosen,
                impact=data["impact"],
                urgency=data["urgency"],
                custom_fields=form.custom_values(),
                channel=Channel.WEB,
                files=request.FILES.getlist("files"),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, f"Thank you. Your request number is #{ticket.number}; we will be in touch."
            )
            return redirect("portal:request", number=ticket.number)
    return render(
        request,
        "portal/new.html",
        {"form": form, "section": "new"},
        status=422 if form.errors else 200,
    )


@portal_login_required
def category_fields(request: HttpRequest) -> HttpResponse:
    """htmx partial: the custom fields of the chosen category."""
    user = me(request)
    chosen = _category(request.GET.get("category"))
    if chosen is not None and chosen.pk not in {pk for pk, _ in categories_for(user)}:
        chosen = None
    form = RequestForm(categories=[], custom_fields=field_specs(chosen))
    return render(request, "portal/_custom_fields.html", {"form": form})


def _visible(user: Any, number: int) -> Ticket:
    try:
        return selectors.ticket_for(user, number)
    except NotFound:
        raise Http404("No such request.") from None


def _render_request(
    request: HttpRequest, ticket: Ticket, form: ReplyForm | None = None, status: int = 200
) -> HttpResponse:
    # The portal shows the public conversation only, even to a desk user filing a request.
    conversation = list(
        selectors.ticket_messages(me(request), ticket).filter(kind=MessageKind.PUBLIC)
    )
    return render(
        request,
        "portal/request.html",
        {
            "ticket": ticket,
            "status_words": status_words(ticket),
            "conversation": conversation,
            "form": form or ReplyForm(),
            # Only the requester may call it solved (a colleague sharing the request may not).
            "can_solve": ticket.status in lifecycle.OPEN_STATUSES
            and ticket.requester_id == me(request).pk,
            "can_reopen": ticket.status == "resolved",
            **portal_survey_context(me(request), ticket),
        },
        status=status,
    )


@portal_login_required
def request_page(request: HttpRequest, number: int) -> HttpResponse:
    return _render_request(request, _visible(me(request), number))


@portal_login_required
@require_POST
def reply(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _visible(me(request), number)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_reply(
                actor=me(request),
                ticket=ticket,
                body=form.cleaned_data["body"],
                files=request.FILES.getlist("files"),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            return _render_request(request, ticket, form, status=exc.status)
        messages.success(request, "Your reply is sent.")
        return redirect("portal:request", number=number)
    return _render_request(request, ticket, form, status=422)


@portal_login_required
@require_POST
def set_status(request: HttpRequest, number: int) -> HttpResponse:
    """ "This is solved" (→ resolved) and "Still a problem" (resolved → open)."""
    ticket = _visible(me(request), number)
    wanted = request.POST.get("status")
    try:
        services.ticket_transition(
            actor=me(request),
            ticket=ticket,
            status="resolved" if wanted == "resolved" else "open",
            version=int(request.POST.get("version") or 0) or None,
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            "Marked as solved. Thank you!"
            if wanted == "resolved"
            else "Reopened: we are on it again.",
        )
    return redirect("portal:request", number=number)
