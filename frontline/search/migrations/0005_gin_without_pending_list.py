"""GIN indexes without a pending list (PostgreSQL only).

With ``fastupdate`` (the default), new entries wait in a pending list that every search
scans linearly: measured at 100k tickets right after a rebuild, each index lookup cost
25-40 ms instead of 0.05 ms. The index is read far more often than written, so entries go
straight into the index, and what is pending now is flushed.
"""

from typing import Any

from django.db import migrations

INDEXES = ("search_document_vector", "search_document_title_trgm", "search_term_trgm")


def forward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
        schema_editor.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def backward(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("search", "0004_term_trigram_index")]

    operations = [migrations.RunPython(forward, backward)]
