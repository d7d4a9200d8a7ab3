"""Ticket event subscribers of the notifications app: who is told what.

Each subscriber works out the recipients of one event and queues one OutboundMail per
recipient (services.outbound_mail_create: unique per event/recipient/kind, so a redelivered
event mails nobody twice). Rules, in one place:

- never the actor of the event (except the receipt, which confirms the requester's own
  request with its number);
- requesters and watchers get only public things: public replies, status changes,
  resolution; internal notes (``noted``) notify nobody;
- agents: a new unassigned ticket → the team's agents at the ticket's tier; an assignment →
  the new assignee; a requester's reply → the assignee, or the team's agents at the tier when
  nobody has it;
- a watcher must still be able to see the ticket; inactive accounts get nothing;
- each person's preference and the admin's global switch per kind are respected;
- an event marked ``auto`` (caused by machine-sent mail) mails the desk only, never the
  robot that sent it;
- an event older than ``settings.FRONTLINE_NOTIFY_MAX_EVENT_AGE`` seconds (24 h by default)
  when it is handed on (history replayed by the demo loader, a backlog after a long worker
  outage) mails nobody: old news is noise.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone

from frontline.accounts.models import TeamMembership, User
from frontline.accounts.policies import is_desk_user
from frontline.core.events import subscribe
from frontline.notifications import services
from frontline.notifications.context import mail_context
from frontline.notifications.models import NotificationKind as K
from frontline.tickets.models import Message, MessageKind, Status, Ticket, TicketEvent
from frontline.tickets.policies import can_view_ticket

# Mails carrying a person's own words are not marked Auto-Submitted.
HUMAN_KINDS = {K.REPLY, K.REQUESTER_REPLIED}


def _ticket(event: TicketEvent) -> Ticket:
    return Ticket.objects.select_related(
        "requester", "assignee", "team", "category", "organization"
    ).get(pk=event.ticket_id)


def _sender_name() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or "Frontline"


def max_event_age() -> timedelta:
    """How old an event may be when it is handed on and still mail people (a setting)."""
    return timedelta(seconds=settings.FRONTLINE_NOTIFY_MAX_EVENT_AGE)


def _stale(event: TicketEvent) -> bool:
    return event.at < timezone.now() - max_event_age()


class Plan:
    """The mails one event causes: one per recipient (the first reason wins)."""

    def __init__(self, event: TicketEvent, ticket: Ticket) -> None:
        self.event, self.ticket = event, ticket
        self.entries: list[tuple[User, str]] = []
        self.seen: set[int] = {event.actor_id} if event.actor_id else set()

    def add(self, user: User | None, kind: str, *, allow_actor: bool = False) -> None:
        if user is None or not user.is_active or not user.email:
            return
        if user.pk in self.seen and not (allow_actor and user.pk == self.event.actor_id):
            return
        if any(u.pk == user.pk for u, _ in self.entries):
            return
        self.seen.add(user.pk)
        self.entries.append((user, kind))

    def add_watchers(self, kind: str) -> None:
        for watcher in self.ticket.watchers.filter(is_active=True).order_by("id"):
            if watcher.pk not in self.seen and can_view_ticket(watcher, self.ticket):
                self.add(watcher, kind)

    def add_team(self, kind: str) -> None:
        if self.ticket.team_id is None:
            return
        memberships = (
            TeamMembership.objects.filter(
                team_id=self.ticket.team_id, tier=self.ticket.tier, user__is_active=True
            )
            .select_related("user")
            .order_by("user_id")
        )
        for membership in memberships:
            if membership.user.is_agent_like:
                self.add(membership.user, kind)

    def _is_desk(self, user: User) -> bool:
        return is_desk_user(user) and user.pk != self.ticket.requester_id

    def deliverable(self) -> list[tuple[User, str]]:
        """The entries that will be mailed: none for a stale event; not those switched off
        (by the person or globally), nor requesters and watchers of a robot's event."""
        if not self.entries or _stale(self.event):
            return []
        off = services.disabled_pairs(
            [u.pk for u, _ in self.entries], {kind for _, kind in self.entries}
        )
        # Mail that came from a robot (auto-reply, alert, bounce: frontline.mail marks its
        # events "auto") never gets an automatic answer; the desk is still told.
        from_robot = bool((self.event.data or {}).get("auto"))
        return [
            (user, kind)
            for user, kind in self.entries
            if (None, kind) not in off
            and (user.pk, kind) not in off
            and (self._is_desk(user) or not from_robot)
        ]

    def send(
        self, *, message: str = "", author: User | None = None, status: str | None = None
    ) -> None:
        ticket = self.ticket
        for user, kind in self.deliverable():
            context = mail_context(
                ticket,
                recipient=user,
                author=author,
                message=message,
                status=status,
                desk=self._is_desk(user),
            )
            services.outbound_mail_create(
                event=self.event,
                ticket=ticket,
                recipient=user,
                kind=kind,
                context=context,
                from_name=f"{author.display_name} via {_sender_name()}"
                if author is not None and kind in HUMAN_KINDS
                else "",
                auto_submitted=kind not in HUMAN_KINDS,
            )


