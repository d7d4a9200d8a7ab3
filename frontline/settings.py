"""Frontline settings, read from the environment.

Without any environment the embedded default applies: SQLite under ./var/, files under
./var/media/, the in-memory channel layer and the database task backend. Production sets
FRONTLINE_ENV=production plus DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS (and REDIS_URL for the
channel layer and cache); it refuses to start with an insecure key or DEBUG on.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FRONTLINE_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("FRONTLINE_ENV", "embedded").lower() == "production"
DEBUG = _env_bool("DEBUG", default=False)


def _embedded_secret_key() -> str:
    """A random key kept in var/ so sessions survive restarts of the embedded desk."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


INSECURE_KEY_MARKERS = ("insecure", "changeme", "secret", "dev")
SECRET_KEY = os.environ.get("SECRET_KEY") or ("" if PRODUCTION else _embedded_secret_key())


def _names_a_placeholder(key: str) -> bool:
    """A random key holds "dev" by chance (1 in ~400 of token_urlsafe(64)), so a short marker
    counts only as a whole word; the long ones never occur by chance."""
    lowered = key.lower()
    words = set(re.split(r"[^a-z0-9]+", lowered))
    return any(
        marker in words if len(marker) < 5 else marker in lowered for marker in INSECURE_KEY_MARKERS
    )


if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off when FRONTLINE_ENV=production.")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or _names_a_placeholder(SECRET_KEY):
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or insecure: set at least 50 random characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the desk's host names in production.")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")
# Links in mail. The embedded desk's default follows PORT, so `PORT=8765 make run` mails
# links that open.
_DEV_PORT = os.environ.get("PORT", "8000")
SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{_DEV_PORT}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "channels",
    "frontline.core",
    "frontline.accounts",
    "frontline.tickets",
    "frontline.mail",
    "frontline.sla",
    "frontline.search",
    "frontline.knowledge",
    "frontline.automation",
    "frontline.notifications",
    "frontline.satisfaction",
    "frontline.reports",
    "frontline.web",
    "frontline.desk",
    "frontline.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "frontline.web.middleware.UserTimezoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "frontline.urls"
ASGI_APPLICATION = "frontline.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontline" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["frontline.web.templatetags.frontline"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'frontline.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the worker read while one of them writes;
        # IMMEDIATE transactions avoid "database is locked" upgrades mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    # A connection pool, not persistent per-thread connections: under ASGI each request may
    # run on another thread, and CONN_MAX_AGE connections pile up until PostgreSQL refuses
    # new clients (measured: ~100 connections and 500s at 16 concurrent clients).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    # Let psycopg prepare the statements of the few hot reads that bind server-side (e.g.
    # tickets.detail_rows; Django's own queries bind client-side and are never prepared).
    # DB_PREPARE=0 behind a pooler that cannot keep them (PgBouncer < 1.21 in transaction mode).
    if os.environ.get("DB_PREPARE", "1") != "0":
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
    if os.environ.get("DB_POOL", "1") != "0":
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": int(os.environ.get("DB_POOL_MIN", "2")),
            "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
            "timeout": 10,
        }
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("FRONTLINE_TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"

# --- Redis, cache, channels, tasks ----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("FRONTLINE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Files ----------------------------------------------------------------------------------
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "frontline" / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
if not PRODUCTION:  # the embedded desk serves from the source folders; whitenoise wants the root
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
FRONTLINE_ATTACHMENT_MAX_BYTES = int(os.environ.get("FRONTLINE_ATTACHMENT_MAX_BYTES", 25 * 2**20))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20

# --- Mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Frontline <support@example.com>")
# The address requesters write to and reply to; outbound mail sets it as Reply-To.
SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "support@example.com")
# The right-hand side of the Message-IDs Frontline generates (threading relies on it).
FRONTLINE_MAIL_DOMAIN = os.environ.get("FRONTLINE_MAIL_DOMAIN", SUPPORT_EMAIL.rpartition("@")[2])
# Inbound mail (docs/mail.md): raw messages above this size go to file storage, not the DB.
FRONTLINE_MAIL_RAW_INLINE_MAX = int(os.environ.get("FRONTLINE_MAIL_RAW_INLINE_MAX", 2**20))
# More than LIMIT messages from one address within WINDOW seconds are ignored (mail loops).
FRONTLINE_MAIL_RATE_LIMIT = int(os.environ.get("FRONTLINE_MAIL_RATE_LIMIT", 20))
FRONTLINE_MAIL_RATE_WINDOW = int(os.environ.get("FRONTLINE_MAIL_RATE_WINDOW", 600))
# Quarantined messages are retried by the scheduler this many times; "received" ones older
# than STUCK_AFTER seconds (a crash between storing and processing) are processed again.
FRONTLINE_MAIL_MAX_ATTEMPTS = int(os.environ.get("FRONTLINE_MAIL_MAX_ATTEMPTS", 5))
FRONTLINE_MAIL_STUCK_AFTER = int(os.environ.get("FRONTLINE_MAIL_STUCK_AFTER", 300))
FRONTLINE_MAIL_MAX_WATCHERS = int(os.environ.get("FRONTLINE_MAIL_MAX_WATCHERS", 20))
# Notifications (docs/notifications.md): an event handed on more than this many seconds after
# it happened (history replayed by the demo loader, a backlog after a long outage) mails nobody.
FRONTLINE_NOTIFY_MAX_EVENT_AGE = int(os.environ.get("FRONTLINE_NOTIFY_MAX_EVENT_AGE", 24 * 3600))

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = _env_bool("SECURE_COOKIES", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

NINJA_PAGINATION_PER_PAGE = 25

# Covering indexes (Index.include, e.g. reports.TicketFact's) are a PostgreSQL feature; on
# SQLite they are created as plain indexes, which is what we want: no warning per command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
