"""Knowledge base fixtures: a knowledge manager, and helpers to write and publish articles."""

from __future__ import annotations

from typing import Any

import pytest

from frontline.accounts.models import Role, User
from frontline.knowledge.models import Article, ArticleStatus
from frontline.knowledge.services import article_create, article_transition
from tests.conftest import World
from tests.factories import AgentFactory, member


@pytest.fixture
def km(world: World) -> User:
    """Lena, the knowledge manager (IT L2)."""
    return member(
        AgentFactory(email="km@desk.test", role=Role.KNOWLEDGE_MANAGER, full_name="Lena KM"),
        world.it,
    )


def publish(author: User, approver: User, **fields: Any) -> Article:
    """Write an article as ``author`` and take it through review to published."""
    fields.setdefault("body", "Some useful steps.")
    article = article_create(actor=author, **fields)
    article_transition(actor=author, article=article, status=ArticleStatus.REVIEW)
    return article_transition(actor=approver, article=article, status=ArticleStatus.PUBLISHED)
