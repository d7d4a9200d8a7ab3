"""Search backends, one per database vendor."""

from __future__ import annotations

from frontline.search.backends.base import Backend


def for_vendor(vendor: str) -> Backend:
    """The backend for a database vendor (``connection.vendor``)."""
    if vendor == "postgresql":
        from frontline.search.backends.postgres import PostgresBackend

        return PostgresBackend()
    if vendor == "sqlite":
        from frontline.search.backends.sqlite import SqliteBackend

        return SqliteBackend()
    raise NotImplementedError(f"No search backend for the {vendor} database.")
