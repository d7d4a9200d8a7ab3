"""Who gets into the desk: signed-in desk users. Requesters are sent to the portal."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from frontline.accounts.models import User
from frontline.accounts.policies import is_desk_user


def desk_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_desk_user(request.user):
            return redirect("portal:home")
        return view(request, *args, **kwargs)

    return wrapper


def me(request: HttpRequest) -> User:
    """The signed-in user of a view behind ``desk_required`` (or a portal login check)."""
    user = request.user
    assert isinstance(user, User), "only for views that require a signed-in user"
    return user
