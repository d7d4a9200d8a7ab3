"""The search index: one row per indexed thing (ticket, article, person, ...).

The row keeps the text that was indexed, so snippets and typo matching need no other table.
Each backend adds its own structures in a vendor-guarded migration: on PostgreSQL a stored,
weighted ``vector`` tsvector column with a GIN index and a pg_trgm index on ``title``; on
SQLite the FTS5 tables ``search_fts`` (porter stemming) and ``search_trgm`` (trigrams of titles),
whose rowid is this table's id.
"""

from django.db import models


class SearchDocument(models.Model):
    kind = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    title = models.TextField()
    tags = models.TextField(blank=True)
    body = models.TextField(blank=True)
    language = models.CharField(max_length=32, default="english")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class SearchTerm(models.Model):
    """A word seen in an indexed title or tags (PostgreSQL backend): the vocabulary that a
    misspelt query word is corrected against, through a trigram index. Words are never
    removed: a stale word can only be suggested and then find nothing."""

    term = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.term
