"""The desk queue's CSV download: the queue with the filters and sort the agent has on
screen, through ``frontline.tickets.exports``."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from frontline.core.errors import DomainError
from frontline.desk.access import desk_required, me
from frontline.desk.forms import FilterForm
from frontline.desk.queues import QUEUE_KEYS, queue_filters
from frontline.desk.views import filter_options
from frontline.tickets.exports import export_response, ticket_export
from frontline.tickets.selectors import DEFAULT_SORT


@desk_required
def queue_export(request: HttpRequest, key: str) -> HttpResponse:
    """The queue as CSV, with the filters and sort the agent has on screen (the same query
    string as the queue page), streamed."""
    if key not in QUEUE_KEYS:
        return redirect("desk:queue", key="mine")
    user = me(request)
    form = FilterForm(request.GET, options=filter_options(user))
    back = f"{request.path.rsplit('export.csv', 1)[0]}?{request.GET.urlencode()}"
    if not form.is_valid():
        messages.error(request, "Fix the filters before exporting.")
        return redirect(back)
    filters = queue_filters(user, key, form.to_filters())
    sort = form.cleaned_data.get("sort") or QUEUE_KEYS[key].sort or DEFAULT_SORT
    try:
        records = ticket_export(user, filters, sort=sort)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(back)
    # desk_required wraps views returning HttpResponse; a streaming one is served the same.
    return cast(HttpResponse, export_response(request, records, fmt="csv", stem=f"tickets-{key}"))
