"""The demo knowledge base: enough real articles, each answering demo ticket categories,
loaded idempotently."""

from __future__ import annotations

from frontline.demo.knowledge import article_specs, load_knowledge
from frontline.demo.people import load_structure
from frontline.knowledge.models import Article, ArticleStatus, Audience


def test_demo_articles_are_published_linked_and_loaded_once(db: None) -> None:
    load_structure()
    specs = article_specs()
    assert len(specs) >= 40
    for spec in specs:
        words = len(spec.body.split())
        assert 150 <= words <= 400, (spec.slug, words)

    created = load_knowledge()

    assert len(created) == len(specs)
    assert load_knowledge() == []
    assert Article.objects.count() == len(specs)
    assert not Article.objects.exclude(status=ArticleStatus.PUBLISHED).exists()
    unlinked = Article.objects.filter(ticket_categories__isnull=True)
    assert not unlinked.exists(), list(unlinked.values_list("title", flat=True))
    assert Article.objects.filter(audience=Audience.AGENTS).exists()
    teams = set(Article.objects.values_list("ticket_categories__team__name", flat=True))
    assert teams == {"IT", "HR", "Facilities"}
