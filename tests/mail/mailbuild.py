"""Building raw test messages."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from email.message import EmailMessage
from email.policy import SMTP

_counter = itertools.count(1)


def new_id(domain: str = "mail.test") -> str:
    return f"<m{next(_counter)}.{id(_counter)}@{domain}>"


def build(
    sender: str,
    subject: str = "Printer broken",
    body: str = "The printer on floor 2 is broken.",
    *,
    to: str = "support@example.com",
    cc: Iterable[str] = (),
    message_id: str | None = "auto",
    in_reply_to: str | None = None,
    references: Iterable[str] = (),
    headers: dict[str, str] | None = None,
    html: str | None = None,
    attachments: Iterable[tuple[str, str, bytes, str | None]] = (),
) -> bytes:
    """A raw message; attachments are (filename, content type, bytes, content id)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    cc = list(cc)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    if message_id == "auto":
        message_id = new_id()
    if message_id:
        msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    refs = list(references)
    if refs:
        msg["References"] = " ".join(refs)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, content_type, data, cid in attachments:
        maintype, subtype = content_type.split("/")
        if cid and html is not None:
            html_part = msg.get_payload()[-1]  # type: ignore[index]
            html_part.add_related(  # type: ignore[union-attr]
                data, maintype=maintype, subtype=subtype, cid=f"<{cid}>", filename=filename
            )
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=SMTP)
