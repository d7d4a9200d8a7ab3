"""The desk's search results page: tickets, people and articles from one box."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from frontline.accounts.models import User
from frontline.accounts.selectors import teams_visible_to
from frontline.core.errors import ValidationError
from frontline.search.selectors import KINDS, SearchRequest, search_everything
from frontline.tickets.models import Status

KIND_LABELS = {"ticket": "Tickets", "person": "People", "article": "Articles"}


def _ints(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@login_required
def results(request: HttpRequest) -> HttpResponse:
    """GET /search/?q=…&kind=…&status=…&team=…: requesters go to the knowledge base search."""
    user = request.user
    assert isinstance(user, User)
    q = request.GET.get("q", "")
    if not user.is_agent_like:
        try:
            target = reverse("knowledge:search")
        except NoReverseMatch:
            target = reverse("root")
        return redirect(f"{target}?{urlencode({'q': q})}" if q else target)
    search = SearchRequest(
        q=q,
        kind=request.GET.get("kind", ""),
        status=[s for s in request.GET.getlist("status") if s],
        team=_ints(request.GET.getlist("team")),
    )
    sections: dict[str, list] = {}
    errors: list[str] = []
    if q.strip() or request.GET.get("kind"):
        try:
            sections = search_everything(user, search)
        except ValidationError as exc:
            errors = [m for messages in exc.errors.values() for m in messages] or [exc.detail]
    context = {
        "section": "search",
        "q": q,
        "search": search,
        "sections": [(kind, KIND_LABELS[kind], hits) for kind, hits in sections.items()],
        "searched": bool(sections),
        "errors": errors,
        "kinds": [(kind, KIND_LABELS[kind]) for kind in KINDS],
        "statuses": Status.choices,
        "teams": list(teams_visible_to(user).values_list("pk", "name")),
    }
    return render(request, "search/results.html", context)
