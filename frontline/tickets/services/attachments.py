"""Uploading attachments and binding them to a message."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import unicodedata
from collections.abc import Iterable
from uuid import UUID

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.utils import timezone

from frontline.accounts.models import User
from frontline.core.errors import ValidationError
from frontline.tickets.models import Attachment, Message

STAGED_FOR = dt.timedelta(days=1)


def clean_filename(name: str) -> str:
    """A display name safe to show and to put in Content-Disposition (no path, no controls)."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:200] or "attachment"


def attachment_upload(
    *, actor: User, content: bytes | File, filename: str, content_type: str = ""
) -> Attachment:
    """Store an uploaded file for ``actor`` to attach to a message within a day.

    The file is kept under a generated name; the original name is only metadata. Files over
    FRONTLINE_ATTACHMENT_MAX_BYTES are refused with a ValidationError on ``file``.
    """
    limit = settings.FRONTLINE_ATTACHMENT_MAX_BYTES
    if isinstance(content, bytes):
        size = len(content)
        django_file: File = ContentFile(content)
    else:
        size = content.size or 0
        django_file = content
    if size > limit:
        raise ValidationError.field(
            "file", f"The file is {size:,} bytes; the limit is {limit:,} bytes."
        )
    digest = hashlib.sha256()
    for chunk in django_file.chunks():
        digest.update(chunk)
    django_file.seek(0)
    name = clean_filename(filename)
    guessed = mimetypes.guess_type(name)[0]
    kind = (content_type or guessed or "application/octet-stream").split(";")[0].strip().lower()
    if "/" not in kind or len(kind) > 100:
        kind = guessed or "application/octet-stream"
    attachment = Attachment(
        uploaded_by=actor, filename=name, content_type=kind, size=size, sha256=digest.hexdigest()
    )
    attachment.file.save(name, django_file, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)  # no orphaned file when the row is not written
        raise
    return attachment


def bind_attachments(
    *, actor: User, message: Message, ids: Iterable[UUID | str], files: Iterable[File] = ()
) -> list[Attachment]:
    """Attach the actor's staged uploads (by id) and any new files to ``message``."""
    wanted = [str(i) for i in ids]
    files = list(files)
    if not wanted and not files:
        return []
    staged = list(
        Attachment.objects.filter(
            uuid__in=wanted,
            uploaded_by=actor,
            message__isnull=True,
            created_at__gte=timezone.now() - STAGED_FOR,
        )
    )
    if len(staged) != len(set(wanted)):
        found = {str(a.uuid) for a in staged}
        missing = next(i for i in wanted if i not in found)
        raise ValidationError.field(
            "attachments", f"Attachment {missing} is not an upload of yours waiting to be sent."
        )
    for upload in files:
        staged.append(
            attachment_upload(
                actor=actor,
                content=upload,
                filename=getattr(upload, "name", "") or "attachment",
                content_type=getattr(upload, "content_type", "") or "",
            )
        )
    for attachment in staged:
        attachment.message = message
    Attachment.objects.bulk_update(staged, ["message"])
    return staged
