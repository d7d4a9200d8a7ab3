"""The desk's view of a received email (sanitised HTML, cid images, remote images on
request, the original .eml) and the admin's quarantine list and actions."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from frontline.mail import ingest
from frontline.mail.ingest import mail_ingest
from frontline.mail.models import InboundMail, Source, State
from frontline.tickets.models import Ticket
from tests.conftest import World
from tests.mail.mailbuild import build, new_id

pytestmark = pytest.mark.django_db

HTML = (
    '<p>Look: <img src="cid:shot1"> <img src="https://tracker.test/pixel.gif"></p>'
    '<script>alert(1)</script><a href="javascript:alert(2)">x</a>'
)


def _mail(world: World) -> InboundMail:
    raw = build(
        "alice@acme.test",
        html=HTML,
        attachments=[("shot.png", "image/png", b"\x89PNG data", "shot1")],
    )
    inbound = mail_ingest(raw=raw, source=Source.PIPE)
    assert inbound.state == State.PROCESSED
    return inbound


def _urls(inbound: InboundMail) -> tuple[str, str]:
    assert inbound.ticket is not None
    args = [inbound.ticket.number, inbound.ticket_message_id]
    return reverse("desk:mail-html", args=args), reverse("desk:mail-raw", args=args)


def test_the_ticket_page_offers_the_formatted_email_and_the_original(
    world: World, client: Client
) -> None:
    inbound = _mail(world)
    html_url, raw_url = _urls(inbound)
    client.force_login(world.agent)
    assert inbound.ticket is not None
    page = client.get(reverse("desk:ticket", args=[inbound.ticket.number])).content.decode()
    assert f'src="{html_url}"' in page
    assert 'sandbox="allow-same-origin' in page
    assert f'href="{html_url}?remote=1"' in page
    assert raw_url in page
    assert "tracker.test" not in page  # nothing of the mail's HTML is in the page itself


def test_the_formatted_email_shows_cid_images_and_blocks_remote_ones(
    world: World, client: Client
) -> None:
    inbound = _mail(world)
    html_url, _ = _urls(inbound)
    client.force_login(world.agent)
    response = client.get(html_url)
    body = response.content.decode()
    uuid = inbound.content_ids["shot1"]
    assert f'src="/attachments/{uuid}/"' in body
    assert 'data-remote-src="https://tracker.test/pixel.gif"' in body
    assert not re.search(r'\ssrc="https://tracker', body)
    assert "<script" not in body
    assert "javascript:" not in body
    csp = response["Content-Security-Policy"]
    assert "img-src 'self';" in csp
    assert "default-src 'none'" in csp
    # the agent clicks "Show remote images"
    shown = client.get(html_url + "?remote=1")
    assert ' src="https://tracker.test/pixel.gif"' in shown.content.decode()
    assert "https:" in shown["Content-Security-Policy"]
    # the inline image itself is served to the agent
    assert client.get(f"/attachments/{uuid}/").status_code == 200


def test_the_original_is_for_agents_who_can_work_the_ticket(world: World, client: Client) -> None:
    inbound = _mail(world)
    html_url, raw_url = _urls(inbound)
    client.force_login(world.agent)
    response = client.get(raw_url)
    assert response.status_code == 200
    assert response.content == inbound.raw_bytes()
    assert response["Content-Type"] == "message/rfc822"
    assert "attachment" in response["Content-Disposition"]
    client.force_login(world.hr_agent)  # HR does not work IT's tickets
    assert client.get(raw_url).status_code == 404
    assert client.get(html_url).status_code == 404
    client.force_login(world.alice)  # the requester: not for the portal
    assert client.get(raw_url).status_code in (302, 404)
    client.logout()
    assert client.get(raw_url).status_code == 302


def test_the_admin_lists_the_quarantine_and_retries(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(ingest, "ticket_create", broken)
    bad = mail_ingest(raw=build("alice@acme.test", "quarantined one"), source=Source.PIPE)
    assert bad.state == State.QUARANTINED
    monkeypatch.undo()
    client.force_login(world.admin)
    listing = client.get("/admin/mail/inboundmail/?state__exact=quarantined")
    assert listing.status_code == 200
    assert "quarantined one" in listing.content.decode()
    detail = client.get(f"/admin/mail/inboundmail/{bad.pk}/change/").content.decode()
    assert "Traceback" in detail
    raw = client.get(f"/admin/mail/inboundmail/{bad.pk}/raw.eml")
    assert raw.content == bad.raw_bytes()
    response = client.post(
        "/admin/mail/inboundmail/",
        {"action": "retry", "_selected_action": [bad.pk]},
        follow=True,
    )
    assert response.status_code == 200
    bad.refresh_from_db()
    assert bad.state == State.PROCESSED
    assert Ticket.objects.filter(title="quarantined one").exists()
    # requesters never see the error: the portal shows no trace of it
    client.force_login(world.alice)
    assert client.get("/admin/mail/inboundmail/").status_code == 302


def test_the_admin_accepts_a_held_reply(world: World, client: Client) -> None:
    original = new_id()
    first = mail_ingest(raw=build("alice@acme.test", message_id=original), source=Source.PIPE)
    held = mail_ingest(
        raw=build("colleague@acme.test", "Re: x", "I see it too.", in_reply_to=original),
        source=Source.PIPE,
    )
    assert held.state == State.HELD
    client.force_login(world.admin)
    listing = client.get("/admin/mail/inboundmail/?state__exact=held").content.decode()
    assert "colleague@acme.test" in listing
    client.post("/admin/mail/inboundmail/", {"action": "accept", "_selected_action": [held.pk]})
    held.refresh_from_db()
    assert held.state == State.PROCESSED
    assert held.ticket_id == first.ticket_id


def test_the_admin_list_runs_a_constant_number_of_queries(world: World, client: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.admin)

    def count(n: int) -> int:
        while InboundMail.objects.count() < n:
            mail_ingest(raw=build(f"p{InboundMail.objects.count()}@acme.test"), source=Source.PIPE)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/mail/inboundmail/").status_code == 200
        return len(queries)

    assert count(10) == count(30)


def test_the_ticket_page_with_many_emails_runs_a_constant_number_of_queries(
    world: World, client: Client
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    original = new_id()
    first = mail_ingest(raw=build("alice@acme.test", message_id=original), source=Source.PIPE)
    assert first.ticket is not None
    url = reverse("desk:ticket", args=[first.ticket.number])
    client.force_login(world.agent)

    def count(n: int) -> int:
        while first.ticket is not None and first.ticket.messages.count() < n:
            raw = build("alice@acme.test", "Re", "more", in_reply_to=original)
            mail_ingest(raw=raw, source=Source.PIPE)
        client.get(url)  # warm the per-process caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count(3) == count(8)
