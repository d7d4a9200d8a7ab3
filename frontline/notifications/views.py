"""The notification preferences page (reachable from the profile page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from frontline.accounts.models import User
from frontline.accounts.policies import is_desk_user
from frontline.core.errors import DomainError
from frontline.notifications import selectors, services


def preferences_view(request: HttpRequest) -> HttpResponse:
    """Each kind the user can receive, as a checkbox; saving switches them on or off.
    Kinds an admin switched off for everyone are shown but cannot be changed here."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user: User = request.user
    rows = selectors.preference_rows(user)
    error = ""
    if request.method == "POST":
        chosen = set(request.POST.getlist("on"))
        changes = {row.kind: row.kind in chosen for row in rows if row.available}
        try:
            services.notification_preferences_update(actor=user, user=user, changes=changes)
        except DomainError as exc:
            error = exc.detail
        else:
            messages.success(request, "Your notification settings are saved.")
            return redirect("notifications:preferences")
    base = "desk/base.html" if is_desk_user(user) else "portal/base.html"
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "base": base, "error": error},
        status=422 if error else 200,
    )
