"""Context providers: the one way another app adds a placeholder to a kind's mail. The renderer
knows no app by name: a provider's placeholder passes the save check, its section is added
below a wording that leaves it out, and a mail it is required for is not stored without it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from frontline.core.errors import ValidationError
from frontline.notifications import context
from frontline.notifications.context import ContextProvider, mail_context, register
from frontline.notifications.models import NotificationKind, NotificationTemplate, OutboundMail
from frontline.notifications.rendering import render_notification
from frontline.notifications.services import notification_template_save, outbound_mail_create
from frontline.tickets.models import Ticket
from frontline.tickets.services import ticket_reply
from tests.conftest import World
from tests.notifications.conftest import Act, sent_to


@pytest.fixture
def weather() -> Iterator[list[Any]]:
    """A provider of ``weather`` for reply mails; the test sets what it returns."""
    values: list[Any] = ["sunny"]
    saved = dict(context._providers)
    register(
        ContextProvider(
            name="weather",
            kinds=frozenset({NotificationKind.REPLY, NotificationKind.STATUS}),
            provide=lambda **kwargs: values[0],
            section="Weather: {{ weather }}",
            required_for=frozenset({NotificationKind.STATUS}),
        )
    )
    yield values
    context._providers.clear()
    context._providers.update(saved)


def test_the_survey_is_a_provider_like_any_other() -> None:
    (survey,) = [p for p in context.providers() if p.name == "survey"]
    assert survey.kinds == {NotificationKind.RESOLVED, NotificationKind.SURVEY}
    assert "survey" in context.placeholders()
    assert context.providers(NotificationKind.REPLY) == []


def test_a_providers_placeholder_passes_the_check_and_its_value_is_rendered(
    world: World, act: Act, open_ticket: Callable[..., Ticket], weather: list[Any]
) -> None:
    notification_template_save(
        actor=world.admin,
        kind=NotificationKind.REPLY,
        subject="{{ ticket.title }}",
        body="{{ message }} ({{ weather }})",
    )
    ticket = open_ticket()
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Fixed.")
    (message,) = sent_to("alice@acme.test")
    assert message.body == "Fixed. (sunny)"  # used by the text: no section added


def test_a_wording_without_the_placeholder_gets_the_providers_section(
    world: World, act: Act, open_ticket: Callable[..., Ticket], weather: list[Any]
) -> None:
    NotificationTemplate.objects.create(
        kind=NotificationKind.REPLY, subject="{{ ticket.title }}", body="{{ message }}\n"
    )
    ticket = open_ticket()
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Fixed.")
    assert sent_to("alice@acme.test")[0].body == "Fixed.\nWeather: sunny"
    weather[0] = None  # nothing provided: no section
    context_ = {"message": "Again."}
    assert render_notification(NotificationKind.REPLY, context_, number=1)[1] == "Again.\n"


def test_without_a_required_value_no_mail_is_stored(
    world: World, open_ticket: Callable[..., Ticket], weather: list[Any]
) -> None:
    ticket = open_ticket()
    event = ticket.events.get(kind="created")
    weather[0] = None
    base = mail_context(ticket, recipient=world.alice)
    assert (
        outbound_mail_create(
            event=event,
            ticket=ticket,
            recipient=world.alice,
            kind=NotificationKind.STATUS,
            context=base,
        )
        is None
    )
    assert not OutboundMail.objects.filter(kind=NotificationKind.STATUS).exists()
    weather[0] = "rain"
    stored = outbound_mail_create(
        event=event,
        ticket=ticket,
        recipient=world.alice,
        kind=NotificationKind.STATUS,
        context=base,
    )
    assert stored is not None
    assert "Weather: rain" in stored.body


def test_an_unknown_placeholder_is_still_refused(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        notification_template_save(
            actor=world.admin, kind=NotificationKind.REPLY, subject="x", body="{{ weather }}"
        )
    assert "weather" in " ".join(caught.value.errors["body"])


def test_a_provider_may_not_shadow_a_base_placeholder() -> None:
    with pytest.raises(ValueError, match="every notification"):
        register(ContextProvider(name="ticket", kinds=frozenset(), provide=lambda **kwargs: None))
