"""The desk's ticket lists: named queues, filters, sort, saved views and bulk actions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from frontline.accounts.models import Organization, Team, User
from frontline.core.errors import DomainError
from frontline.desk import bulk
from frontline.desk.access import desk_required, me
from frontline.desk.forms import BulkForm, FilterForm
from frontline.desk.models import SavedView
from frontline.desk.queues import QUEUE_KEYS, QUEUES, queue_counts, queue_filters
from frontline.tickets.models import Category
from frontline.tickets.policies import scope_for
from frontline.tickets.selectors import DEFAULT_SORT, ticket_list

PAGE_SIZE = 25


OPTIONS_FRESH_FOR = 60  # seconds; names of teams, agents and categories change rarely


def filter_options(user: User) -> dict[str, list[tuple[Any, str]]]:
    """Choices for the filter bar and bulk actions, shared by agents of the same teams and
    kept for a minute (four queries, about 7 ms, otherwise paid on every queue page)."""
    team_ids = sorted(scope_for(user).team_ids)
    key = "desk:options:" + ",".join(map(str, team_ids))
    options = cache.get(key)
    if options is None:
        options = _load_filter_options(team_ids)
        cache.set(key, options, OPTIONS_FRESH_FOR)
    return options


def _load_filter_options(team_ids: list[int]) -> dict[str, list[tuple[Any, str]]]:
    teams = Team.objects.all() if not team_ids else Team.objects.filter(pk__in=team_ids)
    agents = (
        User.objects.filter(memberships__team__in=teams, is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )
    categories = Category.objects.filter(team__in=teams, is_active=True).select_related("team")
    return {
        "teams": [(t.pk, t.name) for t in teams],
        "agents": [(str(a.pk), a.display_name) for a in agents],
        "categories": [(c.pk, f"{c.team.name}: {c.name}") for c in categories],
        "organizations": [(o.pk, o.name) for o in Organization.objects.all()],
    }


@desk_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("desk:queue", key="mine")


@desk_required
def queue(request: HttpRequest, key: str) -> HttpResponse:
    """One queue page: constant queries whatever the page size (page, tags, counts, options)."""
    if key not in QUEUE_KEYS:
        return redirect("desk:queue", key="mine")
    user = me(request)
    options = filter_options(user)
    form = FilterForm(request.GET, options=options)
    page = None
    if form.is_valid():
        filters = queue_filters(user, key, form.to_filters())
        sort = form.cleaned_data.get("sort") or QUEUE_KEYS[key].sort or DEFAULT_SORT
        try:
            page = ticket_list(
                user,
                filters,
                sort=sort,
                cursor=request.GET.get("cursor") or None,
                limit=PAGE_SIZE,
            )
        except DomainError as exc:
            messages.error(
                request,
                f"{exc.detail} " + " ".join(m for msgs in exc.errors.values() for m in msgs),
            )
    query = request.GET.copy()
    query.pop("cursor", None)
    next_url = None
    if page and page.next_cursor:
        next_query = query.copy()
        next_query["cursor"] = page.next_cursor
        next_url = f"?{next_query.urlencode()}"
    return render(
        request,
        "desk/queue.html",
        {
            "queues": QUEUES,
            "current": QUEUE_KEYS[key],
            "counts": queue_counts(user),
            "form": form,
            "page": page,
            "next_url": next_url,
            "first_url": f"?{query.urlencode()}" if request.GET.get("cursor") else None,
            "query": query.urlencode(),
            "saved_views": SavedView.objects.filter(user=user),
            "bulk_form": BulkForm(),
            "agents": options["agents"],
        },
    )


@desk_required
def counts(request: HttpRequest) -> HttpResponse:
    """The sidebar's live counts (polled by htmx), keeping the current queue highlighted."""
    current = QUEUE_KEYS.get(request.GET.get("current") or "")
    return render(
        request,
        "desk/_queue_nav.html",
        {"queues": QUEUES, "counts": queue_counts(me(request)), "current": current},
    )


@desk_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    name = (request.POST.get("name") or "").strip()[:60]
    key = request.POST.get("queue") or "mine"
    query = QueryDict(request.POST.get("query") or "", mutable=True)
    query.pop("cursor", None)
    back = reverse("desk:queue", args=[key if key in QUEUE_KEYS else "mine"])
    if not name:
        messages.error(request, "Give the view a name.")
        return redirect(f"{back}?{query.urlencode()}")
    try:
        with transaction.atomic():  # a duplicate name must not break an outer transaction
            SavedView.objects.create(
                user=me(request),
                name=name,
                query=urlencode({"queue": key}) + "&" + query.urlencode(),
            )
    except IntegrityError:
        messages.error(request, f"You already have a view called “{name}”.")
    else:
        messages.success(request, f"Saved the view “{name}”.")
    return redirect(f"{back}?{query.urlencode()}")


@desk_required
def open_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(SavedView, pk=pk, user=me(request))
    query = QueryDict(view.query, mutable=True)
    key = query.pop("queue", ["mine"])[0]
    return redirect(f"{reverse('desk:queue', args=[key])}?{query.urlencode()}")


@desk_required
@require_POST
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(SavedView, pk=pk, user=me(request)).delete()
    messages.success(request, "View deleted.")
    return redirect("desk:home")


@desk_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Apply one action to the selected tickets, each through its service and policy."""
    form = BulkForm(request.POST)
    back = request.POST.get("back") or reverse("desk:home")
    if not back.startswith("/desk/"):
        back = reverse("desk:home")
    if not form.is_valid():
        messages.error(request, "Choose an action and what it needs.")
        return redirect(back)
    result = bulk.apply(me(request), form.cleaned_data, request.POST.getlist("ticket"))
    if result.done:
        messages.success(request, f"Done for {result.done} ticket(s).")
    for problem in result.problems:
        messages.error(request, problem)
    return redirect(back)
