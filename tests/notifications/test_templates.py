"""Admins reword notifications: templates are checked on save, overrides replace the shipped
defaults, and nothing in a template can reach past the plain data it is given."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from frontline.core.errors import PermissionDenied, ValidationError
from frontline.core.safe_templates import template_problems
from frontline.notifications.context import placeholders
from frontline.notifications.defaults import DEFAULTS
from frontline.notifications.models import NotificationKind, NotificationTemplate
from frontline.notifications.rendering import render_notification
from frontline.notifications.services import notification_template_save
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_reply
from tests.conftest import World
from tests.notifications.conftest import Act, sent_to


def test_every_kind_has_a_shipped_default_that_passes_the_check() -> None:
    assert set(DEFAULTS) == set(NotificationKind.values)
    for subject, body in DEFAULTS.values():
        assert template_problems(subject, allowed_names=placeholders()) == []
        assert template_problems(body, allowed_names=placeholders()) == []


def test_an_admin_template_replaces_the_default(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    notification_template_save(
        actor=world.admin,
        kind=NotificationKind.REPLY,
        subject="Update [{{ ticket.reference }}]: {{ ticket.title }}",
        body="Dear {{ recipient.first_name }},\n{{ message }}\n-- {{ author.name }}, {{ status }}",
    )
    ticket = open_ticket()
    act(ticket_reply, actor=world.agent, ticket=ticket, body="We ordered a new drum.")
    sent = sent_to("alice@acme.test")[0]
    # The token is already in the subject, so it is not added twice.
    assert sent.subject == f"Update [#{ticket.number}]: Printer on floor 3 jammed"
    assert sent.body == "Dear Alice,\nWe ordered a new drum.\n-- Ann Agent, Open"


def test_the_token_is_put_in_front_of_a_subject_that_lacks_it(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    notification_template_save(
        actor=world.admin, kind=NotificationKind.REPLY, subject="News", body="{{ message }}"
    )
    ticket = open_ticket()
    act(ticket_reply, actor=world.agent, ticket=ticket, body="x")
    assert sent_to("alice@acme.test")[0].subject == f"[#{ticket.number}] News"


@pytest.mark.parametrize(
    ("subject", "body", "field", "fragment"),
    [
        ("{{ ticket.title }}", "{{ ticket.secret_notes }} {{ nope }}", "body", "nope"),
        ("{{ ticket.title", "x", "subject", "syntax error"),
        ("{{ ticket.__class__ }}", "x", "subject", "__class__"),
        ("x", "{{ ticket['__class__'] }}", "body", "__class__"),
        ("x", "{{ ticket.items() }}", "body", "Calling functions"),
        ("x", "{{ cycler.__init__.__globals__ }}", "body", "__globals__"),
        ("x", "   ", "body", "may not be empty"),
    ],
)
def test_a_bad_template_is_refused_with_a_message_naming_the_problem(
    world: World, subject: str, body: str, field: str, fragment: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        notification_template_save(
            actor=world.admin, kind=NotificationKind.STATUS, subject=subject, body=body
        )
    assert fragment in " ".join(caught.value.errors[field])
    assert not NotificationTemplate.objects.exists()


def test_only_admins_edit_templates(world: World) -> None:
    with pytest.raises(PermissionDenied):
        notification_template_save(
            actor=world.manager, kind=NotificationKind.STATUS, subject="x", body="y"
        )


def test_a_template_slipped_past_the_check_renders_safely_or_falls_back(
    world: World, open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket()
    context = {"ticket": {"number": ticket.number, "title": "T"}, "message": "m"}
    # Written straight to the table (no check): private attributes render as nothing...
    NotificationTemplate.objects.create(
        kind=NotificationKind.REPLY,
        subject="{{ ticket.__class__ }}",
        body="[{{ message.__class__.__mro__ }}]",
    )
    subject, body = render_notification(NotificationKind.REPLY, context, number=ticket.number)
    assert "class" not in subject
    assert "class" not in body
    assert "type" not in body
    assert body == "[]"
    # ... and a template the sandbox refuses at send time falls back to the shipped default.
    NotificationTemplate.objects.filter(kind=NotificationKind.REPLY).update(
        body="{{ message.__len__() }}"
    )
    subject, body = render_notification(NotificationKind.REPLY, context, number=ticket.number)
    assert body.startswith("m\n")


def test_the_admin_form_shows_the_problem_and_keeps_what_was_typed(world: World) -> None:
    client = Client()
    client.force_login(world.admin)
    response = client.post(
        "/admin/notifications/notificationtemplate/add/",
        {
            "kind": "reply",
            "subject": "{{ ticket.title }}",
            "body": "Hi {{ ticket.owner_pwd }} {{ who }}",
        },
    )
    assert response.status_code == 200
    assert b"Unknown placeholder(s): who" in response.content
    assert b"ticket.owner_pwd" in response.content  # the text is still in the form
    assert not NotificationTemplate.objects.exists()
    response = client.post(
        "/admin/notifications/notificationtemplate/add/",
        {"kind": "reply", "subject": "{{ ticket.title }}", "body": "{{ message }}"},
    )
    assert response.status_code == 302
    assert NotificationTemplate.objects.get().body == "{{ message }}"
