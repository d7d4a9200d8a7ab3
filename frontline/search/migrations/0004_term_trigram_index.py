"""The vocabulary's trigram index and its first filling, on PostgreSQL only."""

from typing import Any

from django.db import migrations

FORWARD = [
    "CREATE INDEX search_term_trgm ON search_searchterm USING gin (term gin_trgm_ops)",
    "INSERT INTO search_searchterm (term) "
    "SELECT DISTINCT w FROM search_searchdocument d, "
    "regexp_split_to_table(lower(d.title || ' ' || d.tags), '[^[:alpha:]]+') AS w "
    "WHERE length(w) BETWEEN 3 AND 64 ON CONFLICT (term) DO NOTHING",
]
BACKWARD = ["DROP INDEX IF EXISTS search_term_trgm"]


def _run(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_term")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
