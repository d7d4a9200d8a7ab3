"""Keeping the search index in step with published articles (through frontline.search)."""

from __future__ import annotations

from frontline.knowledge.models import Article, ArticleStatus

KIND = "article"


def article_document(article: Article) -> object:
    from frontline.search.index import Document

    return Document(
        kind=KIND,
        object_id=article.pk,
        title=article.title,
        tags=article.tags.replace(",", " "),
        body=article.body,
    )


def article_reindex(article: Article) -> None:
    """Index a published article; drop any other state from the index."""
    from frontline.search import index

    if article.status == ArticleStatus.PUBLISHED:
        index.index_document(article_document(article))  # type: ignore[arg-type]
    else:
        index.remove_document(KIND, article.pk)


def articles_reindex_all() -> int:
    """Rebuild the article part of the index from the database; returns how many indexed."""
    from frontline.search import index

    published = list(Article.objects.filter(status=ArticleStatus.PUBLISHED))
    for article in Article.objects.exclude(status=ArticleStatus.PUBLISHED).only("pk"):
        index.remove_document(KIND, article.pk)
    return index.index_documents([article_document(a) for a in published])  # type: ignore[misc]
