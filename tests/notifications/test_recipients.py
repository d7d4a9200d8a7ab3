"""Who is mailed for each ticket event: requester, watchers, team agents, assignee; never the
actor; never an internal note to anyone; preferences and global switches respected."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import mail

from frontline.notifications.models import (
    NotificationKind,
    NotificationPreference,
    NotificationSwitch,
    OutboundMail,
    OutboundStatus,
)
from frontline.tickets.models import Ticket
from frontline.tickets.services import (
    ticket_assign,
    ticket_claim,
    ticket_create,
    ticket_note,
    ticket_reply,
    ticket_transition,
)
from tests.conftest import World
from tests.notifications.conftest import Act, ours, person, recipients, sent_to

IT_L1 = ["agent@desk.test", "boss@desk.test", "coord@desk.test"]


def kinds_by_address() -> dict[str, str]:
    """The latest kind mailed to each address."""
    rows = OutboundMail.objects.select_related("recipient").order_by("id")
    return {m.recipient.email: m.kind for m in rows if m.recipient}


def test_a_new_request_confirms_to_the_requester_and_alerts_the_team_tier(
    world: World, act: Act
) -> None:
    ticket = act(ticket_create, actor=world.alice, title="Printer on floor 3 jammed")
    assert recipients() == sorted(["alice@acme.test", *IT_L1])  # not L2, not HR, not admin
    receipt = sent_to("alice@acme.test")[0]
    assert receipt.subject == f"[#{ticket.number}] Printer on floor 3 jammed"
    assert f"#{ticket.number}" in receipt.body
    assert f"/portal/requests/{ticket.number}/" in receipt.body
    alert = sent_to("agent@desk.test")[0]
    assert alert.subject == f"[#{ticket.number}] New ticket: Printer on floor 3 jammed"
    assert f"/desk/tickets/{ticket.number}/" in alert.body
    assert kinds_by_address()["agent@desk.test"] == NotificationKind.NEW_TICKET


def test_a_ticket_logged_with_an_assignee_tells_the_assignee_not_the_whole_team(
    world: World, act: Act
) -> None:
    act(
        ticket_create,
        actor=world.agent,
        requester=world.alice,
        title="Phone call: VPN",
        team=world.it,
        assignee=world.coordinator,
    )
    assert recipients() == ["alice@acme.test", "coord@desk.test"]  # the actor (agent) gets none
    assert kinds_by_address() == {
        "alice@acme.test": NotificationKind.RECEIVED,
        "coord@desk.test": NotificationKind.ASSIGNED,
    }


def test_an_agent_reply_goes_to_the_requester_and_watchers_but_not_the_agent(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    colleague = person(email="carol@acme.test", orgs=[world.acme])
    ticket = open_ticket()
    ticket.watchers.set([colleague, world.agent, world.agent_l2])
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Please restart the printer.")
    assert recipients() == ["alice@acme.test", "carol@acme.test", "l2@desk.test"]
    reply = sent_to("alice@acme.test")[0]
    assert "Please restart the printer." in reply.body
    assert "Ann Agent" in reply.body
    assert "Auto-Submitted" not in reply.extra_headers  # a person's words, not automatic


def test_internal_notes_mail_nobody(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket()
    ticket.watchers.set([world.bob, world.agent_l2])
    act(ticket_note, actor=world.agent, ticket=ticket, body="SECRET: the CFO broke it")
    assert ours() == []
    assert not OutboundMail.objects.filter(event__kind="noted").exists()


def test_a_requester_reply_goes_to_the_assignee_only_when_assigned(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket(actor=world.agent, requester=world.alice, assignee=world.agent_l2)
    act(ticket_reply, actor=world.alice, ticket=ticket, body="It is still jammed.")
    assert recipients() == ["l2@desk.test"]
    note = sent_to("l2@desk.test")[0]
    assert "It is still jammed." in note.body
    assert "reply from Alice Archer" in note.subject


def test_a_requester_reply_on_an_unassigned_ticket_goes_to_the_team_tier_and_watchers(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket()
    ticket.watchers.set([world.arthur])
    act(ticket_reply, actor=world.alice, ticket=ticket, body="Any news?")
    assert recipients() == sorted([*IT_L1, "arthur@acme.test"])
    assert kinds_by_address()["arthur@acme.test"] == NotificationKind.REPLY
    assert kinds_by_address()["agent@desk.test"] == NotificationKind.REQUESTER_REPLIED


def test_pending_on_the_requester_asks_them_for_a_reply(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket()
    act(
        ticket_transition,
        actor=world.agent,
        ticket=ticket,
        status="pending",
        pending_reason="requester",
        version=None,
    )
    assert recipients() == ["alice@acme.test"]
    assert "Waiting for your reply" in ours()[0].body
    assert ours()[0].subject.startswith(f"[#{ticket.number}] ")


def test_resolution_links_to_the_request_page_to_confirm_or_reopen(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket()
    ticket.watchers.set([world.arthur])
    act(ticket_transition, actor=world.agent, ticket=ticket, status="resolved", version=None)
    assert recipients() == ["alice@acme.test", "arthur@acme.test"]
    body = sent_to("alice@acme.test")[0].body
    assert "This is solved" in body
    assert "Still a problem" in body
    assert f"/portal/requests/{ticket.number}/" in body
    assert kinds_by_address()["alice@acme.test"] == NotificationKind.RESOLVED


def test_the_requester_confirming_a_solution_is_not_told_about_it(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket()
    act(ticket_transition, actor=world.agent, ticket=ticket, status="resolved", version=None)
    mail.outbox.clear()
    act(ticket_transition, actor=world.alice, ticket=ticket, status="open", version=None)
    assert ours() == []  # alice reopened it herself; nobody else follows it


def test_assignment_tells_the_new_assignee_unless_they_took_it_themselves(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket()
    act(ticket_claim, actor=world.agent, ticket=ticket, version=None)
    assert ours() == []
    ticket.refresh_from_db()
    act(ticket_assign, actor=world.agent, ticket=ticket, assignee=world.agent_l2, version=None)
    assert recipients() == ["l2@desk.test"]
    assert "Assigned to you" in ours()[0].subject
    assert "by Ann Agent" in ours()[0].body


def test_a_watcher_who_may_no_longer_see_the_ticket_is_not_mailed(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    ticket = open_ticket()
    ticket.watchers.set([world.hr_agent])  # an HR agent: IT's tickets are not theirs to see
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Fixed.")
    assert recipients() == ["alice@acme.test"]


def test_a_personal_preference_switches_one_kind_off_for_that_person_only(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    NotificationPreference.objects.create(
        user=world.coordinator, kind=NotificationKind.NEW_TICKET, enabled=False
    )
    act(ticket_create, actor=world.alice, title="Mouse")
    assert recipients() == ["agent@desk.test", "alice@acme.test", "boss@desk.test"]


def test_the_global_switch_turns_a_kind_off_for_everyone(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    NotificationSwitch.objects.create(kind=NotificationKind.REPLY, enabled=False)
    ticket = open_ticket()
    ticket.watchers.set([world.arthur])
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Hello")
    assert ours() == []
    NotificationSwitch.objects.filter(kind=NotificationKind.REPLY).update(enabled=True)
    act(ticket_reply, actor=world.agent, ticket=ticket, body="Hello again")
    assert recipients() == ["alice@acme.test", "arthur@acme.test"]


def test_inactive_accounts_get_nothing(
    world: World, act: Act, open_ticket: Callable[..., Ticket]
) -> None:
    world.manager.is_active = False
    world.manager.save()
    act(ticket_create, actor=world.alice, title="Keyboard")
    assert "boss@desk.test" not in recipients()
    assert OutboundMail.objects.filter(status=OutboundStatus.SENT).count() == 3


def test_an_event_handed_on_more_than_a_day_late_mails_nobody(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from frontline.tickets.events import dispatch_pending
    from frontline.tickets.models import TicketEvent

    ticket_create(actor=world.alice, title="Replayed history")
    TicketEvent.objects.update(at=timezone.now() - timedelta(hours=25))
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_pending()
    assert ours() == []
    assert TicketEvent.objects.filter(dispatched_at__isnull=True).count() == 0


def test_the_age_limit_is_a_setting(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any], settings: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from frontline.tickets.events import dispatch_pending
    from frontline.tickets.models import TicketEvent

    settings.FRONTLINE_NOTIFY_MAX_EVENT_AGE = 3600  # one hour
    ticket_create(actor=world.alice, title="Two hours ago")
    TicketEvent.objects.update(at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_pending()
    assert ours() == []
    settings.FRONTLINE_NOTIFY_MAX_EVENT_AGE = 3 * 3600  # three hours: two-hour-old news is news
    ticket_create(actor=world.alice, title="Also two hours ago")
    TicketEvent.objects.filter(dispatched_at__isnull=True).update(
        at=timezone.now() - timedelta(hours=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_pending()
    assert "alice@acme.test" in recipients()


def test_a_ticket_opened_by_a_robots_mail_alerts_the_desk_but_never_answers_the_robot(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    from frontline.tickets.events import dispatch_pending
    from frontline.tickets.models import TicketEvent

    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(actor=world.alice, title="Disk 90% full on build-01")
        # What frontline.mail does for an auto-generated message (an alert, an auto-reply).
        TicketEvent.objects.filter(ticket=ticket).update(data={"auto": True, "via": "email"})
        dispatch_pending()
    assert "alice@acme.test" not in recipients()
    assert recipients() == sorted(IT_L1)
