"""The knowledge base API: writing and the workflow by role, feedback, suggestions, and
problem+json errors with field messages."""

from __future__ import annotations

import json

from frontline.accounts.models import User
from frontline.knowledge.models import Article, ArticleFeedback, Deflection
from tests.api.conftest import Api
from tests.conftest import World
from tests.knowledge.conftest import publish


def put(api: Api, path: str, body: object) -> object:
    return api.client.put(
        "/api/v1" + path, json.dumps(body), content_type="application/json", **api.headers
    )


def test_an_agent_writes_and_a_knowledge_manager_publishes(world: World, km: User) -> None:
    agent = Api(world.agent)
    created = agent.post(
        "/articles",
        {"title": "Guest Wi-Fi", "body": "Ask **reception**.", "tags": ["wifi", "Guest"]},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft"
    assert body["tags"] == ["wifi", "guest"]
    assert "<strong>reception</strong>" in body["html"]
    pk = body["id"]

    edited = agent.patch(f"/articles/{pk}", {"version": 1, "body": "Ask reception for a code."})
    assert edited.status_code == 200
    assert edited.json()["version"] == 2
    stale = agent.patch(f"/articles/{pk}", {"version": 1, "body": "Lost update"})
    assert stale.status_code == 409
    assert stale["Content-Type"] == "application/problem+json"

    assert agent.post(f"/articles/{pk}/transition", {"status": "review"}).status_code == 200
    refused = agent.post(f"/articles/{pk}/transition", {"status": "published"})
    assert refused.status_code == 403
    done = Api(km).post(f"/articles/{pk}/transition", {"status": "published"})
    assert done.status_code == 200
    assert done.json()["status"] == "published"
    illegal = Api(km).post(f"/articles/{pk}/transition", {"status": "review"})
    assert illegal.status_code == 409

    versions = agent.get(f"/articles/{pk}/versions").json()["items"]
    assert [v["number"] for v in versions] == [2, 1]


def test_field_errors_are_problem_json(world: World) -> None:
    agent = Api(world.agent)
    response = agent.post("/articles", {"title": " ", "body": "", "colour": "red"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "colour" in response.json()["errors"]

    response = agent.post("/articles", {"title": " ", "body": ""})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"title", "body"}

    response = agent.post("/articles", {"title": "x", "body": "y", "organizations": [999]})
    assert response.status_code == 422
    assert "organizations" in response.json()["errors"]

    response = agent.get("/articles", {"stauts": "draft"})
    assert response.status_code == 422
    assert "stauts" in response.json()["errors"]
    assert not Article.objects.exists()


def test_requesters_may_not_write(world: World) -> None:
    response = Api(world.alice).post("/articles", {"title": "Mine", "body": "text"})
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_feedback_is_one_vote_per_user_and_deflections_count(world: World, km: User) -> None:
    article = publish(km, km, title="Parking", body="Book in the Workplace app.")
    api = Api(world.alice)
    assert put(api, f"/articles/{article.pk}/feedback", {"helpful": True}).status_code == 200
    again = put(api, f"/articles/{article.pk}/feedback", {"helpful": False, "comment": "EV?"})
    assert again.json() == {"article": article.pk, "helpful": False, "comment": "EV?"}
    assert ArticleFeedback.objects.filter(article=article).count() == 1

    made = api.post(f"/articles/{article.pk}/deflections", {"title": "where do i park"})
    assert made.status_code == 201
    assert Deflection.objects.get().title == "where do i park"


def test_suggest_answers_in_users_words(world: World, km: User) -> None:
    vpn = publish(km, km, title="Connect to the VPN from home", body="Open GlobalProtect.")
    publish(km, km, title="Book a desk", body="Use the Workplace app.")
    response = Api(world.alice).get("/articles/suggest", {"q": "cant get on the vpn from home"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert items[0]["id"] == vpn.pk
    assert items[0]["url"] == f"/kb/articles/{vpn.pk}/"


def test_anonymous_callers_are_refused(world: World) -> None:
    assert Api(None).get("/articles").status_code == 401
