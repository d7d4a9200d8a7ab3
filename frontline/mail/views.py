"""The desk's view of a received email: its sanitised HTML (in a sandboxed frame, inline
``cid:`` images served through the access-checked attachment URL, remote images blocked until
the agent asks for them) and the original .eml; the panel of held mail (from strangers) that
agents accept, reject or turn into a new ticket. Desk users who can work the ticket only;
everyone else gets 404."""

from __future__ import annotations

import re
from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from frontline.core.errors import DomainError, NotFound
from frontline.desk.access import desk_required, me
from frontline.mail import ingest
from frontline.mail import selectors as mail_selectors
from frontline.mail.models import InboundMail, State
from frontline.mail.sanitize import rewrite_cid_urls
from frontline.tickets import policies, selectors
from frontline.tickets.models import Ticket

_REMOTE_RE = re.compile(r"(<img\b[^>]*?\s)data-remote-src=\"", re.IGNORECASE)

FRAME_STYLE = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:.5rem;color:#1f2328;"
    "overflow-wrap:anywhere}img{max-width:100%;height:auto}"
    "img[data-remote-src]{display:inline-block;min-width:1.5em;min-height:1em;"
    "outline:1px dashed #999}"
)


def inbound_for(user: object, number: int, message_id: int) -> InboundMail:
    """The received mail behind a message of a ticket the user can work; NotFound else."""
    try:
        ticket = selectors.ticket_for(user, number)  # type: ignore[arg-type]
    except NotFound:
        raise Http404("No such message.") from None
    if not policies.can_work_ticket(user, ticket):  # type: ignore[arg-type]
        raise Http404("No such message.")
    inbound = (
        InboundMail.objects.filter(ticket_message_id=message_id, ticket_message__ticket=ticket)
        .select_related("ticket_message")
        .first()
    )
    if inbound is None:
        raise Http404("No such message.")
    return inbound


def render_html(inbound: InboundMail, *, remote: bool) -> str:
    """The stored sanitised HTML with cid: images pointing at their attachments and,
    when ``remote``, remote images switched on."""
    ids = {cid.lower(): uuid for cid, uuid in (inbound.content_ids or {}).items()}

    def resolve(content_id: str) -> str | None:
        uuid = ids.get(content_id.lower())
        return reverse("attachment-download", args=[uuid]) if uuid else None

    html = rewrite_cid_urls(inbound.html, resolve)
    if remote:
        html = _REMOTE_RE.sub(r'\1src="', html)
    return html


@require_GET
@desk_required
@xframe_options_sameorigin
def mail_html(request: HttpRequest, number: int, message_id: int) -> HttpResponse:
    """The formatted email, for an ``<iframe sandbox>`` on the ticket page. The CSP lets
    images load only from this site unless ``?remote=1`` (the "Show remote images" link)."""
    inbound = inbound_for(me(request), number, message_id)
    remote = request.GET.get("remote") == "1"
    body = render_html(inbound, remote=remote) or "<p><em>This email has no HTML part.</em></p>"
    page = (
        '<!doctype html><html><head><meta charset="utf-8"><base target="_blank">'
        f"<title>{escape(inbound.subject)}</title><style>{FRAME_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
    response = HttpResponse(page, content_type="text/html; charset=utf-8")
    images = "'self' https: http:" if remote else "'self'"
    response["Content-Security-Policy"] = (
        f"default-src 'none'; img-src {images}; style-src 'unsafe-inline'; "
        "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
    )
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
@desk_required
def mail_raw(request: HttpRequest, number: int, message_id: int) -> HttpResponse:
    """The original message exactly as received, as a download."""
    inbound = inbound_for(me(request), number, message_id)
    response = HttpResponse(inbound.raw_bytes(), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="ticket-{number}-{inbound.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- held mail on the ticket page -----------------------------------------------------------


def _workable_ticket(request: HttpRequest, number: int) -> Ticket:
    """The ticket if the signed-in user can work it; 404 for everyone else (requesters too)."""
    user = me(request)
    try:
        ticket = selectors.ticket_for(user, number)
    except NotFound:
        raise Http404("No such ticket.") from None
    if not policies.can_work_ticket(user, ticket):
        raise Http404("No such ticket.")
    return ticket


@require_GET
@login_required
def held_panel(request: HttpRequest, number: int) -> HttpResponse:
    """htmx partial for the ticket page: the held mail of the ticket with accept / reject /
    new-ticket buttons; an empty response when nothing is held."""
    ticket = _workable_ticket(request, number)
    held = mail_selectors.held_mail_for(me(request), ticket)
    if not held:
        return HttpResponse("")
    return render(request, "mail/held_panel.html", {"ticket": ticket, "held": held})


HELD_ACTIONS = {
    "accept": ingest.mail_accept,
    "reject": ingest.mail_reject,
    "ticket": ingest.mail_open_ticket,
}


@require_POST
@login_required
def held_action(request: HttpRequest, number: int, mail_id: int) -> HttpResponse:
    """Accept (append as the sender's reply), reject, or open a new ticket from a held mail
    of this ticket; back to the ticket page with the outcome as a flash message."""
    ticket = _workable_ticket(request, number)
    inbound = (
        InboundMail.objects.filter(pk=mail_id, ticket=ticket)
        .defer("raw", "html", "traceback")
        .select_related("ticket")
        .first()
    )
    if inbound is None:
        raise Http404("No such message.")
    action = request.POST.get("action", "")
    service = HELD_ACTIONS.get(action)
    if service is None:
        messages.error(request, "Choose accept, reject or new ticket.")
        return redirect("desk:ticket", number=number)
    if inbound.state != State.HELD:
        messages.error(request, f"The mail from {inbound.from_email} is no longer held.")
        return redirect("desk:ticket", number=number)
    try:
        row = service(actor=me(request), inbound=inbound)
    except NotFound:
        raise Http404("No such message.") from None
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("desk:ticket", number=number)
    sender = row.from_email or "the sender"
    if action == "accept":
        messages.success(request, f"The mail from {sender} was added as their reply.")
    elif action == "reject":
        messages.success(request, f"The mail from {sender} was rejected.")
    elif row.state == State.PROCESSED and row.ticket is not None:
        messages.success(request, f"Ticket #{row.ticket.number} was opened from the mail.")
    else:
        messages.error(request, f"No ticket was opened: {row.error or row.get_state_display()}.")
    return redirect("desk:ticket", number=number)
