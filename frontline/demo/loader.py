"""Loading the demo help desk: structure first, then 200 tickets with their histories."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from frontline.automation.demo import load_demo_automation
from frontline.demo.clock import DemoClock
from frontline.demo.knowledge import load_knowledge
from frontline.demo.people import load_structure, requester_emails
from frontline.demo.stories import DUPLICATES, plan_stories, play
from frontline.reports.demo import load_demo_report_schedules
from frontline.satisfaction.demo import load_demo_surveys
from frontline.search.services import search_rebuild
from frontline.sla.services import install_default_policy
from frontline.tickets.models import Ticket

STRUCTURE_AGE = dt.timedelta(days=120)  # the desk was set up four months ago


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)
    plans: Counter[str] = field(default_factory=Counter)
    tickets: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.tickets)


def load_demo() -> DemoResult:
    """Create whatever part of the demo desk is missing; a loaded desk is left untouched.

    Runs in one transaction: a failure leaves nothing half-loaded, and the events recorded
    are handed to one dispatch task when it commits.
    """
    started = time.monotonic()
    now = timezone.now()
    clock = DemoClock()
    result = DemoResult()
    with transaction.atomic(), clock.running():
        clock.now = now - STRUCTURE_AGE
        desk = load_structure()
        install_default_policy()  # before the tickets, so each gets its SLA as it is played
        clock.now = None
        result.created = desk.created
        result.created += load_knowledge()  # the help articles, published
        if not Ticket.objects.filter(requester__email__in=requester_emails()).exists():
            stories = plan_stories(desk, now=now)
            result.plans = play(stories, clock)
            result.tickets = len(stories) + DUPLICATES
        load_demo_surveys(requester_emails())  # ratings for a share of the resolved tickets
        load_demo_automation()  # canned responses and a few rules
        load_demo_report_schedules()  # two organizations get their report by mail
    if result.changed:
        # People become searchable when they raise a ticket; the demo's agents never do.
        search_rebuild(kind="person")
    result.seconds = time.monotonic() - started
    return result
