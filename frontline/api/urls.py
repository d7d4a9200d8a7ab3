"""API v1: each app's router mounted under /api/v1, with one auth and one error format."""

from ninja import NinjaAPI

from frontline.api import errors
from frontline.api.auth import AUTH

api = NinjaAPI(
    title="Frontline API",
    version="1",
    description="Help desk API. Authenticate with `Authorization: Bearer <token>` "
    "(create one with `frontline token create --user EMAIL`). Errors are RFC 9457 "
    "problem+json with field messages under `errors`.",
    auth=AUTH,
    urls_namespace="api-v1",
)
errors.install(api)


def _mount() -> None:
    from frontline.accounts.api import router as accounts_router
    from frontline.automation.api import router as automation_router
    from frontline.knowledge.api import router as knowledge_router
    from frontline.notifications.api import router as notifications_router
    from frontline.reports.api import router as reports_router
    from frontline.satisfaction.api import router as satisfaction_router
    from frontline.search.api import router as search_router
    from frontline.tickets.api import router as tickets_router

    api.add_router("/", tickets_router)
    api.add_router("/", accounts_router)
    api.add_router("/", search_router)
    api.add_router("/", knowledge_router)
    api.add_router("/", automation_router)
    api.add_router("/", notifications_router)
    api.add_router("/", satisfaction_router)
    api.add_router("/", reports_router)


_mount()
