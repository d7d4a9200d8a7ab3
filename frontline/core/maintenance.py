"""Database upkeep that the scheduler runs."""

from __future__ import annotations

from django.db import connection
from django.tasks import task


@task()
def optimize_database() -> str:
    """Keep the query planner's statistics fresh on SQLite (PostgreSQL's autovacuum does this
    itself). Without statistics SQLite may pick a full scan over the index a list page needs."""
    if connection.vendor != "sqlite":
        return "nothing to do"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA optimize")
    return "optimized"
