"""Audience: a requester never finds an agents-only article, another organization's article or
an unpublished one — not through search, suggestions, the API, a URL or a file (404)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from frontline.accounts.models import User
from frontline.knowledge import services
from frontline.knowledge.models import Article, Audience
from frontline.knowledge.policies import can_view_article
from frontline.knowledge.selectors import (
    article_for,
    articles_visible_to,
    search_articles,
    suggest_articles,
)
from tests.api.conftest import Api
from tests.conftest import World
from tests.knowledge.conftest import publish
from tests.web.helpers import signed_in

WORD = "zebracrossing"  # one rare word every article below contains


@pytest.fixture
def articles(world: World, km: User) -> dict[str, Article]:
    body = f"How to use the {WORD} printer."
    made = {
        "public": publish(km, km, title=f"Public {WORD}", body=body),
        "agents": publish(km, km, title=f"Agents {WORD}", body=body, audience=Audience.AGENTS),
        "acme": publish(
            km,
            km,
            title=f"Acme {WORD}",
            body=body,
            audience=Audience.ORGANIZATIONS,
            organizations=[world.acme],
        ),
        "globex": publish(
            km,
            km,
            title=f"Globex {WORD}",
            body=body,
            audience=Audience.ORGANIZATIONS,
            organizations=[world.globex],
        ),
        "draft": services.article_create(actor=world.agent, title=f"Draft {WORD}", body=body),
    }
    return made


def _titles(found: list) -> set[str]:  # type: ignore[type-arg]
    return {s.article.title.split()[0] for s in found}


def test_requesters_see_public_and_their_organizations_articles_only(
    world: World, articles: dict[str, Article]
) -> None:
    assert _titles(search_articles(world.alice, WORD)) == {"Public", "Acme"}
    assert _titles(suggest_articles(world.alice, f"{WORD} help", limit=10)) == {"Public", "Acme"}
    assert _titles(search_articles(world.bob, WORD)) == {"Public", "Globex"}
    assert {a.title.split()[0] for a in articles_visible_to(world.bob)} == {"Public", "Globex"}


def test_agents_see_every_published_article_and_their_own_drafts(
    world: World, km: User, articles: dict[str, Article]
) -> None:
    published = {"Public", "Agents", "Acme", "Globex"}
    assert {a.title.split()[0] for a in articles_visible_to(world.agent)} == published | {"Draft"}
    assert {a.title.split()[0] for a in articles_visible_to(world.agent_l2)} == published
    assert {a.title.split()[0] for a in articles_visible_to(km)} == published | {"Draft"}
    # Search and suggestions only ever offer published articles.
    assert _titles(search_articles(world.agent, WORD)) == published


def test_the_policy_and_the_queryset_agree(
    world: World, km: User, articles: dict[str, Article]
) -> None:
    for user in (world.alice, world.bob, world.agent, world.agent_l2, km, world.admin):
        visible = set(articles_visible_to(user).values_list("pk", flat=True))
        for article in articles.values():
            assert can_view_article(user, article) == (article.pk in visible), (user, article)


@pytest.mark.parametrize("name", ["agents", "globex", "draft"])
def test_a_hidden_article_is_404_by_url_api_and_selector(
    world: World, articles: dict[str, Article], name: str
) -> None:
    hidden = articles[name]
    client = signed_in(world.alice)
    assert client.get(f"/kb/articles/{hidden.pk}/").status_code == 404
    assert client.post(f"/kb/articles/{hidden.pk}/feedback/", {"helpful": "yes"}).status_code == 404
    assert client.post(f"/kb/articles/{hidden.pk}/solved/", {"title": "x"}).status_code == 404
    response = Api(world.alice).get(f"/articles/{hidden.pk}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    with pytest.raises(Exception, match="No such article"):
        article_for(world.alice, hidden.pk)


def test_requesters_cannot_reach_the_desk_pages(world: World, articles: dict[str, Article]) -> None:
    client = signed_in(world.alice)
    response = client.get(f"/kb/desk/{articles['public'].pk}/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_api_lists_and_suggestions_are_scoped(world: World, articles: dict[str, Article]) -> None:
    api = Api(world.alice)
    listed = {i["title"].split()[0] for i in api.get("/articles").json()["items"]}
    searched = {i["title"].split()[0] for i in api.get("/articles", {"q": WORD}).json()["items"]}
    suggested = {
        i["title"].split()[0] for i in api.get("/articles/suggest", {"q": WORD}).json()["items"]
    }
    assert listed == searched == suggested == {"Public", "Acme"}


def test_files_of_hidden_articles_are_404(
    world: World, km: User, articles: dict[str, Article], tmp_path: object
) -> None:
    with override_settings(MEDIA_ROOT=tmp_path):
        internal = services.article_file_upload(
            actor=km, article=articles["agents"], content=b"secret", filename="runbook.pdf"
        )
        shared = services.article_file_upload(
            actor=km, article=articles["public"], content=b"<html>hi</html>", filename="x.html"
        )
        image = services.article_file_upload(
            actor=km, article=articles["public"], content=b"\x89PNG...", filename="shot.png"
        )
        client = signed_in(world.alice)
        assert client.get(f"/kb/files/{internal.uuid}/").status_code == 404
        assert signed_in(world.agent).get(f"/kb/files/{internal.uuid}/").status_code == 200

        download = client.get(f"/kb/files/{shared.uuid}/")
        assert download.status_code == 200
        assert download["Content-Type"] == "application/octet-stream"
        assert download["Content-Disposition"].startswith("attachment")
        assert download["X-Content-Type-Options"] == "nosniff"

        inline = client.get(f"/kb/files/{image.uuid}/")
        assert inline["Content-Type"] == "image/png"
        assert inline["Content-Disposition"].startswith("inline")
        assert inline["X-Content-Type-Options"] == "nosniff"

        assert Api(None).client.get(f"/kb/files/{image.uuid}/").status_code == 404
