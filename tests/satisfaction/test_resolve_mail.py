"""Resolving a ticket mails its requester once: the "resolved" notice (confirm / reopen) with
the rating links. The survey goes out on its own only when that notice does not reach them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from frontline.accounts.models import hash_token
from frontline.core.errors import ValidationError
from frontline.notifications.models import (
    NotificationKind,
    NotificationPreference,
    NotificationSwitch,
    NotificationTemplate,
    OutboundMail,
)
from frontline.notifications.services import notification_template_save
from frontline.satisfaction.models import SurveyRequest
from frontline.satisfaction.subscribers import send_survey_on_resolve
from frontline.tickets.models import Ticket, TicketEvent
from frontline.tickets.services import ticket_create, ticket_reply, ticket_transition
from tests.conftest import World
from tests.satisfaction.conftest import survey_mails, survey_token


def to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if any(address in t for t in m.to)]


def kinds_to(address: str) -> list[str]:
    return list(
        OutboundMail.objects.filter(to_address__contains=address)
        .order_by("id")
        .values_list("kind", flat=True)
    )


def resolve_event(ticket: Ticket) -> TicketEvent:
    return ticket.events.get(kind="status_changed", new="resolved")


def test_the_requester_gets_one_mail_with_the_notice_and_the_rating_links(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    ticket = resolved(title="VPN drops")
    alice = [m for m in to("alice@acme.test") if "resolved" in m.subject]
    (message,) = alice
    assert message.subject == f"[#{ticket.number}] VPN drops · resolved"
    assert "This is solved" in message.body  # the notice: confirm ...
    assert "Still a problem" in message.body  # ... or reopen
    assert f"/portal/requests/{ticket.number}/" in message.body
    token = survey_token(ticket)
    for score in range(1, 6):
        assert f"/survey/{token}/?rating={score}" in message.body
    assert survey_mails(ticket) == [message]  # no second mail with the survey
    assert kinds_to("alice@acme.test") == ["received", "resolved"]
    survey = SurveyRequest.objects.get(ticket=ticket)
    assert survey.token_hash == hash_token(token)  # the link is the stored hash's token
    assert Client().get(f"/survey/{token}/?rating=4").status_code == 200


def test_watchers_get_the_notice_without_rating_links(
    world: World, dispatch: Callable[[], None]
) -> None:
    ticket = ticket_create(actor=world.alice, title="Shared printer")
    ticket.watchers.set([world.arthur])
    ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    dispatch()
    (watcher,) = [m for m in to("arthur@acme.test") if "resolved" in m.subject]
    assert "/survey/" not in watcher.body
    assert len(survey_mails(ticket)) == 1  # alice's
    assert SurveyRequest.objects.filter(ticket=ticket).count() == 1


@pytest.mark.parametrize("switched_off", ["by_the_requester", "for_everyone"])
def test_without_the_resolved_notice_the_survey_goes_out_on_its_own(
    world: World, resolved: Callable[..., Ticket], switched_off: str
) -> None:
    if switched_off == "for_everyone":
        NotificationSwitch.objects.create(kind=NotificationKind.RESOLVED, enabled=False)
    else:
        NotificationPreference.objects.create(
            user=world.alice, kind=NotificationKind.RESOLVED, enabled=False
        )
    ticket = resolved(title="Keyboard")
    (message,) = survey_mails(ticket)
    assert message.subject == f"[#{ticket.number}] How did we do? Keyboard"
    assert "has been resolved" in message.body
    assert kinds_to("alice@acme.test") == ["received", "survey"]
    assert message.extra_headers["Message-ID"].startswith(f"<ticket-{ticket.number}.")
    token = survey_token(ticket)
    assert SurveyRequest.objects.get(ticket=ticket).token_hash == hash_token(token)


def test_a_requester_who_resolves_their_own_ticket_gets_the_survey_alone(
    world: World, dispatch: Callable[[], None]
) -> None:
    ticket = ticket_create(actor=world.alice, title="Found it myself")
    ticket_transition(actor=world.alice, ticket=ticket, status="resolved", version=None)
    dispatch()
    (message,) = survey_mails(ticket)
    assert "How did we do?" in message.subject
    assert kinds_to("alice@acme.test") == ["received", "survey"]


def test_resolving_right_after_replying_sends_the_notice_with_the_links(
    world: World, dispatch: Callable[[], None]
) -> None:
    """The usual desk flow: answer, then resolve. The resolve is not part of the reply (a
    reply only ever opens a ticket), so the requester gets the notice with the rating links,
    not a bare survey without the confirm / reopen link."""
    ticket = ticket_create(actor=world.alice, title="Printer jam")
    dispatch()
    ticket_reply(actor=world.agent, ticket=ticket, body="Looking.", version=None)
    ticket_reply(actor=world.agent, ticket=ticket, body="Cleared it, try again.", version=None)
    ticket.refresh_from_db()
    ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    dispatch()
    assert kinds_to("alice@acme.test") == ["received", "reply", "reply", "resolved"]
    (message,) = survey_mails(ticket)
    assert "Still a problem" in message.body


def test_a_reply_reopening_a_ticket_sends_no_status_mail_beside_it(
    world: World, resolved: Callable[..., Ticket], dispatch: Callable[[], None]
) -> None:
    ticket = resolved(title="Back again")
    before = OutboundMail.objects.count()
    ticket_reply(actor=world.alice, ticket=ticket, body="It broke again.", version=None)
    dispatch()
    assert Ticket.objects.get(pk=ticket.pk).status == "open"
    kinds = OutboundMail.objects.order_by("id")[before:].values_list("kind", flat=True)
    assert set(kinds) == {"requester_replied"}


def test_the_order_of_the_two_apps_subscribers_does_not_matter(
    world: World, committed: Callable[..., object]
) -> None:
    from frontline.notifications.subscribers import notify_status_changed

    ticket = ticket_create(actor=world.alice, title="Order")
    ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    event = resolve_event(ticket)
    with committed(execute=True):  # type: ignore[operator]
        send_survey_on_resolve(event)  # satisfaction first, then notifications
        notify_status_changed(event)
        send_survey_on_resolve(event)  # and a redelivery
        notify_status_changed(event)
    (message,) = survey_mails(ticket)
    assert "This is solved" in message.body
    assert SurveyRequest.objects.filter(ticket=ticket).count() == 1
    assert OutboundMail.objects.filter(ticket=ticket, recipient=world.alice).count() == 1


def test_a_stale_resolve_for_notifications_still_gets_its_survey(
    world: World, dispatch: Callable[[], None]
) -> None:
    """Handed on 2 days late (a long outage): too old for the notice, not for a survey."""
    ticket = ticket_create(actor=world.alice, title="Late")
    ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    TicketEvent.objects.filter(ticket=ticket).update(at=timezone.now() - dt.timedelta(days=2))
    dispatch()
    (message,) = survey_mails(ticket)
    assert "How did we do?" in message.subject
    assert kinds_to("alice@acme.test") == ["survey"]


def test_surveys_switched_off_for_everyone_send_no_links_and_no_survey(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    NotificationSwitch.objects.create(kind=NotificationKind.SURVEY, enabled=False)
    ticket = resolved()
    assert survey_mails(ticket) == []
    assert not SurveyRequest.objects.exists()
    assert kinds_to("alice@acme.test") == ["received", "resolved"]


def test_resolving_again_sends_the_notice_without_a_second_survey(
    world: World, resolved: Callable[..., Ticket], dispatch: Callable[[], None]
) -> None:
    ticket = resolved()
    ticket = ticket_transition(actor=world.agent, ticket=ticket, status="open", version=None)
    ticket_transition(actor=world.agent, ticket=ticket, status="resolved", version=None)
    dispatch()
    resolved_mails = [m for m in to("alice@acme.test") if m.subject.endswith("· resolved")]
    assert len(resolved_mails) == 2
    assert "/survey/" not in resolved_mails[1].body
    assert len(survey_mails(ticket)) == 1
    assert SurveyRequest.objects.filter(ticket=ticket).count() == 1


# --- Admin-edited wording -----------------------------------------------------------------------


def test_the_survey_mail_uses_the_admins_template(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    NotificationPreference.objects.create(
        user=world.alice, kind=NotificationKind.RESOLVED, enabled=False
    )
    notification_template_save(
        actor=world.admin,
        kind=NotificationKind.SURVEY,
        subject="Rate us: {{ ticket.title }}",
        body="Hi {{ recipient.first_name }}!\n{% for link in survey.links %}"
        "[{{ link.label }}] {{ link.url }}\n{% endfor %}Until {{ survey.expires }}.\n",
    )
    ticket = resolved(title="Mouse")
    (message,) = survey_mails(ticket)
    assert message.subject == f"[#{ticket.number}] Rate us: Mouse"
    assert message.body.startswith("Hi Alice!\n[Excellent] ")
    assert "[Very poor] " in message.body


def test_an_admins_resolved_text_without_the_links_still_carries_them(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    NotificationTemplate.objects.create(
        kind=NotificationKind.RESOLVED,
        subject="Done: {{ ticket.title }}",
        body="Solved, {{ recipient.first_name }}. {{ link }}\n",
    )
    ticket = resolved(title="Screen")
    (message,) = survey_mails(ticket)
    assert message.body.startswith("Solved, Alice. ")
    token = survey_token(ticket)
    assert f"/survey/{token}/?rating=1" in message.body


def test_survey_templates_are_checked_when_saved(world: World) -> None:
    with pytest.raises(ValidationError) as bad:
        notification_template_save(
            actor=world.admin,
            kind=NotificationKind.SURVEY,
            subject="{{ survey.url }}",
            body="{{ survey.links.__class__ }} {{ score }}",
        )
    assert "body" in bad.value.errors
    assert not NotificationTemplate.objects.exists()


def test_a_survey_nobody_can_receive_is_not_opened(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    """An address that cannot be used: no mail, and no survey request left behind."""
    from frontline.accounts.models import User

    User.objects.filter(pk=world.alice.pk).update(email="alice@@acme.test")
    NotificationPreference.objects.create(
        user=world.alice, kind=NotificationKind.RESOLVED, enabled=False
    )
    ticket = resolved()
    assert survey_mails(ticket) == []
    assert not SurveyRequest.objects.exists()
    assert resolve_event(ticket).dispatched_at is not None  # handed on, not retried forever


# --- The requester's own choice -----------------------------------------------------------------


@pytest.mark.parametrize("resolved_mail", [True, False])
def test_a_requester_who_switched_surveys_off_gets_no_links_and_no_survey(
    world: World, resolved: Callable[..., Ticket], resolved_mail: bool
) -> None:
    from frontline.notifications.services import notification_preferences_update

    changes = {"survey": False} if resolved_mail else {"survey": False, "resolved": False}
    notification_preferences_update(actor=world.alice, user=world.alice, changes=changes)
    ticket = resolved()
    assert survey_mails(ticket) == []
    assert not SurveyRequest.objects.exists()
    expected = ["received", "resolved"] if resolved_mail else ["received"]
    assert kinds_to("alice@acme.test") == expected


def test_another_requesters_choice_does_not_stop_alices_survey(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    NotificationPreference.objects.create(
        user=world.bob, kind=NotificationKind.SURVEY, enabled=False
    )
    ticket = resolved()
    assert len(survey_mails(ticket)) == 1


def test_the_survey_mail_has_the_same_placeholders_as_every_notification(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    """One context for both: the survey on its own renders the base placeholders (status in
    words, the portal link, the requester...) exactly as the "resolved" notice does."""
    body = (
        "{{ recipient.first_name }}|{{ requester.name }}|{{ status }}|{{ link }}|{{ author.name }}"
    )
    for kind in (NotificationKind.RESOLVED, NotificationKind.SURVEY):
        notification_template_save(actor=world.admin, kind=kind, subject="x", body=body)
    with_notice = resolved(title="One")
    NotificationPreference.objects.create(
        user=world.alice, kind=NotificationKind.RESOLVED, enabled=False
    )
    alone = resolved(title="Two")
    (notice,) = survey_mails(with_notice)
    (survey,) = survey_mails(alone)
    assert survey.subject == f"[#{alone.number}] x"
    first_line = {m: m.body.splitlines()[0] for m in (notice, survey)}
    assert first_line[survey] == first_line[notice].replace(
        f"/requests/{with_notice.number}/", f"/requests/{alone.number}/"
    ).replace("|Ann Agent", "|")  # the notice names the agent who resolved it
    assert first_line[survey].startswith("Alice|Alice Archer|Resolved|http")
