"""Knowledge base pages: the portal reader, live suggestions and deflection, the desk editor,
versions and diffs, the ticket panel; and list pages running a constant number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontline.accounts.models import User
from frontline.knowledge import services
from frontline.knowledge.models import (
    Article,
    ArticleStatus,
    ArticleTicketLink,
    Audience,
    Deflection,
    KBCategory,
)
from frontline.knowledge.rendering import diff_html, render_markdown
from frontline.tickets.models import Ticket
from tests.api.conftest import Api
from tests.conftest import World
from tests.knowledge.conftest import publish
from tests.web.helpers import new_ticket, signed_in, text_of

# --- Sanitising ---------------------------------------------------------------------------------

HOSTILE = """# Title

<script>alert('x')</script>
<img src="x" onerror="alert(1)">
[click](javascript:alert(1))
![pixel](https://tracker.example/p.gif)
<a href="#" onclick="steal()">hi</a>
"""


def test_markdown_never_renders_scripts_handlers_or_javascript_urls() -> None:
    html = render_markdown(HOSTILE)
    assert "<script" not in html
    assert not re.search(r"<[a-z][^>]*\son\w+=", html)  # raw HTML is text, never a tag
    assert '<img src="x"' not in html
    assert 'href="javascript' not in html
    assert "tracker.example" not in html  # images only from our own files
    assert "<h1>Title</h1>" in html


def test_markdown_keeps_useful_formatting() -> None:
    html = render_markdown(
        "1. Open **Settings**\n2. Click [here](https://example.com)\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n![s](/kb/files/abc/)"
    )
    assert "<ol>" in html
    assert "<strong>Settings</strong>" in html
    assert 'href="https://example.com"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<table>" in html
    assert '<img src="/kb/files/abc/" alt="s">' in html


def test_a_script_in_an_article_never_reaches_the_page(world: World, km: User) -> None:
    article = publish(km, km, title="Hostile", body=HOSTILE)
    page = signed_in(world.alice).get(f"/kb/articles/{article.pk}/").content.decode()
    assert "<script>alert" not in page
    assert 'href="javascript' not in page
    desk = signed_in(km).get(f"/kb/desk/{article.pk}/").content.decode()
    assert "<script>alert" not in desk


def test_diffs_are_escaped() -> None:
    html = diff_html("old <b>line</b>", "new <script>x</script>")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'class="diff-add"' in html
    assert 'class="diff-del"' in html


# --- Portal -------------------------------------------------------------------------------------


def test_portal_home_category_search_and_article(world: World, km: User) -> None:
    root = KBCategory.objects.create(name="IT")
    child = KBCategory.objects.create(name="Network", parent=root)
    article = publish(
        km, km, title="Connect to the VPN", body="Open **GlobalProtect**.", category=child
    )
    client = signed_in(world.alice)

    home = text_of(client.get("/kb/"))
    assert "Connect to the VPN" in home
    assert ">IT</a>" in home
    assert "Connect to the VPN" in text_of(client.get(f"/kb/categories/{root.pk}/"))
    found = text_of(client.get("/kb/search/", {"q": "vpn"}))
    assert "Connect to the VPN" in found
    assert "<mark>" in found
    page = client.get(f"/kb/articles/{article.pk}/")
    assert "<strong>GlobalProtect</strong>" in page.content.decode()
    article.refresh_from_db()
    assert article.view_count == 1


def test_the_portal_asks_for_sign_in(world: World) -> None:
    from django.test import Client

    response = Client().get("/kb/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_did_this_help_from_the_page(world: World, km: User) -> None:
    article = publish(km, km, title="Parking")
    client = signed_in(world.alice)
    url = f"/kb/articles/{article.pk}/feedback/"
    assert client.post(url, {"helpful": "no", "comment": "Missing EV info"}).status_code == 302
    assert client.post(url, {"helpful": "yes"}).status_code == 302
    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count) == (1, 0)
    assert "You said: <strong>yes</strong>" in text_of(client.get(f"/kb/articles/{article.pk}/"))
    assert client.post(url, {"helpful": "maybe"}).status_code == 422


def test_suggestions_on_the_new_request_form(world: World, km: User) -> None:
    publish(km, km, title="Connect to the VPN from home", body="Open GlobalProtect.")
    publish(km, km, title="VPN runbook", body="Restart the gateway.", audience=Audience.AGENTS)
    client = signed_in(world.alice)
    assert 'id="kb-suggestions"' in client.get("/portal/new/").content.decode()

    partial = text_of(
        client.get("/kb/suggest/", {"title": "cant get on the vpn", "description": ""})
    )

    assert "Connect to the VPN from home" in partial
    assert "This solved it" in partial
    assert "runbook" not in partial
    assert client.get("/kb/suggest/", {"title": "vp"}).content.strip() == b""


def test_this_solved_it_ends_the_request_without_a_ticket(world: World, km: User) -> None:
    article = publish(km, km, title="Book a desk", body="Use the Workplace app.")
    client = signed_in(world.alice)
    # The button submits the new-request form itself to the article's "solved" address.
    response = client.post(
        f"/kb/articles/{article.pk}/solved/",
        {"title": "how do i book a desk", "description": "for tomorrow", "impact": "low"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert not Ticket.objects.exists()
    deflection = Deflection.objects.get()
    assert (deflection.article, deflection.requester, deflection.organization) == (
        article,
        world.alice,
        world.acme,
    )
    assert deflection.title == "how do i book a desk"


# --- Desk ---------------------------------------------------------------------------------------


def test_write_preview_submit_approve_from_the_desk(world: World, km: User) -> None:
    agent = signed_in(world.agent)
    response = agent.post(
        "/kb/desk/new/",
        {"title": "Guest Wi-Fi", "body": "Ask **reception**.", "audience": "public", "tags": ""},
    )
    article = Article.objects.get()
    assert response["Location"] == f"/kb/desk/{article.pk}/"
    preview = agent.post("/kb/desk/preview/", {"body": "<script>x</script> **hi**"})
    assert b"<strong>hi</strong>" in preview.content
    assert b"<script>" not in preview.content
    agent.post(f"/kb/desk/{article.pk}/status/", {"status": "review"})
    agent.post(f"/kb/desk/{article.pk}/status/", {"status": "published"})  # refused
    article.refresh_from_db()
    assert article.status == ArticleStatus.REVIEW

    signed_in(km).post(f"/kb/desk/{article.pk}/status/", {"status": "published"})

    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED


def test_the_editor_keeps_what_was_typed_on_bad_input(world: World) -> None:
    response = signed_in(world.agent).post(
        "/kb/desk/new/", {"title": "Kept title", "body": "", "audience": "public"}
    )
    assert response.status_code == 422
    assert "Kept title" in response.content.decode()
    assert not Article.objects.exists()


def test_edit_versions_diff_and_restore_from_the_desk(world: World, km: User) -> None:
    article = services.article_create(actor=km, title="Printer", body="line one\nline two")
    client = signed_in(km)
    client.post(
        f"/kb/desk/{article.pk}/edit/",
        {"title": "Printer", "body": "line one\nline <b>2</b>", "audience": "public", "version": 1},
    )
    stale = client.post(
        f"/kb/desk/{article.pk}/edit/",
        {"title": "Printer", "body": "mine", "audience": "public", "version": 1},
    )
    assert stale.status_code == 409
    assert "mine" in stale.content.decode()

    diff = client.get(f"/kb/desk/{article.pk}/versions/2/").content.decode()
    assert '<span class="diff-del">-line two</span>' in diff
    assert '<span class="diff-add">+line &lt;b&gt;2&lt;/b&gt;</span>' in diff
    assert (
        "versions/1/restore" in diff
        or "Restore" in client.get(f"/kb/desk/{article.pk}/versions/1/").content.decode()
    )

    client.post(f"/kb/desk/{article.pk}/versions/1/restore/")

    article.refresh_from_db()
    assert (article.version, article.body) == (3, "line one\nline two")


def test_ticket_panel_suggests_links_and_drafts(world: World, km: User) -> None:
    from tests.factories import CategoryFactory

    printers = CategoryFactory(team=world.it, name="Printer")
    linked = publish(
        km, km, title="Clear a paper jam", body="Open door B.", ticket_categories=[printers]
    )
    other = publish(km, km, title="Printer toner", body="Replace the printer toner.")
    ticket = new_ticket(
        world.alice,
        title="The printer is jammed",
        description="It eats paper.",
        team=world.it,
        category=printers,
        actor=world.agent,
    )
    client = signed_in(world.agent)
    assert (
        'hx-get="/kb/desk/tickets/'
        in client.get(f"/desk/tickets/{ticket.number}/").content.decode()
    )

    panel = client.get(f"/kb/desk/tickets/{ticket.number}/panel/").content.decode()

    assert panel.index("Clear a paper jam") < panel.index("Printer toner")  # category first
    assert "Insert link" in panel
    assert "Insert text" in panel
    assert "Link to ticket" in panel

    linked_panel = client.post(
        f"/kb/desk/tickets/{ticket.number}/link/", {"article": other.pk}, HTTP_HX_REQUEST="true"
    )
    assert linked_panel.status_code == 200
    assert ArticleTicketLink.objects.filter(article=other, ticket=ticket).exists()

    response = client.post(f"/kb/desk/tickets/{ticket.number}/draft/")
    draft = Article.objects.exclude(pk__in=[linked.pk, other.pk]).get()
    assert response["Location"] == f"/kb/desk/{draft.pk}/edit/"
    assert draft.title == "The printer is jammed"
    assert draft.status == ArticleStatus.DRAFT

    # Someone who may not work the ticket gets 404s.
    hr = signed_in(world.hr_agent)
    assert hr.get(f"/kb/desk/tickets/{ticket.number}/panel/").status_code == 404
    assert hr.post(f"/kb/desk/tickets/{ticket.number}/draft/").status_code == 404


# --- Query counts -------------------------------------------------------------------------------


def _articles(km: User, count: int, start: int = 0) -> None:
    category = KBCategory.objects.get_or_create(name="General")[0]
    for n in range(start, start + count):
        publish(km, km, title=f"Article {n}", body=f"Body {n}", category=category, tags="a, b")


def _queries(fetch: object) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = fetch()  # type: ignore[operator]
        assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "path",
    ["/kb/desk/", "/kb/", "/kb/categories/{category}/", "/api/v1/articles", "/kb/search/?q=body"],
)
def test_list_pages_run_a_constant_number_of_queries(world: World, km: User, path: str) -> None:
    _articles(km, 10)
    category = KBCategory.objects.get(name="General").pk
    url = path.format(category=category)
    if url.startswith("/api/"):
        api = Api(world.agent)

        def fetch() -> object:
            return api.client.get(url, **api.headers)
    else:
        client = signed_in(world.agent)

        def fetch() -> object:
            return client.get(url)

    fetch()  # warm caches (session, content types)
    ten = _queries(fetch)
    _articles(km, 20, start=10)
    thirty = _queries(fetch)
    assert ten == thirty, (ten, thirty)
