"""Settings for benchmark servers: Frontline's own settings, plus the bench-only URL conf.

Use with ``DJANGO_SETTINGS_MODULE=bench.settings``; everything else (FRONTLINE_ENV,
DATABASE_URL, SECRET_KEY, ...) comes from the environment exactly as in production.

``BENCH_DB_CONNECTIONS`` lets the benchmark compare database connection handling:

- ``as-is`` (default): exactly what frontline/settings.py configures;
- ``per-request``: no persistent connections (CONN_MAX_AGE=0), a connection per request;
- ``pool``: psycopg's connection pool (Django's ``OPTIONS["pool"]``; needs psycopg-pool),
  which is what Django recommends under ASGI;
- ``pool-prepared``: the pool plus server-side binding, so psycopg prepares statements a
  connection runs repeatedly and PostgreSQL stops re-planning them.
"""

import os

from frontline.settings import *  # noqa: F403
from frontline.settings import DATABASES

ROOT_URLCONF = "bench.urls"

_mode = os.environ.get("BENCH_DB_CONNECTIONS", "as-is")
if _mode in {"per-request", "pool", "pool-prepared"}:
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if _mode == "pool-prepared":
    # Django turns psycopg's automatic preparation off unless asked for a threshold.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
if _mode in {"pool", "pool-prepared"}:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": int(os.environ.get("BENCH_DB_POOL_SIZE", "8")),
        "timeout": 10,
    }