@subscribe("created")
def notify_created(event: TicketEvent) -> None:
    ticket = _ticket(event)
    plan = Plan(event, ticket)
    plan.add(ticket.requester, K.RECEIVED, allow_actor=True)
    if ticket.assignee_id is None:
        plan.add_team(K.NEW_TICKET)
    first = ticket.messages.filter(kind=MessageKind.PUBLIC).order_by("id").first()
    plan.send(message=first.body if first else ticket.description, author=ticket.requester)


@subscribe("replied")
def notify_replied(event: TicketEvent) -> None:
    data = event.data or {}
    message_id = data.get("message")
    if not isinstance(message_id, int):
        return
    message = (
        Message.objects.select_related("author")
        .filter(pk=message_id, ticket_id=event.ticket_id)
        .first()
    )
    if message is None or message.kind != MessageKind.PUBLIC:
        return  # internal notes and system lines never go to requesters or watchers
    ticket = _ticket(event)
    plan = Plan(event, ticket)
    if data.get("by") == "requester":
        if ticket.assignee is not None:
            plan.add(ticket.assignee, K.REQUESTER_REPLIED)
        else:
            plan.add_team(K.REQUESTER_REPLIED)
    plan.add(ticket.requester, K.REPLY)
    plan.add_watchers(K.REPLY)
    plan.send(message=message.body, author=message.author or event.actor)


def _accompanies_reply(event: TicketEvent) -> bool:
    """A status change recorded by ticket_reply (a requester's reply reopening the ticket, a
    first desk reply opening it): the reply's own mail already tells everyone. A reply only
    ever moves a ticket to open: resolving right after one's own reply is news of its own
    (the "resolved" notice, with the rating links)."""
    if str(event.new or "") != Status.OPEN:
        return False
    previous = (
        TicketEvent.objects.filter(ticket_id=event.ticket_id, id__lt=event.id)
        .order_by("-id")
        .values("kind", "actor_id")
        .first()
    )
    return bool(
        previous and previous["kind"] == "replied" and previous["actor_id"] == event.actor_id
    )


def _status_plan(event: TicketEvent, *, watchers: bool = True) -> Plan | None:
    new, old = str(event.new or ""), str(event.old or "")
    if new == old or (old == Status.NEW and new == Status.OPEN) or _accompanies_reply(event):
        return None
    ticket = _ticket(event)
    kind = K.RESOLVED if new == Status.RESOLVED else K.STATUS
    plan = Plan(event, ticket)
    plan.add(ticket.requester, kind)
    if watchers:
        plan.add_watchers(kind)
    return plan


@subscribe("status_changed")
def notify_status_changed(event: TicketEvent) -> None:
    plan = _status_plan(event)
    if plan is not None:
        plan.send(author=event.actor, status=str(event.new or ""))


def resolved_mail_reaches_requester(event: TicketEvent) -> bool:
    """Whether ``notify_status_changed`` mails this event's requester the "resolved" notice
    (not the actor, not switched off by them or for everyone, not stale, ...): other apps
    then add to that mail (a context provider) instead of sending one of their own."""
    if event.kind != "status_changed" or event.new != Status.RESOLVED:
        return False
    # the requester is added first and judged alone: the watchers change nothing here
    plan = _status_plan(event, watchers=False)
    if plan is None:
        return False
    requester_id = plan.ticket.requester_id
    return any(user.pk == requester_id and kind == K.RESOLVED for user, kind in plan.deliverable())


@subscribe("assigned")
def notify_assigned(event: TicketEvent) -> None:
    if not isinstance(event.new, int):
        return
    assignee = User.objects.filter(pk=event.new).first()
    if assignee is None or not assignee.is_agent_like:
        return
    ticket = _ticket(event)
    plan = Plan(event, ticket)
    plan.add(assignee, K.ASSIGNED)
    plan.send(author=event.actor)
