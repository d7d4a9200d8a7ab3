"""Knowledge base services: the review workflow and who may move it, versions and restore,
feedback, deflections, ticket links and the drafts made from tickets, files."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from frontline.accounts.models import User
from frontline.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from frontline.knowledge import services
from frontline.knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleStatus,
    ArticleTicketLink,
    Audience,
    Deflection,
)
from frontline.knowledge.selectors import search_articles
from frontline.tickets.events import dispatch_pending
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_reply, ticket_transition
from tests.conftest import World
from tests.factories import CategoryFactory
from tests.knowledge.conftest import publish
from tests.web.helpers import new_ticket


def draft(author: User, **fields: Any) -> Article:
    fields.setdefault("title", "Reset your password")
    fields.setdefault("body", "1. Go to the reset site.\n2. Choose a new password.")
    return services.article_create(actor=author, **fields)


# --- Workflow -----------------------------------------------------------------------------------


def test_an_agent_drafts_submits_and_a_knowledge_manager_publishes(world: World, km: User) -> None:
    article = draft(world.agent, tags="Password, reset,  password ")
    assert article.status == ArticleStatus.DRAFT
    assert article.tags == "password, reset"
    assert article.versions.count() == 1

    services.article_transition(actor=world.agent, article=article, status="review")
    published = services.article_transition(actor=km, article=article, status="published")

    assert published.status == ArticleStatus.PUBLISHED
    assert published.published_at is not None
    assert [e.new for e in published.events.filter(kind="status")] == ["review", "published"]


def test_an_author_may_not_approve_their_own_article(world: World) -> None:
    article = draft(world.agent)
    services.article_transition(actor=world.agent, article=article, status="review")
    with pytest.raises(PermissionDenied):
        services.article_transition(actor=world.agent, article=article, status="published")
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.REVIEW


def test_a_draft_cannot_skip_review(world: World, km: User) -> None:
    article = draft(km)
    with pytest.raises(InvalidTransition):
        services.article_transition(actor=km, article=article, status="published")
    with pytest.raises(InvalidTransition):
        services.article_transition(actor=km, article=article, status="archived")
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.DRAFT


def test_an_unknown_status_is_a_field_error(world: World, km: User) -> None:
    with pytest.raises(ValidationError) as caught:
        services.article_transition(actor=km, article=draft(km), status="live")
    assert "status" in caught.value.errors


def test_another_agent_may_not_submit_or_edit_someone_elses_draft(world: World) -> None:
    article = draft(world.agent)
    with pytest.raises(PermissionDenied):
        services.article_transition(actor=world.agent_l2, article=article, status="review")
    with pytest.raises(PermissionDenied):
        services.article_update(actor=world.agent_l2, article=article, title="Mine now")


def test_requesters_may_not_write_articles(world: World) -> None:
    with pytest.raises(PermissionDenied):
        draft(world.alice)
    assert not Article.objects.exists()


def test_managers_and_admins_approve_too(world: World) -> None:
    for approver in (world.manager, world.admin):
        article = draft(world.agent, title=f"By {approver.email}")
        services.article_transition(actor=world.agent, article=article, status="review")
        done = services.article_transition(actor=approver, article=article, status="published")
        assert done.status == ArticleStatus.PUBLISHED


def test_archiving_removes_the_article_from_search(world: World, km: User) -> None:
    article = publish(km, km, title="Connect to the VPN", body="Open GlobalProtect.")
    assert [s.article for s in search_articles(world.alice, "vpn")] == [article]

    services.article_transition(actor=km, article=article, status="archived")

    assert search_articles(world.alice, "vpn") == []


def test_an_author_may_not_edit_once_published_but_a_knowledge_manager_may(
    world: World, km: User
) -> None:
    article = publish(world.agent, km, title="Wi-Fi", body="Join Corp.")
    with pytest.raises(PermissionDenied):
        services.article_update(actor=world.agent, article=article, body="Changed")
    edited = services.article_update(actor=km, article=article, body="Join Corp with PEAP.")
    assert edited.status == ArticleStatus.PUBLISHED
    assert [s.article for s in search_articles(world.alice, "PEAP")] == [edited]


def test_invalid_input_names_the_fields_and_writes_nothing(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        services.article_create(actor=world.agent, title="  ", body="", audience="nobody")
    assert set(caught.value.errors) == {"title", "body", "audience"}
    with pytest.raises(ValidationError) as caught:
        services.article_create(
            actor=world.agent, title="For Acme", body="x", audience=Audience.ORGANIZATIONS
        )
    assert "organizations" in caught.value.errors
    assert not Article.objects.exists()


# --- Versions -----------------------------------------------------------------------------------


def test_every_saved_edit_is_a_version_and_restore_makes_a_new_one(world: World) -> None:
    article = draft(world.agent, body="first text")
    article = services.article_update(actor=world.agent, article=article, body="second text")
    article = services.article_update(
        actor=world.agent, article=article, title="New title", note="Retitled"
    )
    assert article.version == 3
    assert list(article.versions.values_list("number", "body")) == [
        (3, "second text"),
        (2, "second text"),
        (1, "first text"),
    ]

    restored = services.article_restore(actor=world.agent, article=article, number=1)

    assert restored.version == 4
    assert (restored.title, restored.body) == ("Reset your password", "first text")
    assert restored.versions.get(number=4).note == "Restored version 1"
    assert restored.versions.count() == 4


def test_an_edit_made_on_an_old_version_is_refused(world: World) -> None:
    article = draft(world.agent)
    services.article_update(actor=world.agent, article=article, body="theirs", version=1)
    with pytest.raises(Conflict):
        services.article_update(actor=world.agent, article=article, body="mine", version=1)
    assert Article.objects.get(pk=article.pk).body == "theirs"


def test_restoring_a_missing_version_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        services.article_restore(actor=world.agent, article=draft(world.agent), number=9)


# --- Feedback, views, deflections ---------------------------------------------------------------


def test_one_vote_per_person_which_they_may_change(world: World, km: User) -> None:
    article = publish(km, km, title="Printer jam")
    services.article_feedback(actor=world.alice, article=article, helpful=True)
    services.article_feedback(actor=world.alice, article=article, helpful=True, comment="Great")
    services.article_feedback(actor=world.bob, article=article, helpful=True)
    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count) == (2, 0)

    services.article_feedback(actor=world.alice, article=article, helpful=False, comment="Meh")

    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count) == (1, 1)
    assert ArticleFeedback.objects.filter(article=article, user=world.alice).count() == 1
    assert ArticleFeedback.objects.get(article=article, user=world.alice).comment == "Meh"


def test_views_count_once_per_person_per_day(world: World, km: User) -> None:
    article = publish(km, km, title="Parking")
    assert services.article_record_view(actor=world.alice, article=article)
    assert not services.article_record_view(actor=world.alice, article=article)
    assert services.article_record_view(actor=world.bob, article=article)
    article.refresh_from_db()
    assert article.view_count == 2


def test_this_solved_it_records_a_deflection(world: World, km: User) -> None:
    article = publish(km, km, title="Book a desk")
    row = services.deflection_record(
        actor=world.alice, article=article, title="  how do i book   a desk "
    )
    assert (row.article, row.requester, row.organization) == (article, world.alice, world.acme)
    assert row.title == "how do i book a desk"
    assert Deflection.objects.count() == 1


def test_no_deflection_on_an_article_the_requester_may_not_see(world: World, km: User) -> None:
    internal = publish(km, km, title="Runbook", audience=Audience.AGENTS)
    with pytest.raises(NotFound):
        services.deflection_record(actor=world.alice, article=internal, title="x")
    assert not Deflection.objects.exists()


# --- Tickets ------------------------------------------------------------------------------------


def test_a_linked_ticket_that_gets_resolved_marks_the_link_resolved(world: World, km: User) -> None:
    article = publish(km, km, title="Printer jam")
    ticket = new_ticket(world.alice, team=world.it, actor=world.agent)
    link = services.article_link_ticket(actor=world.agent, article=article, ticket=ticket)
    again = services.article_link_ticket(actor=world.agent, article=article, ticket=ticket)
    assert again.pk == link.pk
    assert not link.resolved

    ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    dispatch_pending()  # what the task enqueued on commit runs

    assert ArticleTicketLink.objects.get(pk=link.pk).resolved


def test_requesters_and_outsiders_may_not_link_articles(world: World, km: User) -> None:
    article = publish(km, km, title="Printer jam")
    hr_ticket = new_ticket(world.alice, team=world.hr, actor=world.hr_agent)
    with pytest.raises(NotFound):
        services.article_link_ticket(actor=world.alice, article=article, ticket=hr_ticket)
    with pytest.raises(NotFound):  # an IT agent does not work HR's tickets
        services.article_link_ticket(actor=world.agent, article=article, ticket=hr_ticket)
    assert not ArticleTicketLink.objects.exists()


def test_a_draft_from_a_ticket_takes_its_title_description_and_last_public_reply(
    world: World,
) -> None:
    category = CategoryFactory(team=world.it, name="Printer")
    ticket = new_ticket(
        world.alice,
        title="Printer eats paper",
        description="The 3rd floor printer jams.",
        team=world.it,
        category=category,
        actor=world.agent,
    )
    ticket_reply(actor=world.agent, ticket=ticket, body="Open door B and pull the sheet out.")
    ticket_reply(actor=world.alice, ticket=Ticket.objects.get(pk=ticket.pk), body="Thanks!")

    article = services.article_draft_from_ticket(actor=world.agent, ticket=ticket)

    assert article.title == "Printer eats paper"
    assert article.status == ArticleStatus.DRAFT
    assert article.author == world.agent
    assert "The 3rd floor printer jams." in article.body
    assert "Open door B and pull the sheet out." in article.body
    assert "Thanks!" not in article.body
    assert list(article.ticket_categories.all()) == [category]


# --- Files --------------------------------------------------------------------------------------


@override_settings(FRONTLINE_KB_FILE_MAX_BYTES=10)
def test_files_over_the_limit_are_refused(world: World) -> None:
    article = draft(world.agent)
    with pytest.raises(ValidationError) as caught:
        services.article_file_upload(
            actor=world.agent, article=article, content=b"x" * 11, filename="big.png"
        )
    assert "file" in caught.value.errors
    assert not article.files.exists()


def test_files_are_stored_under_a_generated_name(world: World, tmp_path: Any) -> None:
    article = draft(world.agent)
    with override_settings(MEDIA_ROOT=tmp_path):
        stored = services.article_file_upload(
            actor=world.agent,
            article=article,
            content=b"\x89PNG fake",
            filename="../../etc/passwd.png",
        )
    assert stored.filename == "passwd.png"
    assert stored.file.name == f"kb/{stored.uuid.hex[:2]}/{stored.uuid.hex}.png"
    assert stored.is_image
