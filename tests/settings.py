"""Test settings: the real settings, with tasks run inline and a fast password hasher.

FRONTLINE_TEST_DATABASE_URL switches the suite to PostgreSQL (or any DATABASE_URL form)."""

import os
import tempfile

import dj_database_url

from frontline.settings import *  # noqa: F403

if os.environ.get("FRONTLINE_TEST_DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["FRONTLINE_TEST_DATABASE_URL"])}
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("FRONTLINE_TEST_DATABASE_NAME")}

else:
    # A file, not memory: the browser tests' server thread opens its own connections, and
    # SQLite shares a file (in WAL mode) between threads far more gracefully than memory.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("FRONTLINE_TEST_DATABASE_NAME")
        or os.path.join(tempfile.gettempdir(), f"frontline-test-{os.getpid()}.sqlite3")
    }

TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="frontline-test-media-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Each test process keeps its own cache and channel layer even when CI names a Redis server
# (REDIS_URL): parallel workers sharing one Redis would clear and count each other's keys.
# Tests that exercise Redis itself are marked `redis` and connect on their own.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The per-process reference cache (frontline.core.refcache) is off, so that a query count
# does not depend on what an earlier statement loaded; tests/core/test_refcache.py turns it on.
FRONTLINE_REFCACHE = False
FRONTLINE_REFCACHE_CHECK_SECONDS = 0
