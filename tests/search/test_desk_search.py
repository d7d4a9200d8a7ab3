"""Searching as a user: scoping by policy, the results page, the API, the command, and the
index kept fresh by ticket events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import User
from frontline.search.index import search
from frontline.search.models import SearchDocument
from frontline.search.services import person_index, ticket_index
from frontline.tickets.events import dispatch_pending
from frontline.tickets.models import Tag, Ticket
from frontline.tickets.numbering import reserve_ticket_numbers
from frontline.tickets.selectors import tickets_visible_to
from frontline.tickets.services import ticket_create, ticket_note, ticket_reply
from tests.api.conftest import Api, problem
from tests.conftest import World

CaptureCallbacks = Callable[..., Any]


def indexed(*tickets: Ticket) -> None:
    ticket_index(ticket_ids=[t.pk for t in tickets])


@pytest.fixture
def it_ticket(world: World) -> Ticket:
    ticket = ticket_create(
        actor=world.agent,
        requester=world.alice,
        title="VPN keeps dropping",
        description="Since the update the tunnel dies every hour.",
        team=world.it,
        tags=["network"],
    )
    indexed(ticket)
    return ticket


@pytest.fixture
def hr_ticket(world: World) -> Ticket:
    ticket = ticket_create(
        actor=world.agent,
        requester=world.alice,
        title="VPN access for payroll export",
        description="Payroll needs the tunnel too.",
        team=world.hr,
    )
    indexed(ticket)
    return ticket


def web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The document of a ticket -----------------------------------------------------------------


def test_a_ticket_is_found_by_title_messages_tags_and_requester(
    world: World, it_ticket: Ticket
) -> None:
    ticket_note(actor=world.agent, ticket=it_ticket, body="Suspect the firewall appliance.")
    indexed(it_ticket)
    within = tickets_visible_to(world.agent)
    for words in ("vpn", "tunnel", "firewall", "network", "Archer", "alice@acme.test"):
        assert [h.object_id for h in search("ticket", words, within=within)] == [it_ticket.pk]


def test_the_index_follows_replies_after_commit(
    world: World, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(actor=world.alice, title="Laptop screen flickers")
    assert [h.object_id for h in search("ticket", "flickers")] == [ticket.pk]
    assert search("ticket", "docking") == []
    ticket_reply(actor=world.agent, ticket=ticket, body="Try another docking station.")
    assert search("ticket", "docking") == []  # not before the event is handed on
    # A test's transaction never commits, so Django keeps the first block's callback in
    # run_on_commit and the events module sees a dispatch already scheduled: hand the
    # reply's events on the way the scheduler's sweep does.
    assert dispatch_pending() >= 1
    assert [h.object_id for h in search("ticket", "docking")] == [ticket.pk]
    # the requester became findable as a person when the ticket was opened
    assert [h.object_id for h in search("person", "archer")] == [world.alice.pk]


def test_reindexing_twice_is_harmless_and_deleted_tickets_leave(
    world: World, it_ticket: Ticket
) -> None:
    indexed(it_ticket)
    assert SearchDocument.objects.filter(kind="ticket", object_id=it_ticket.pk).count() == 1
    pk = it_ticket.pk
    Ticket.objects.filter(pk=pk).delete()
    ticket_index(ticket_ids=[pk])
    assert search("ticket", "vpn") == []


def test_the_reindex_command_rebuilds_tickets_and_people(world: World, it_ticket: Ticket) -> None:
    SearchDocument.objects.all().delete()
    call_command("search", "reindex", "--kind", "ticket", "--kind", "person", "--no-progress")
    assert [h.object_id for h in search("ticket", "vpn")] == [it_ticket.pk]
    assert [h.object_id for h in search("person", "builder")] == [world.bob.pk]
    call_command("search", "reindex", "--kind", "ticket", "--clear", "--no-progress")
    assert [h.object_id for h in search("ticket", "vpn")] == [it_ticket.pk]


# --- Scope -----------------------------------------------------------------------------------


def test_an_agent_never_finds_tickets_outside_their_teams(
    world: World, it_ticket: Ticket, hr_ticket: Ticket
) -> None:
    hr_hits = search("ticket", "vpn", within=tickets_visible_to(world.hr_agent))
    assert [h.object_id for h in hr_hits] == [hr_ticket.pk]
    it_hits = search("ticket", "vpn", within=tickets_visible_to(world.agent))
    assert [h.object_id for h in it_hits] == [it_ticket.pk]
    # not by number, not by typo, not in "any" mode either
    scope = tickets_visible_to(world.hr_agent)
    assert search("ticket", str(it_ticket.number), within=scope)[:1] != [it_ticket.pk]
    assert it_ticket.pk not in [h.object_id for h in search("ticket", "dropping", within=scope)]
    assert it_ticket.pk not in [
        h.object_id for h in search("ticket", "vpm dropping", within=scope, match="any")
    ]
    assert it_ticket.pk not in [h.object_id for h in search("ticket", "droping", within=scope)]
    page = web(world.hr_agent).get("/search/", {"q": "vpn"})
    assert page.status_code == 200
    assert "payroll export" in page.content.decode()
    assert "keeps dropping" not in page.content.decode()


def test_a_ticket_number_puts_that_ticket_first(
    world: World, it_ticket: Ticket, hr_ticket: Ticket
) -> None:
    within = tickets_visible_to(world.manager)
    for text in (str(it_ticket.number), f"#{it_ticket.number}"):
        assert search("ticket", text, within=within)[0].object_id == it_ticket.pk
    # out of scope: not found by its number
    hr_only = tickets_visible_to(world.hr_agent)
    assert it_ticket.pk not in [
        h.object_id for h in search("ticket", f"#{it_ticket.number}", within=hr_only)
    ]


def test_requesters_get_no_tickets_or_people(world: World, it_ticket: Ticket) -> None:
    person_index(user_ids=[world.alice.pk, world.bob.pk])
    page = web(world.alice).get("/search/", {"q": "vpn"})
    assert page.status_code == 302
    assert "/desk/" not in page["Location"]
    for kind in ("", "ticket", "person"):
        response = Api(world.alice).get("/search", {"q": "vpn alice", "kind": kind})
        assert response.status_code == 200
        assert response.json()["items"] == []
    assert Api(world.alice).get("/search", {"q": "builder"}).json()["items"] == []


# --- The results page and the API ---------------------------------------------------------------


def test_the_results_page_shows_tickets_people_and_highlights(
    world: World, it_ticket: Ticket
) -> None:
    person_index(user_ids=[world.alice.pk])
    body = web(world.agent).get("/search/", {"q": "vpn"}).content.decode()
    assert f"#{it_ticket.number}" in body
    assert "<mark>VPN</mark>" in body or "<mark>vpn</mark>" in body.lower()
    assert 'id="topbar-q"' in body
    people = web(world.agent).get("/search/", {"q": "archer", "kind": "person"}).content.decode()
    assert "alice@acme.test" in people


def test_the_results_page_filters_by_status_and_team(
    world: World, it_ticket: Ticket, hr_ticket: Ticket
) -> None:
    client = web(world.admin)
    both = client.get("/search/", {"q": "vpn", "kind": "ticket"}).content.decode()
    assert "keeps dropping" in both
    assert "payroll export" in both
    hr = client.get("/search/", {"q": "vpn", "kind": "ticket", "team": world.hr.pk})
    assert "payroll export" in hr.content.decode()
    assert "keeps dropping" not in hr.content.decode()
    closed = client.get("/search/", {"q": "vpn", "kind": "ticket", "status": "closed"})
    assert "keeps dropping" not in closed.content.decode()


def test_the_results_page_keeps_bad_input_and_says_why(world: World) -> None:
    response = web(world.agent).get("/search/", {"q": "x", "kind": "invoices"})
    assert response.status_code == 200
    assert "is not one of" in response.content.decode()
    assert 'value="x"' in response.content.decode()


def test_the_api_returns_scoped_hits_with_snippets(
    world: World, it_ticket: Ticket, hr_ticket: Ticket
) -> None:
    response = Api(world.hr_agent).get("/search", {"q": "vpn", "kind": "ticket"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["number"] for i in items] == [hr_ticket.number]
    assert "<mark>" in items[0]["snippet"]
    assert items[0]["url"] == f"/desk/tickets/{hr_ticket.number}/"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "x" * 501}, "q"),
        ({"q": "vpn", "kind": "invoice"}, "kind"),
        ({"q": "vpn", "limit": 0}, "limit"),
        ({"q": "vpn", "sort": "rank"}, "sort"),
    ],
)
def test_the_api_refuses_bad_queries_with_problem_json(
    world: World, params: dict[str, Any], field: str
) -> None:
    response = Api(world.agent).get("/search", params)
    assert response.status_code == 422
    assert field in problem(response)["errors"]


# --- Query counts ----------------------------------------------------------------------------


def _bulk(world: World, count: int) -> None:
    numbers = reserve_ticket_numbers(count)
    rows = Ticket.objects.bulk_create(
        [
            Ticket(
                number=n,
                title=f"Scanner {n} offline",
                requester=world.alice,
                organization=world.acme,
                team=world.it,
            )
            for n in numbers
        ]
    )
    tag, _ = Tag.objects.get_or_create(name="hardware")
    Ticket.tags.through.objects.bulk_create(
        [Ticket.tags.through(ticket_id=t.pk, tag_id=tag.pk) for t in rows]
    )
    indexed(*rows)


def _queries(run: Callable[[], Any]) -> int:
    run()  # warm caches (token use, team options)
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


@pytest.mark.parametrize("surface", ["page", "api"])
def test_search_costs_the_same_queries_for_5_and_20_hits(world: World, surface: str) -> None:
    client, api = web(world.agent), Api(world.agent)

    def run() -> Any:
        if surface == "page":
            response = client.get("/search/", {"q": "scanner"})
        else:
            response = api.get("/search", {"q": "scanner"})
        assert response.status_code == 200
        return response

    _bulk(world, 5)
    small = _queries(run)
    assert run().content.decode().lower().count("scanner") >= 5
    _bulk(world, 15)
    large = _queries(run)
    if surface == "api":
        assert len(run().json()["items"]) == 20
    assert small == large


# --- Articles (shown when the knowledge base exposes articles_visible_to) ------------------------


def test_articles_show_on_the_page_and_in_the_api_for_whoever_may_read_them(
    world: World,
) -> None:
    selectors = pytest.importorskip("frontline.knowledge.selectors")
    if not hasattr(selectors, "articles_visible_to"):
        pytest.skip("the knowledge base does not expose articles_visible_to")
    from frontline.knowledge.models import Article
    from frontline.search.index import Document, index_document

    article = Article.objects.create(
        title="Reset your VPN token", body="Open the portal.", status="published"
    )
    index_document(Document("article", article.pk, article.title, body=article.body))
    page = web(world.agent).get("/search/", {"q": "vpn token"}).content.decode()
    assert f"/kb/articles/{article.pk}/" in page
    items = Api(world.alice).get("/search", {"q": "vpn token"}).json()["items"]
    if article in selectors.articles_visible_to(world.alice):
        assert [(i["kind"], i["id"]) for i in items] == [("article", article.pk)]
    else:
        assert items == []
