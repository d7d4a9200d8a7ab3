"""API v1: notifications — the caller's own notification preferences."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Router

from frontline.api.schemas import ERRORS, actor
from frontline.core.errors import ValidationError
from frontline.notifications import selectors, services
from frontline.notifications.schemas import PreferencesIn, PreferencesOut

router = Router(tags=["Notifications"])


def _out(user: Any) -> dict[str, Any]:
    return {"preferences": [asdict(row) for row in selectors.preference_rows(user)]}


@router.get(
    "/me/notification-preferences",
    response={200: PreferencesOut, 401: ERRORS[401]},
)
def get_preferences(request: HttpRequest) -> dict[str, Any]:
    """Every notification you can receive, whether you want it, and whether it is on at all."""
    return _out(actor(request))


@router.put(
    "/me/notification-preferences",
    response={200: PreferencesOut, 401: ERRORS[401], 422: ERRORS[422]},
)
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> dict[str, Any]:
    """Switch the kinds you send on (true) or off (false); kinds you leave out keep their
    setting. An unknown kind, or one you cannot receive, is a 422 naming it; nothing changes."""
    user = actor(request)
    try:
        services.notification_preferences_update(actor=user, user=user, changes=payload.preferences)
    except ValidationError as exc:
        raise ValidationError(
            exc.detail, errors={f"preferences.{k}": v for k, v in exc.errors.items()}
        ) from exc
    return _out(user)
