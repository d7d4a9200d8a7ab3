"""ASGI entry point: HTTP through Django's WSGI handler on a thread pool, websockets (desk
presence) through Channels.

Why HTTP goes through WSGI here: every Frontline view and middleware is synchronous. Django's
ASGI handler runs such a request with three hops between the event loop and worker threads
(``sync_to_async`` around the middleware chain, ``async_to_sync`` below the first sync-only
middleware, ``sync_to_async`` again for the view), each with its own executor and context
copy. Measured in-process on the 2-CPU machine, that costs 1.5–2.5 ms of CPU per request,
more than a whole token-authenticated request costs otherwise (0.5–0.9 ms). a2wsgi runs the
whole request in one pool thread instead, and streams the response body as the view yields
it (so large exports are not held in memory either).

``WEB_THREADS`` (default 4) sets the threads per process, i.e. the requests one process works
on at once; keep it at or below the database pool (``DB_POOL_MAX``, default 10). Python
threads contend for one interpreter lock, so more threads than that only help slow,
waiting requests: measured with 2 processes on 2 CPUs (bench/api_bench.py), the API list
gave ~690 req/s with 2 threads, ~650 with 4 and 360–590 with 8 (the detail ~950, ~890,
760–850). Add processes (``--workers``) for more requests at once.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")

django_wsgi = get_wsgi_application()  # sets Django up before the imports below

from a2wsgi import WSGIMiddleware  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from frontline.desk.routing import websocket_urlpatterns  # noqa: E402

http_through_wsgi = WSGIMiddleware(
    django_wsgi,  # type: ignore[arg-type]
    workers=int(os.environ.get("WEB_THREADS", "4")),
)

application = ProtocolTypeRouter(
    {
        "http": http_through_wsgi,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
