"""Mail in the admin: IMAP mailboxes, and every received message with its state. The
quarantine is the list filtered on "quarantined" (error and traceback on each row, for admins
only); held replies are the "held" filter. Actions retry, accept, reject or open a ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from frontline.accounts.models import User
from frontline.core.errors import DomainError
from frontline.mail.imap import ImapError, mailbox_poll
from frontline.mail.ingest import mail_accept, mail_open_ticket, mail_reject, mail_retry
from frontline.mail.models import InboundMail, Mailbox


class MailboxForm(forms.ModelForm[Mailbox]):
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Leave empty to keep the current password.",
    )

    class Meta:
        model = Mailbox
        fields = [
            "name",
            "address",
            "team",
            "host",
            "port",
            "security",
            "username",
            "password",
            "folder",
            "interval_seconds",
            "after_processing",
            "processed_folder",
            "processed_flag",
            "batch_size",
            "is_active",
        ]

    def clean_password(self) -> str:
        value = self.cleaned_data.get("password") or ""
        if not value and self.instance.pk:
            return self.instance.password
        return value


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    form = MailboxForm
    list_display = ["name", "address", "host", "folder", "team", "is_active", "last_polled_at"]
    list_filter = ["is_active", "team"]
    readonly_fields = ["last_polled_at", "last_error"]
    actions = ["poll_now"]

    @admin.action(description="Poll the selected mailboxes now")
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset:
            try:
                result = mailbox_poll(mailbox=mailbox)
            except ImapError as exc:
                self.message_user(request, f"{mailbox}: {exc}", messages.ERROR)
                continue
            self.message_user(request, f"{mailbox}: {result.fetched} message(s) fetched.")


def _each(
    admin_: admin.ModelAdmin[InboundMail],
    request: HttpRequest,
    queryset: QuerySet[InboundMail],
    action: Callable[[InboundMail], InboundMail],
    verb: str,
) -> None:
    done = 0
    for inbound in queryset.select_related("ticket"):
        try:
            result = action(inbound)
        except DomainError as exc:
            admin_.message_user(request, f"Message {inbound.pk}: {exc}", messages.WARNING)
            continue
        done += 1
        if result.error:
            admin_.message_user(
                request, f"Message {inbound.pk}: {result.state} ({result.error})", messages.WARNING
            )
    admin_.message_user(request, f"{done} message(s) {verb}.")


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin[InboundMail]):
    list_display = [
        "received_at",
        "state",
        "source",
        "from_email",
        "subject",
        "ticket_link",
        "attempts",
        "error",
    ]
    list_filter = ["state", "source", "mailbox", "auto_kind"]
    search_fields = ["from_email", "subject", "message_id"]
    date_hierarchy = "received_at"
    list_select_related = ["ticket"]
    exclude = ["raw", "html", "content_ids"]
    actions = ["retry", "accept", "reject", "open_ticket"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in InboundMail._meta.fields if f.name not in self.exclude] + [
            "download"
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Ticket")
    def ticket_link(self, obj: InboundMail) -> str:
        if obj.ticket is None:
            return "—"
        url = reverse("desk:ticket", args=[obj.ticket.number])
        return format_html('<a href="{}">#{}</a>', url, obj.ticket.number)

    @admin.display(description="Original")
    def download(self, obj: InboundMail) -> str:
        url = reverse("admin:mail_inboundmail_raw", args=[obj.pk])
        return format_html('<a href="{}">Download .eml ({} bytes)</a>', url, obj.size)

    def get_urls(self) -> list[Any]:
        from django.urls import path

        return [
            path(
                "<int:pk>/raw.eml",
                self.admin_site.admin_view(self.raw_view),
                name="mail_inboundmail_raw",
            ),
            *super().get_urls(),
        ]

    def raw_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        inbound = self.get_object(request, str(pk))
        if inbound is None or not self.has_view_permission(request, inbound):
            from django.http import Http404

            raise Http404("No such message.")
        response = HttpResponse(inbound.raw_bytes(), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="inbound-{inbound.pk}.eml"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.action(description="Retry (process again)")
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        actor = _actor(request)
        _each(self, request, queryset, lambda m: mail_retry(actor=actor, inbound=m), "retried")

    @admin.action(description="Held: accept as the sender's reply")
    def accept(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        actor = _actor(request)
        _each(self, request, queryset, lambda m: mail_accept(actor=actor, inbound=m), "accepted")

    @admin.action(description="Held: reject")
    def reject(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        actor = _actor(request)
        _each(self, request, queryset, lambda m: mail_reject(actor=actor, inbound=m), "rejected")

    @admin.action(description="Held: open a new ticket from it")
    def open_ticket(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        actor = _actor(request)
        _each(
            self,
            request,
            queryset,
            lambda m: mail_open_ticket(actor=actor, inbound=m),
            "opened as tickets",
        )


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "the admin requires a signed-in user"
    return user
