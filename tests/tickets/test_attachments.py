"""Attachments: the access-checked download view, the size limit, safe storage names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from frontline.accounts.models import User
from frontline.accounts.services import token_create, token_revoke
from frontline.core.errors import ValidationError
from frontline.tickets.models import Attachment
from frontline.tickets.services import attachment_upload, ticket_create, ticket_note, ticket_reply
from tests.conftest import World


@dataclass
class Files:
    public: Attachment  # on the first message of Alice's IT ticket
    note: Attachment  # on an internal note of the same ticket
    staged: Attachment  # uploaded by Alice, not sent yet
    html: Attachment  # an HTML file Alice replied with


@pytest.fixture
def files(world: World) -> Files:
    public = attachment_upload(actor=world.alice, content=b"vpn log", filename="vpn.log")
    ticket = ticket_create(actor=world.alice, title="VPN", attachment_ids=[public.uuid])
    note = ticket_note(
        actor=world.agent,
        ticket=ticket,
        body="Internal capture",
        files=[SimpleUploadedFile("capture.pcap", b"\x00\x01", "application/vnd.tcpdump.pcap")],
    ).attachments.get()
    html = attachment_upload(
        actor=world.alice,
        content=b"<script>alert(document.cookie)</script>",
        filename="page.html",
        content_type="Text/HTML; charset=utf-8",
    )
    ticket_reply(actor=world.alice, ticket=ticket, body="See page", attachment_ids=[html.uuid])
    staged = attachment_upload(actor=world.alice, content=b"draft", filename="draft.txt")
    for attachment in (public, note, html, staged):
        attachment.refresh_from_db()
    return Files(public=public, note=note, staged=staged, html=html)


def url(attachment: Attachment) -> str:
    return f"/attachments/{attachment.uuid}/"


def get(
    client: Client, attachment: Attachment, user: User | None = None, **headers: str
) -> tuple[int, bytes, dict[str, str]]:
    if user is not None:
        client.force_login(user)
    response = client.get(url(attachment), headers=headers)
    # Reading the stream to its end closes the file (the test client wraps it).
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response.status_code, body, dict(response.headers)


def test_file_is_served_as_a_download_with_nosniff(
    client: Client, world: World, files: Files
) -> None:
    status, body, headers = get(client, files.public, world.alice)
    assert status == 200
    assert body == b"vpn log"
    assert headers["Content-Disposition"].startswith("attachment;")
    assert 'filename="vpn.log"' in headers["Content-Disposition"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]
    assert "no-store" in headers["Cache-Control"]


def test_html_is_served_as_an_opaque_download(client: Client, world: World, files: Files) -> None:
    assert files.html.content_type == "text/html"
    status, body, headers = get(client, files.html, world.agent)
    assert status == 200
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"].startswith("attachment;")
    assert body.startswith(b"<script>")


@pytest.mark.parametrize("kind", ["image/svg+xml", "application/xhtml+xml", "text/html"])
def test_active_content_types_are_never_served_as_such(
    client: Client, world: World, kind: str
) -> None:
    upload = attachment_upload(
        actor=world.alice, content=b"<svg/>", filename="x", content_type=kind
    )
    status, _, headers = get(client, upload, world.alice)
    assert status == 200
    assert headers["Content-Type"] == "application/octet-stream"


def test_plain_types_keep_their_content_type(client: Client, world: World) -> None:
    upload = attachment_upload(actor=world.alice, content=b"%PDF-1.7", filename="r.pdf")
    assert get(client, upload, world.alice)[2]["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("who", "which", "status"),
    [
        ("alice", "public", 200),
        ("agent", "public", 200),
        ("manager", "public", 200),
        ("admin", "public", 200),
        ("bob", "public", 404),  # another requester
        ("arthur", "public", 404),  # same organization, which does not share
        ("hr_agent", "public", 404),  # agent of another team
        ("agent", "note", 200),
        ("agent_l2", "note", 200),
        ("alice", "note", 404),  # requesters never get an internal note's file
        ("bob", "note", 404),
        ("hr_agent", "note", 404),
        ("alice", "staged", 200),
        ("arthur", "staged", 404),  # someone else's upload waiting to be sent
        ("agent", "staged", 404),
        ("admin", "staged", 404),
        ("alice", "html", 200),
        ("bob", "html", 404),
    ],
)
def test_only_those_who_may_see_the_message_get_the_file(
    client: Client, world: World, files: Files, who: str, which: str, status: int
) -> None:
    assert get(client, getattr(files, which), getattr(world, who))[0] == status


@pytest.mark.parametrize("which", ["public", "note", "staged"])
def test_anonymous_visitors_get_404(client: Client, files: Files, which: str) -> None:
    assert get(client, getattr(files, which))[0] == 404


def test_requester_in_a_sharing_organization_gets_a_colleagues_public_file(
    client: Client, world: World, files: Files
) -> None:
    world.acme.shares_tickets = True
    world.acme.save()
    assert get(client, files.public, world.arthur)[0] == 200
    assert get(client, files.note, world.arthur)[0] == 404


def test_staged_upload_of_a_deleted_account_is_served_to_nobody(
    client: Client, world: World
) -> None:
    leaver = User.objects.create_user("leaver@acme.test", "x")
    upload = attachment_upload(actor=leaver, content=b"orphan", filename="orphan.txt")
    leaver.delete()
    upload.refresh_from_db()
    assert upload.uploaded_by is None
    assert get(client, upload)[0] == 404
    assert get(client, upload, world.alice)[0] == 404


def test_bearer_token_authenticates_the_download(
    client: Client, world: World, files: Files
) -> None:
    _, alice_token = token_create(actor=None, user=world.alice)
    _, bob_token = token_create(actor=None, user=world.bob)
    status, body, _ = get(client, files.public, Authorization=f"Bearer {alice_token}")
    assert (status, body) == (200, b"vpn log")
    assert get(client, files.public, Authorization=f"Bearer {bob_token}")[0] == 404
    assert get(client, files.note, Authorization=f"Bearer {alice_token}")[0] == 404


@pytest.mark.parametrize("header", ["Bearer fl_not-a-token", "Bearer ", "Bearer revoked"])
def test_bad_or_revoked_tokens_get_404(
    client: Client, world: World, files: Files, header: str
) -> None:
    if header == "Bearer revoked":
        token, raw = token_create(actor=None, user=world.alice)
        token_revoke(actor=world.alice, token=token)
        header = f"Bearer {raw}"
    assert get(client, files.public, Authorization=header)[0] == 404


@pytest.mark.parametrize("path", ["/attachments/not-a-uuid/", f"/attachments/{'0' * 32}/"])
def test_unknown_attachments_are_404(client: Client, world: World, path: str) -> None:
    client.force_login(world.admin)
    assert client.get(path).status_code == 404


# --- Upload ---------------------------------------------------------------------------------


def test_files_over_the_limit_are_refused_on_the_file_field(
    world: World, settings: pytest.FixtureRequest
) -> None:
    settings.FRONTLINE_ATTACHMENT_MAX_BYTES = 10  # type: ignore[attr-defined]
    before = Attachment.objects.count()
    with pytest.raises(ValidationError) as info:
        attachment_upload(actor=world.alice, content=b"x" * 11, filename="big.bin")
    assert "file" in info.value.errors
    with pytest.raises(ValidationError) as info:
        attachment_upload(
            actor=world.alice, content=SimpleUploadedFile("big.bin", b"y" * 11), filename="big.bin"
        )
    assert "file" in info.value.errors
    assert Attachment.objects.count() == before
    exactly = attachment_upload(actor=world.alice, content=b"x" * 10, filename="ok.bin")
    assert exactly.size == 10


def test_oversized_file_in_a_reply_writes_nothing(
    world: World, settings: pytest.FixtureRequest
) -> None:
    settings.FRONTLINE_ATTACHMENT_MAX_BYTES = 10  # type: ignore[attr-defined]
    ticket = ticket_create(actor=world.alice, title="x")
    with pytest.raises(ValidationError) as info:
        ticket_reply(
            actor=world.alice,
            ticket=ticket,
            body="big one",
            files=[SimpleUploadedFile("big.bin", b"z" * 11)],
        )
    assert "file" in info.value.errors
    assert ticket.messages.count() == 1


def test_upload_keeps_size_and_checksum(world: World) -> None:
    upload = attachment_upload(actor=world.alice, content=b"abc", filename="abc.txt")
    assert upload.size == 3
    assert upload.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert upload.content_type == "text/plain"


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\config.sam", "config.sam"),
        ("/var/www/index.php", "index.php"),
        ("secret-plans.pdf", "secret-plans.pdf"),
        ("evil\x00name\x1b[31m.txt", "evilname[31m.txt"),
        ("..", "attachment"),
        ("", "attachment"),
        ("report.tar.gz", "report.tar.gz"),
        ("weird.p$p", "weird.p$p"),
    ],
)
def test_stored_name_never_contains_the_uploaded_name(
    world: World, uploaded: str, shown: str
) -> None:
    upload = attachment_upload(actor=world.alice, content=b"data", filename=uploaded)
    stored = upload.file.name
    assert upload.filename == shown
    assert stored.startswith("attachments/")
    assert ".." not in stored
    stem = Path(shown).name.split(".")[0]
    if shown != "attachment":
        assert stem not in stored
    assert upload.uuid.hex in stored
    on_disk = (Path(settings.MEDIA_ROOT) / stored).resolve()
    assert on_disk.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert on_disk.read_bytes() == b"data"
