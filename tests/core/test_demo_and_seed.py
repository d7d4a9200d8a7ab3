"""The demo desk (``frontline demo``) and the bulk generator (``frontline seed``)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from frontline.accounts.models import Organization, Role, Team, TeamMembership, User
from frontline.demo.people import ADMIN_EMAIL, DEMO_PASSWORD
from frontline.tickets.models import (
    Category,
    CustomField,
    Message,
    MessageKind,
    PendingReason,
    Status,
    Ticket,
    TicketEvent,
)
from tests.conftest import World


def _counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "teams": Team.objects.count(),
        "memberships": TeamMembership.objects.count(),
        "desk users": User.objects.exclude(role=Role.REQUESTER).count(),
        "requesters": User.objects.filter(role=Role.REQUESTER).count(),
        "categories": Category.objects.count(),
        "custom fields": CustomField.objects.count(),
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "events": TicketEvent.objects.count(),
    }


def _demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_loads_the_promised_desk_once_and_a_second_run_changes_nothing() -> None:
    output = _demo()

    counts = _counts()
    assert counts["organizations"] == 3
    assert counts["teams"] == 3
    assert 10 <= counts["desk users"] <= 15
    assert counts["requesters"] == 30
    assert counts["tickets"] == 200
    assert counts["custom fields"] >= 4
    assert counts["messages"] > 600
    assert counts["events"] > 1000

    statuses = set(Ticket.objects.values_list("status", "pending_reason"))
    assert {
        (Status.NEW, ""),
        (Status.OPEN, ""),
        (Status.PENDING, PendingReason.REQUESTER),
        (Status.PENDING, PendingReason.THIRD_PARTY),
        (Status.RESOLVED, ""),
        (Status.CLOSED, ""),
    } <= statuses
    assert Message.objects.filter(kind=MessageKind.INTERNAL).exists()
    assert TicketEvent.objects.filter(kind="escalated").exists()
    assert Ticket.objects.filter(merged_into__isnull=False).exists()
    assert Ticket.objects.filter(resolved_on_first_contact=True, channel="phone").exists()
    assert set(CustomField.objects.values_list("field_type", flat=True)) == {
        "text",
        "number",
        "choice",
        "date",
    }
    assert Team.objects.get(is_default=True).name == "IT"
    assert Team.objects.filter(organizations__isnull=False).distinct().count() == 1
    assert Organization.objects.filter(shares_tickets=True).count() == 1
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    # Ticket numbers follow creation time, as on a real desk.
    numbers = list(Ticket.objects.order_by("created_at").values_list("number", flat=True))
    assert numbers == sorted(numbers)

    admin = User.objects.get(email=ADMIN_EMAIL)
    assert admin.role == Role.ADMIN
    assert admin.check_password(DEMO_PASSWORD)
    assert ADMIN_EMAIL in output
    assert DEMO_PASSWORD in output

    second = _demo()
    assert _counts() == counts
    assert "already loaded" in second
    assert ADMIN_EMAIL in second


@pytest.mark.django_db
def test_logins_only_prints_nothing_to_log_in_with_on_an_empty_desk() -> None:
    output = _demo("--logins-only")

    assert "not loaded" in output
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_seed_writes_tickets_with_two_to_five_messages_and_unique_numbers(world: World) -> None:
    before = set(Ticket.objects.values_list("number", flat=True))

    call_command("seed", "--tickets", "50", "--batch", "20", "--seed", "7", "--no-progress")

    tickets = Ticket.objects.exclude(number__in=before).annotate(
        n_messages=Count("messages", distinct=True), n_events=Count("events", distinct=True)
    )
    assert tickets.count() == 50
    assert len({t.number for t in tickets}) == 50
    assert all(2 <= t.n_messages <= 5 for t in tickets)
    assert all(t.n_events == 1 for t in tickets)
    assert not TicketEvent.objects.filter(kind="created", dispatched_at__isnull=True).exists()
    assert {t.team_id for t in tickets} <= {world.it.pk, world.hr.pk}
    # HR serves Acme only: no other organization's ticket lands there.
    assert all(t.organization_id == world.acme.pk for t in tickets if t.team_id == world.hr.pk)
    for ticket in tickets:
        assert ticket.messages.order_by("created_at", "id")[0].author_id == ticket.requester_id
        if ticket.status == Status.PENDING:
            assert ticket.pending_reason
        if ticket.status in {Status.RESOLVED, Status.CLOSED}:
            assert ticket.resolved_at is not None
