"""Small, rarely changed data held in each process: teams, organizations, categories, desk
users, and each user's visibility scope.

Every ticket list names a team, an organization, a category and an assignee per row. Loading
them per request costs a query each, and the rows are the same dozens of objects every time.
Here they are loaded once per process and reused until they change.

How a process learns of a change: each group has a *generation* stored in the shared Django
cache (Redis in production). A write to one of the group's models bumps it (at once and again
on commit, so a process that reloads between the write and the commit cannot keep the old
rows); a process compares its copy's generation with the shared one at most every
``FRONTLINE_REFCACHE_CHECK_SECONDS`` (default 2 s), so a rename or a membership change is
seen everywhere within that time. ``FRONTLINE_REFCACHE_MAX_AGE`` (default 60 s) bounds the age
of a copy whatever the shared cache says, for deployments whose cache is not shared between
processes (several processes without Redis). ``FRONTLINE_REFCACHE = False`` turns the process
cache off (every use loads afresh; the test suite does this so query counts do not depend on
what an earlier statement happened to load).

Invalidation uses Django's model signals. That is deliberate and is not business flow (which
goes through services and events): the admin, services, commands and the shell all save
models, and every one of those writes must reach the cache. A ``QuerySet.update`` on these
models bypasses signals; call ``bump`` after one.

Cached objects are shared between requests: treat them as read-only.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save

_KEY = "frontline:refcache:{}"
IGNORED_UPDATE_FIELDS = frozenset({"last_login"})


def _check_seconds() -> float:
    return float(getattr(settings, "FRONTLINE_REFCACHE_CHECK_SECONDS", 2.0))


def _max_age() -> float:
    return float(getattr(settings, "FRONTLINE_REFCACHE_MAX_AGE", 60.0))


class Generation:
    """A named counter in the shared cache that says "what you hold for this group is old"."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._token: str | None = None  # what this process's copies were loaded for
        self._shared_seen: str | None = None
        self._checked_at = 0.0
        self._born_at = 0.0

    def bump(self) -> None:
        """Declare the group changed, here at once and in every process within the check time."""
        cache.set(_KEY.format(self.name), uuid.uuid4().hex, None)
        with self._lock:
            self._token = None

    def bump_now_and_on_commit(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields and set(update_fields) <= IGNORED_UPDATE_FIELDS:
            return  # a login stamp changes nothing anyone caches
        self.bump()
        transaction.on_commit(self.bump)

    def current(self) -> str:
        """A token naming the data this process should hold; a new token means reload."""
        if not getattr(settings, "FRONTLINE_REFCACHE", True):
            return uuid.uuid4().hex  # no process cache: every use loads afresh
        now = time.monotonic()
        with self._lock:
            if (
                self._token is not None
                and now - self._checked_at < _check_seconds()
                and now - self._born_at < _max_age()
            ):
                return self._token
        key = _KEY.format(self.name)
        shared = cache.get(key)
        if shared is None:
            cache.add(key, uuid.uuid4().hex, None)
            shared = cache.get(key) or "unshared"
        with self._lock:
            stale = shared != self._shared_seen or now - self._born_at >= _max_age()
            if self._token is None or stale:
                self._born_at = now
                self._shared_seen = shared
                self._token = f"{shared}:{now}"
            self._checked_at = now
            return self._token

    def watch(
        self,
        *models: type[Model],
        m2m: Iterable[Any] = (),
        new_rows_matter: Callable[[Any], bool] | None = None,
    ) -> None:
        """Bump on every save and delete of ``models`` and every change of the ``m2m``
        relations (pass their ``through`` models).

        ``new_rows_matter(instance)``, when given, decides whether *creating* a row changes
        anything this group holds (e.g. a new requester is in no cached table and has no
        cached scope yet); updates and deletes always bump."""

        def saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
            if created and new_rows_matter is not None and not new_rows_matter(instance):
                return
            self.bump_now_and_on_commit(**kwargs)

        for model in models:
            post_save.connect(saved, sender=model, weak=False)
            post_delete.connect(self.bump_now_and_on_commit, sender=model, weak=False)
        for through in m2m:
            m2m_changed.connect(self.bump_now_and_on_commit, sender=through, weak=False)


class ReferenceTable[M: Model]:
    """Every row of a small table, by primary key, reloaded when its generation moves."""

    def __init__(self, generation: Generation, load: Callable[[], QuerySet[M]]) -> None:
        self.generation = generation
        self._load = load
        self._lock = threading.Lock()
        self._rows: dict[int, M] = {}
        self._loaded_for: str | None = None

    def rows(self) -> dict[int, M]:
        wanted = self.generation.current()
        with self._lock:
            if self._loaded_for == wanted:
                return self._rows
        rows = {row.pk: row for row in self._load()}
        with self._lock:
            self._rows, self._loaded_for = rows, wanted
        return rows

    def lookup(self, ids: Iterable[int | None]) -> dict[int, M]:
        """The rows with these ids. Ids the cached copy lacks (a row created in another
        process a moment ago, or one outside the cached subset) are fetched in one query."""
        rows = self.rows()
        missing = {pk for pk in ids if pk is not None and pk not in rows}
        if not missing:
            return rows
        extra = self._load().model._default_manager.in_bulk(missing)
        return {**rows, **extra}


class PerKeyCache[V]:
    """Values computed per key (e.g. a user's scope), dropped wholesale when the generation
    moves, at most ``size`` of them (least recently used go first)."""

    def __init__(self, generation: Generation, size: int = 10_000) -> None:
        self.generation = generation
        self.size = size
        self._lock = threading.Lock()
        self._values: OrderedDict[Any, V] = OrderedDict()
        self._for: str | None = None

    def get(self, key: Any, compute: Callable[[], V], *, keep_none: bool = True) -> V:
        """The value for ``key``, computed on a miss. ``keep_none=False`` does not keep a
        None (e.g. "no such token": a token made a moment ago in another process must work
        at once, and random keys must not push the real ones out)."""
        wanted = self.generation.current()
        with self._lock:
            if self._for != wanted:
                self._values.clear()
                self._for = wanted
            elif key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()
        if value is None and not keep_none:
            return value
        with self._lock:
            if self._for == wanted:
                self._values[key] = value
                if len(self._values) > self.size:
                    self._values.popitem(last=False)
        return value
