"""A hand-built desk history for the report tests, written straight with the ORM so every
timestamp is exact. All times are UTC; the report range is Mon 2026-03-02 .. Sun 2026-03-08
and "now" is Mon 2026-03-09 12:00.

Tickets (org: A = Acme/alice, G = Globex/bob; team IT unless said; channel web unless said):

  before the range
  A1  A  created 02-01 00:00, open                                     (open now, age >30d)
  A2  A  created 02-20 10:00, FR 02-20 10:30, resolved 03-03 10:00;     SLA resolution missed
         target 28800 remaining -7200 -> 36000 s; L1 period (excluded: not in cohort);
         survey sent 03-03 10:00, rated 5 on 03-04 08:00
  A3  G  created 02-25 09:00, resolved 02-27 09:00, closed 02-28; survey sent 02-27, rated 2
         on 02-28 (outside the range)
  A4  A  created 03-01 23:00, pending, assignee agent                  (open now, age 7-30d)

  the cohort (created in the range)
  B1  A  03-02 09:00 FR 09:10 resolved 10:00 closed 03-03; agent; p2;
         SLA FR met 3600/3000 -> 600; resolution met 14400/10800 -> 3600; sent 10:00, rated 5
  B2  G  03-02 09:00 FR 09:20 resolved 13:00; agent; email; SLA FR met 3600/2400 -> 1200;
         resolution missed 7200/-7200 -> 14400; sent 13:00, rated 3
  B3  A  03-02 10:00 FR 10:40; open at L2, agent_l2; escalated 11:00; SLA FR met 3600/1200 ->
         2400, resolution breached; L1 period 10:00-11:00 (3600 business s), L2 still open
  B4  G  03-02 12:00 resolved on first contact (FR = resolved = 12:00); agent; phone;
         SLA FR met 3600/3600 -> 0, resolution met 14400/14400 -> 0; sent 12:00, rated 4
  B5  A  03-03 08:00 FR 09:00 (3600 wall); resolved 12:00, reopened 14:00, open now; agent;
         assigned None->agent_l2 08:05, agent_l2->agent 08:30 (1 reassignment)
  B6  G  03-03 09:00 FR 09:30 (1800); resolved 11:00, reopened 11:30, resolved 17:00
         (28800 wall); agent; sent 17:00, no answer
  B7  A  03-03 10:00 new, unassigned
  B8  A  03-03 10:00 FR 10:20 (1200 wall), closed (merged) 11:00 without resolved_at
  B9  G  03-04 09:00 FR 10:30 (5400), resolved 15:00 (21600 wall); L2, agent_l2; escalated
         09:30; L1 09:00-09:30 (no business seconds: 1800 wall), L2 09:30-15:00 (19800);
         sent 15:00, no answer
  B10 A  03-04 11:00 open, agent, p1; SLA FR breached (due 11:30)
  B11 G  03-04 13:00 open, agent; SLA FR running, due now + 2 h
  B12 A  03-04 14:00 team HR, hr_agent, pending; FR 14:15 (900)
  H2  G  03-04 15:00 team HR, new (HR serves Acme only: hr_agent cannot see it)
  B13 G  03-05 09:00 FR 09:05 (300), resolved 09:35 (2100); agent; chat; sent 09:35, rated 1
         on 03-05 12:00
  B14 A  03-05 09:00 FR 09:45 (2700); L3 now, unassigned; escalated 10:00 and 12:00;
         assigned None->agent 09:10, agent->agent_l2 09:20, agent_l2->agent 09:50
         (2 reassignments); L1 9-10 (3600), L2 10-12 (7200), L3 still open
  R1..R4 G 03-06 08:00 resolved 08:10/08:20/08:30/08:40 (600..2400); agent_l2; email
  F6 x10 G 03-06 09:00 new, email
  U1  A  03-06 12:00 unrouted (no team), new
  F7 x12 A 03-07 10:00 open
  F8 x10 G 03-08 11:00 new, api

  after the range
  N1  A  03-09 08:00 new                                                (open now, age <1d)

Deflections (when the knowledge base's table exists): 03-03 Acme, 03-05 Acme, 03-06 Globex,
and 02-20 Acme (outside the range).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from frontline.accounts.models import Organization, Team, Tier, User
from frontline.sla.models import Calendar, SlaPolicy, TicketSla, TierPeriod
from frontline.tickets.models import Channel, Priority, Status, Ticket, TicketEvent

UTC = dt.UTC
START = dt.date(2026, 3, 2)
END = dt.date(2026, 3, 8)
NOW = dt.datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
_numbers = itertools.count(1000)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def D(day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return at(3, day, hour, minute)


@dataclass
class Dataset:
    tickets: dict[str, Ticket] = field(default_factory=dict)
    policy: SlaPolicy | None = None


def make_ticket(
    world: Any, key: str, *, org: Organization, created: dt.datetime, **fields: Any
) -> Ticket:
    requester: User = world.alice if org == world.acme else world.bob
    fields.setdefault("team", world.it)
    fields.setdefault("status", Status.OPEN)
    if fields["status"] == Status.PENDING:
        fields.setdefault("pending_reason", "requester")
    ticket = Ticket.objects.create(
        number=next(_numbers), title=key, requester=requester, organization=org, **fields
    )
    Ticket.objects.filter(pk=ticket.pk).update(created_at=created, updated_at=created)
    ticket.created_at = created
    return ticket


def sla(policy: SlaPolicy, ticket: Ticket, **metrics: Any) -> TicketSla:
    """metrics: fr=(state, target, remaining), res=(state, target, remaining), next_due."""
    values: dict[str, Any] = {"next_due_at": metrics.get("next_due")}
    for short, name in (("fr", "first_response"), ("res", "resolution")):
        if short in metrics:
            state, target, remaining = metrics[short]
            values[f"{name}_state"] = state
            values[f"{name}_target_seconds"] = target
            values[f"{name}_remaining_seconds"] = remaining
    return TicketSla.objects.create(ticket=ticket, policy=policy, computed_at=NOW, **values)


def event(ticket: Ticket, kind: str, when: dt.datetime, **fields: Any) -> None:
    TicketEvent.objects.create(ticket=ticket, kind=kind, at=when, dispatched_at=when, **fields)


def period(
    ticket: Ticket, tier: str, start: dt.datetime, end: dt.datetime | None, seconds: int | None
) -> None:
    TierPeriod.objects.create(
        ticket=ticket, team=ticket.team, tier=tier, started_at=start, ended_at=end,
        business_seconds=seconds,
    )  # fmt: skip


def survey(
    ticket: Ticket, sent: dt.datetime, rating: int | None = None, rated: dt.datetime | None = None
) -> None:
    from frontline.satisfaction.models import SurveyRequest, SurveyResponse

    SurveyRequest.objects.create(
        ticket=ticket, requester=ticket.requester, token_hash=f"{ticket.pk:064d}", sent_at=sent,
        expires_at=sent + dt.timedelta(days=30),
    )  # fmt: skip
    if rating is not None:
        response = SurveyResponse.objects.create(
            ticket=ticket, requester=ticket.requester, rating=rating
        )
        SurveyResponse.objects.filter(pk=response.pk).update(created_at=rated or sent)


def deflections_ready() -> bool:
    from django.db import connection

    try:
        from frontline.knowledge.models import Deflection
    except ImportError:
        return False
    return Deflection._meta.db_table in connection.introspection.table_names()


def build(world: Any) -> Dataset:
    acme, globex, _it, hr = world.acme, world.globex, world.it, world.hr
    agent, l2, hr_agent = world.agent, world.agent_l2, world.hr_agent
    calendar = Calendar.objects.create(name="Office", hours={"mon": ["09:00-17:00"]})
    policy = SlaPolicy.objects.create(name="Standard", calendar=calendar)
    data = Dataset(policy=policy)
    t = data.tickets

    def add(key: str, org: Organization, created: dt.datetime, **fields: Any) -> Ticket:
        t[key] = make_ticket(world, key, org=org, created=created, **fields)
        return t[key]

    closed, resolved = Status.CLOSED, Status.RESOLVED
    # before the range
    add("A1", acme, at(2, 1))
    add("A2", acme, at(2, 20, 10), status=resolved, first_response_at=at(2, 20, 10, 30),
        resolved_at=D(3, 10))  # fmt: skip
    sla(policy, t["A2"], res=("missed", 28800, -7200))
    period(t["A2"], Tier.L1, at(2, 20, 10), D(3, 10), 5000)
    add("A3", globex, at(2, 25, 9), status=closed, first_response_at=at(2, 25, 10),
        resolved_at=at(2, 27, 9), closed_at=at(2, 28))  # fmt: skip
    add("A4", acme, D(1, 23), status=Status.PENDING, assignee=agent)
    # the cohort
    add("B1", acme, D(2, 9), status=closed, assignee=agent, priority=Priority.P2,
        first_response_at=D(2, 9, 10), resolved_at=D(2, 10), closed_at=D(3, 9))  # fmt: skip
    sla(policy, t["B1"], fr=("met", 3600, 3000), res=("met", 14400, 10800))
    add("B2", globex, D(2, 9), status=resolved, assignee=agent, channel=Channel.EMAIL,
        first_response_at=D(2, 9, 20), resolved_at=D(2, 13))  # fmt: skip
    sla(policy, t["B2"], fr=("met", 3600, 2400), res=("missed", 7200, -7200))
    add("B3", acme, D(2, 10), tier=Tier.L2, assignee=l2, first_response_at=D(2, 10, 40))
    sla(policy, t["B3"], fr=("met", 3600, 1200), res=("breached", 28800, -100))
    event(t["B3"], "escalated", D(2, 11), data={"from_tier": "l1", "to_tier": "l2"})
    period(t["B3"], Tier.L1, D(2, 10), D(2, 11), 3600)
    period(t["B3"], Tier.L2, D(2, 11), None, None)
    add("B4", globex, D(2, 12), status=resolved, assignee=agent, channel=Channel.PHONE,
        resolved_on_first_contact=True, first_response_at=D(2, 12),
        resolved_at=D(2, 12))  # fmt: skip
    sla(policy, t["B4"], fr=("met", 3600, 3600), res=("met", 14400, 14400))
    add("B5", acme, D(3, 8), assignee=agent, first_response_at=D(3, 9))
    event(t["B5"], "assigned", D(3, 8, 5), field="assignee", old=None, new=l2.pk)
    event(t["B5"], "assigned", D(3, 8, 30), field="assignee", old=l2.pk, new=agent.pk)
    event(t["B5"], "status_changed", D(3, 12), field="status", old="open", new="resolved")
    event(t["B5"], "status_changed", D(3, 14), field="status", old="resolved", new="open")
    add("B6", globex, D(3, 9), status=resolved, assignee=agent, first_response_at=D(3, 9, 30),
        resolved_at=D(3, 17))  # fmt: skip
    event(t["B6"], "status_changed", D(3, 11), field="status", old="open", new="resolved")
    event(t["B6"], "status_changed", D(3, 11, 30), field="status", old="resolved", new="open")
    event(t["B6"], "status_changed", D(3, 17), field="status", old="open", new="resolved")
    add("B7", acme, D(3, 10), status=Status.NEW)
    add("B8", acme, D(3, 10), status=closed, first_response_at=D(3, 10, 20), closed_at=D(3, 11))
    add("B9", globex, D(4, 9), status=resolved, tier=Tier.L2, assignee=l2,
        first_response_at=D(4, 10, 30), resolved_at=D(4, 15))  # fmt: skip
    event(t["B9"], "escalated", D(4, 9, 30), data={"from_tier": "l1", "to_tier": "l2"})
    event(t["B9"], "assigned", D(4, 9, 40), field="assignee", old=None, new=l2.pk)
    period(t["B9"], Tier.L1, D(4, 9), D(4, 9, 30), None)
    period(t["B9"], Tier.L2, D(4, 9, 30), D(4, 15), 19800)
    add("B10", acme, D(4, 11), assignee=agent, priority=Priority.P1)
    sla(policy, t["B10"], fr=("breached", 1800, -1000), next_due=D(4, 11, 30))
    add("B11", globex, D(4, 13), assignee=agent)
    sla(policy, t["B11"], fr=("running", 28800, 7200), next_due=NOW + dt.timedelta(hours=2))
    add("B12", acme, D(4, 14), team=hr, assignee=hr_agent, status=Status.PENDING,
        first_response_at=D(4, 14, 15))  # fmt: skip
    add("H2", globex, D(4, 15), team=hr, status=Status.NEW)
    add("B13", globex, D(5, 9), status=resolved, assignee=agent, channel=Channel.CHAT,
        first_response_at=D(5, 9, 5), resolved_at=D(5, 9, 35))  # fmt: skip
    add("B14", acme, D(5, 9), tier=Tier.L3, first_response_at=D(5, 9, 45))
    event(t["B14"], "assigned", D(5, 9, 10), field="assignee", old=None, new=agent.pk)
    event(t["B14"], "assigned", D(5, 9, 20), field="assignee", old=agent.pk, new=l2.pk)
    event(t["B14"], "assigned", D(5, 9, 50), field="assignee", old=l2.pk, new=agent.pk)
    event(t["B14"], "escalated", D(5, 10), data={"from_tier": "l1", "to_tier": "l2"})
    event(t["B14"], "escalated", D(5, 12), data={"from_tier": "l2", "to_tier": "l3"})
    period(t["B14"], Tier.L1, D(5, 9), D(5, 10), 3600)
    period(t["B14"], Tier.L2, D(5, 10), D(5, 12), 7200)
    period(t["B14"], Tier.L3, D(5, 12), None, None)
    for i, minutes in enumerate((10, 20, 30, 40), start=1):
        add(f"R{i}", globex, D(6, 8), status=resolved, assignee=l2, channel=Channel.EMAIL,
            resolved_at=D(6, 8, minutes))  # fmt: skip
    for i in range(10):
        add(f"F6-{i}", globex, D(6, 9), status=Status.NEW, channel=Channel.EMAIL)
    add("U1", acme, D(6, 12), team=None, status=Status.NEW)
    for i in range(12):
        add(f"F7-{i}", acme, D(7, 10))
    for i in range(10):
        add(f"F8-{i}", globex, D(8, 11), status=Status.NEW, channel=Channel.API)
    add("N1", acme, D(9, 8), status=Status.NEW)
    # satisfaction
    survey(t["A2"], D(3, 10), 5, D(4, 8))
    survey(t["A3"], at(2, 27, 9), 2, at(2, 28))
    survey(t["B1"], D(2, 10), 5, D(3, 10))
    survey(t["B2"], D(2, 13), 3, D(3, 10))
    survey(t["B4"], D(2, 12), 4, D(2, 13))
    survey(t["B6"], D(3, 17))
    survey(t["B9"], D(4, 15))
    survey(t["B13"], D(5, 9, 35), 1, D(5, 12))
    if deflections_ready():
        _deflections(world)
    # written straight to the tables (no events dispatched): derive the report facts
    from frontline.reports.facts import reports_rebuild_facts

    reports_rebuild_facts()
    return data


def _deflections(world: Any) -> None:
    from frontline.knowledge.models import Deflection

    article = _article(world)
    for when, org, requester in (
        (D(3, 9), world.acme, world.alice),
        (D(5, 9), world.acme, world.arthur),
        (D(6, 9), world.globex, world.bob),
        (at(2, 20), world.acme, world.alice),
    ):
        row = Deflection.objects.create(article=article, requester=requester, organization=org)
        Deflection.objects.filter(pk=row.pk).update(created_at=when)


def _article(world: Any) -> Any:
    """One knowledge article, made with whatever its model requires today."""
    from frontline.knowledge.models import Article

    fields: dict[str, Any] = {}
    for f in Article._meta.concrete_fields:
        if f.primary_key or f.null or f.has_default() or getattr(f, "auto_now_add", False):
            continue
        if getattr(f, "auto_now", False):
            continue
        if f.is_relation:
            related = f.related_model
            if related is Team:
                fields[f.name] = world.it
            elif related is User or getattr(related, "__name__", "") == "User":
                fields[f.name] = world.manager
            elif related is Organization:
                fields[f.name] = world.acme
        elif f.get_internal_type() in ("CharField", "SlugField", "TextField"):
            fields[f.name] = f"kb-{f.name}"
    return Article.objects.create(**fields)
