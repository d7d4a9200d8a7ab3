"""The baseline: the least an authenticated Django request can cost here.

Same server, middleware, database and bearer-token check as the API, then a tiny JSON body
and no ticket query, so the gap to an API endpoint is what that endpoint itself costs.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from frontline.accounts.selectors import user_for_token


def empty(request: HttpRequest) -> JsonResponse:
    """No authentication and no database: what the server, the middleware and Django cost."""
    return JsonResponse({"ok": True})


def baseline(request: HttpRequest) -> JsonResponse:
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    user = user_for_token(raw.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return JsonResponse({"detail": "Not authenticated"}, status=401)
    return JsonResponse({"ok": True, "user": user.pk})
