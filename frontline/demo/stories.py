"""The demo tickets: each one's life, played through the ticket services on the demo clock.

A story is planned first (who does what, when), then all stories' steps run in time order,
so ticket numbers follow creation time and every event, message and timestamp is the one the
services themselves write. The outcome of each story is fixed by its plan (new, open,
pending on the requester or a third party, resolved, closed, resolved on first contact), so
every status is always present; the random generator is seeded, so the desk is the same on
every machine, only shifted to end just before the moment it is loaded.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from frontline.accounts.models import Tier, User
from frontline.demo import content
from frontline.demo.clock import DemoClock, desk_hours, waking_hours
from frontline.demo.content import Days, Scenario
from frontline.demo.people import ORGANIZATIONS, Desk, requester_email
from frontline.tickets.models import Category, Channel, PendingReason, Status, Ticket
from frontline.tickets.priority import priority_for
from frontline.tickets.services import (
    ticket_claim,
    ticket_create,
    ticket_escalate,
    ticket_merge,
    ticket_note,
    ticket_reply,
    ticket_transition,
    ticket_update,
)

SEED = 20240601
# How the demo's tickets end up; 190 stories plus 10 duplicates merged into them = 200.
PLANS = {
    "closed": 64,
    "resolved": 32,
    "open": 30,
    "pending_requester": 14,
    "pending_third_party": 14,
    "new": 20,
    "first_contact": 16,
}
DUPLICATES = 10
# How many days before now a story of each plan starts (it may be moved a few weeks back
# when its steps would otherwise run into the future).
AGE_DAYS = {
    "new": (0.05, 2.5),
    "open": (0.5, 9),
    "pending_requester": (1, 12),
    "pending_third_party": (1, 12),
    "resolved": (1.5, 5),
    "closed": (8, 57),
    "first_contact": (0.5, 57),
}
# Minutes until the desk first reacts, by priority.
FIRST_REACTION = {"p1": (4, 20), "p2": (15, 60), "p3": (30, 240), "p4": (60, 600)}
WORKED = {"open", "pending_third_party", "resolved", "closed"}

Step = tuple[dt.datetime, int, Callable[[], Any]]


class Story:
    """One ticket's life: ``steps`` are (when, order, action) to be run in time order."""

    def __init__(
        self,
        *,
        desk: Desk,
        rng: random.Random,
        plan: str,
        scenario: Scenario,
        requester: User,
        now: dt.datetime,
    ) -> None:
        self.desk, self.rng, self.plan, self.scenario = desk, rng, plan, scenario
        self.requester = requester
        self.team = scenario.team
        self.tier: str = Tier.L1
        self.agent: User | None = None
        self.now = now
        self.routed_by_mail = False
        self.ticket_pk: int | None = None
        self.ticket: Ticket | None = None
        self.duplicate_pk: int | None = None
        self.steps: list[Step] = []
        self.priority = priority_for(scenario.impact, scenario.urgency)
        lo, hi = AGE_DAYS[plan]
        start = now - dt.timedelta(days=rng.uniform(lo, hi))
        self.t = start
        self.context = {"first": requester.first_name, "agent": ""}

    # -- planning helpers ------------------------------------------------------------------
    def text(self, template: str) -> str:
        return template.format(**self.context)

    def at(self, minutes: tuple[float, float], *, desk: bool = True) -> dt.datetime:
        self.t += dt.timedelta(minutes=self.rng.uniform(*minutes))
        self.t = desk_hours(self.t, self.rng) if desk else waking_hours(self.t, self.rng)
        return self.t

    def do(self, when: dt.datetime, action: Callable[[Ticket], Any]) -> None:
        def run() -> None:
            if self.ticket is None or self.ticket.pk != self.ticket_pk:
                self.ticket = Ticket.objects.get(pk=self.ticket_pk or 0)
            result = action(self.ticket)
            # Services that change the ticket return it fresh; keep that copy for the next step
            # (one that only adds a message leaves nothing stale that a policy check reads).
            if isinstance(result, Ticket) and result.pk == self.ticket_pk:
                self.ticket = result

        self.steps.append((when, len(self.steps), run))

    def members(self, tier: str) -> list[User]:
        return self.desk.members(self.team, tier)

    def set_agent(self, agent: User) -> User:
        self.agent = agent
        self.context["agent"] = agent.first_name
        return agent

    def fields(self, opened: dt.datetime) -> dict[str, Any]:
        return {
            key: (opened + dt.timedelta(days=int(value))).date().isoformat()
            if isinstance(value, Days)
            else value
            for key, value in self.scenario.fields.items()
        }

    @property
    def category(self) -> Category:
        return self.desk.categories[(self.team, *self.scenario.category)]

    # -- the story -------------------------------------------------------------------------
    def plan_steps(self, *, duplicate_from: User | None) -> None:
        rng, plan = self.rng, self.plan
        self.create()
        if plan == "first_contact":
            if self.now - self.t > dt.timedelta(days=7):
                self.close(auto=True)
            return
        if duplicate_from is not None:
            self.duplicate(duplicate_from)
        if plan == "new":
            if rng.random() < 0.3:
                self.requester_says(rng.choice(content.NUDGES), (120, 1400))
            return
        self.pick_up()
        if plan == "pending_requester":
            self.transition(Status.PENDING, PendingReason.REQUESTER, (2, 15))
            if rng.random() < 0.4:
                self.desk_says(rng.choice(content.PENDING_CHASERS), (1400, 3000))
            return
        if rng.random() < 0.3:  # the question first waits on the requester, who then answers
            self.transition(Status.PENDING, PendingReason.REQUESTER, (2, 15))
        self.requester_says(self.scenario.answer, (20, 900))
        self.note(self.scenario.note, (10, 120))
        if self.scenario.escalation and rng.random() < 0.8:
            self.escalate_tier()
        if self.scenario.impact == "high":
            self.note(
                rng.choice(content.MANAGER_NOTES),
                (5, 60),
                by=self.desk.staff["grace.liu@example.com"],
            )
        if plan == "open":
            if rng.random() < 0.4:
                self.note(rng.choice(content.SHIFT_NOTES), (30, 300))
            return
        waits = plan == "pending_third_party" or (
            (self.scenario.third_party or self.scenario.to_vendor) and rng.random() < 0.6
        )
        if waits:
            self.wait_on_third_party()
        if plan == "pending_third_party":
            return
        self.resolve(third_party_done=waits)
        if rng.random() < 0.12:
            self.reopen()
        if plan == "closed":
            self.close(auto=rng.random() < 0.5)

    def create(self) -> None:
        rng, s = self.rng, self.scenario
        if self.plan == "first_contact":
            channel = Channel.PHONE
        else:
            channel = rng.choices(
                [Channel.WEB, Channel.EMAIL, Channel.PHONE, Channel.CHAT], [45, 38, 10, 7]
            )[0]
        by_phone = channel == Channel.PHONE
        when = desk_hours(self.t, rng) if by_phone else waking_hours(self.t, rng)
        self.t = when
        fields = self.fields(when)
        routed_by_mail = self.routed_by_mail = channel == Channel.EMAIL
        agent = self.set_agent(rng.choice(self.members(Tier.L1))) if by_phone else None

        def create() -> None:
            ticket = ticket_create(
                actor=agent or self.requester,
                requester=self.requester,
                title=s.title,
                description=self.text(s.description),
                type=s.type,
                category=None if routed_by_mail else self.category,
                impact=s.impact,
                urgency=s.urgency,
                channel=channel,
                custom_fields=None if routed_by_mail else fields,
                assignee=agent,
                resolved_on_first_contact=self.plan == "first_contact",
            )
            self.ticket_pk, self.ticket = ticket.pk, ticket

        self.steps.append((when, len(self.steps), create))
        if self.plan == "first_contact" and agent is not None:
            self.note(f"Solved on the phone. {s.note}", (1, 5))
        if routed_by_mail:
            self.triage(fields)

    def triage(self, fields: dict[str, Any]) -> None:
        """Mail has no category: it lands in the default team; the coordinator sorts it."""
        coordinator = self.desk.staff["sam.okafor@example.com"]
        category = self.category
        when = self.at((5, 90))
        if self.team != "IT":
            team = self.desk.teams[self.team]
            reason = f"Routing to {self.team}: {self.scenario.category[0].lower()} request."
            self.do(
                when,
                lambda t: ticket_escalate(
                    actor=coordinator, ticket=t, team=team, reason=reason, version=None
                ),
            )
        self.do(
            self.at((1, 4)),
            lambda t: ticket_update(
                actor=coordinator, ticket=t, version=None, category=category, custom_fields=fields
            ),
        )

    def duplicate(self, colleague: User) -> None:
        s, same_person = self.scenario, colleague.pk == self.requester.pk
        title = f"Re: {s.title}" if same_person else f"{s.title} (same problem here)"
        body = (
            "Sending this again in case the first one got lost. " + self.text(s.description)
            if same_person
            else f"Same as {self.requester.first_name} reported: " + self.text(s.description)
        )
        category, fields = self.category, self.fields(self.t)
        start = self.t

        def create() -> None:
            dup = ticket_create(
                actor=colleague,
                title=title,
                description=body,
                type=s.type,
                category=category,
                impact=s.impact,
                urgency=s.urgency,
                custom_fields=fields,
            )
            self.duplicate_pk = dup.pk

        self.steps.append((self.at((15, 120), desk=False), len(self.steps), create))
        # Until triage has moved a mailed-in ticket, only the coordinator sees both tickets.
        coordinator = self.desk.staff["sam.okafor@example.com"]
        merger = coordinator if self.routed_by_mail else self.rng.choice(self.members(Tier.L1))

        def merge(target: Ticket) -> None:
            source = Ticket.objects.get(pk=self.duplicate_pk or 0)
            ticket_merge(actor=merger, source=source, target=target, version=None)

        self.do(self.at((10, 60)), merge)
        self.t = start  # the original's own story goes on from where it was

    def pick_up(self) -> None:
        rng, s = self.rng, self.scenario
        if self.agent is None:  # nobody took the call: the first free L1 agent claims it
            claimer = self.set_agent(rng.choice(self.members(Tier.L1)))
            self.do(
                self.at(FIRST_REACTION[self.priority]),
                lambda t: ticket_claim(actor=claimer, ticket=t, version=None),
            )
        agent = self.agent
        assert agent is not None
        if s.tags and rng.random() < 0.5:
            tags = list(s.tags)
            self.do(
                self.at((1, 5)),
                lambda t: ticket_update(actor=agent, ticket=t, version=None, tags=tags),
            )
        self.desk_says(s.ask, (2, 25))

    def desk_says(self, template: str, minutes: tuple[float, float]) -> None:
        agent, body = self.agent, self.text(template)
        assert agent is not None
        self.do(self.at(minutes), lambda t: ticket_reply(actor=agent, ticket=t, body=body))

    def requester_says(self, template: str, minutes: tuple[float, float]) -> None:
        requester, body = self.requester, self.text(template)
        channel = Channel.EMAIL if self.rng.random() < 0.5 else Channel.WEB
        self.do(
            self.at(minutes, desk=False),
            lambda t: ticket_reply(actor=requester, ticket=t, body=body, channel=channel),
        )

    def note(self, template: str, minutes: tuple[float, float], by: User | None = None) -> None:
        author, body = by or self.agent, self.text(template)
        assert author is not None
        self.do(self.at(minutes), lambda t: ticket_note(actor=author, ticket=t, body=body))

    def transition(self, status: str, reason: str, minutes: tuple[float, float]) -> None:
        self.transition_by(self.agent, status, reason, minutes)

    def transition_by(
        self, actor: User | None, status: str, reason: str, minutes: tuple[float, float]
    ) -> None:
        assert actor is not None
        self.do(
            self.at(minutes),
            lambda t: ticket_transition(
                actor=actor, ticket=t, status=status, pending_reason=reason, version=None
            ),
        )

    def hand_over(self, tier: str, reason: str, minutes: tuple[float, float]) -> None:
        """The current agent escalates to ``tier``; someone there claims it."""
        by, target_tier = self.agent, tier
        assert by is not None
        self.do(
            self.at(minutes),
            lambda t: ticket_escalate(
                actor=by, ticket=t, reason=reason, tier=target_tier, version=None
            ),
        )
        self.tier = tier
        agent = self.set_agent(self.rng.choice(self.members(tier)))
        self.do(self.at((10, 180)), lambda t: ticket_claim(actor=agent, ticket=t, version=None))

    def escalate_tier(self) -> None:
        following = Tier(self.tier).next()
        if following is None or following == Tier.VENDOR or not self.members(following):
            return
        self.hand_over(following, self.scenario.escalation, (20, 240))
        self.note("Picked this up from L1. Looking at it now.", (5, 60))
        if self.scenario.impact == "high" and self.members(Tier.L3) and self.tier == Tier.L2:
            self.hand_over(Tier.L3, "Root cause is in the application itself; needs L3.", (30, 180))

    def wait_on_third_party(self) -> None:
        s = self.scenario
        party = s.third_party or "the contractor"
        vendors = self.members(Tier.VENDOR)
        if s.to_vendor and vendors:
            self.hand_over(Tier.VENDOR, f"Needs an on-site repair ({party}).", (20, 180))
            self.desk_says(
                "Hi {first}, I'll come by to take a look; I'll let you know when.", (10, 120)
            )
        ref = f"{self.rng.randrange(100000, 999999)}"
        self.note(f"Case opened with {party}, reference {ref}.", (5, 60))
        self.transition(Status.PENDING, PendingReason.THIRD_PARTY, (1, 10))

    def resolve(self, *, third_party_done: bool) -> None:
        wait = (600, 4000) if third_party_done else (30, 1400)
        self.desk_says(self.scenario.fix, wait)
        if self.rng.random() < 0.45:
            self.requester_says(self.rng.choice(content.THANKS), (10, 400))
        self.transition(Status.RESOLVED, "", (1, 20))

    def reopen(self) -> None:
        self.requester_says(self.rng.choice(content.STILL_BROKEN), (600, 2500))
        self.note("Reopened by the requester; digging deeper.", (20, 200))
        self.desk_says(
            "Thanks for telling us, {first}. I found a second cause and fixed that too.",
            (60, 1400),
        )
        self.transition(Status.RESOLVED, "", (1, 20))

    def close(self, *, auto: bool) -> None:
        closer = self.desk.staff["sam.okafor@example.com"] if auto else self.agent
        self.transition_by(closer, Status.CLOSED, "", (3 * 1440, 5 * 1440))

    # -- placing in time -------------------------------------------------------------------
    def fit_before(self, limit: dt.datetime) -> None:
        """Move the whole story back by whole weeks (same weekdays and hours) if it would end
        after ``limit``."""
        last = max(when for when, _, _ in self.steps)
        if last <= limit:
            return
        weeks = math.ceil((last - limit) / dt.timedelta(days=7))
        shift = dt.timedelta(days=7 * weeks)
        self.steps = [(when - shift, order, run) for when, order, run in self.steps]


def _requester_pools(desk: Desk) -> dict[str, list[User]]:
    org_of = {requester_email(name, org): org.name for org in ORGANIZATIONS for name in org.people}
    served = {name: {o.name for o in team.organizations.all()} for name, team in desk.teams.items()}
    return {
        team: [r for r in desk.requesters if not orgs or org_of.get(r.email) in orgs]
        for team, orgs in served.items()
    }


def _scenario_pools(rng: random.Random) -> dict[str, Iterator[Scenario]]:
    def cycle(items: list[Scenario]) -> Iterator[Scenario]:
        while True:
            batch = list(items)
            rng.shuffle(batch)
            yield from batch

    everything = content.SCENARIOS
    simple = [s for s in everything if not (s.escalation or s.third_party or s.to_vendor)]
    waiting = [s for s in everything if s.third_party or s.to_vendor]
    return {
        "first_contact": cycle([s for s in simple if s.type != "service_request"]),
        "pending_third_party": cycle(waiting),
        "other": cycle(everything),
    }


def plan_stories(desk: Desk, *, now: dt.datetime, seed: int = SEED) -> list[Story]:
    """Plan every demo ticket's life, ending before ``now``; nothing is written yet."""
    rng = random.Random(seed)
    pools = _scenario_pools(rng)
    requesters = _requester_pools(desk)
    plans = [plan for plan, count in PLANS.items() for _ in range(count)]
    rng.shuffle(plans)
    duplicated = set(rng.sample([i for i, p in enumerate(plans) if p in WORKED], DUPLICATES))
    limit = now - dt.timedelta(minutes=10)
    stories = []
    for index, plan in enumerate(plans):
        scenario = next(pools.get(plan, pools["other"]))
        pool = requesters[scenario.team]
        requester = rng.choice(pool)
        story = Story(
            desk=desk, rng=rng, plan=plan, scenario=scenario, requester=requester, now=now
        )
        colleague = None
        if index in duplicated:
            colleague = rng.choice(
                [
                    requester,
                    *[r for r in pool if r.email.split("@")[1] == requester.email.split("@")[1]],
                ]
            )
        story.plan_steps(duplicate_from=colleague)
        story.fit_before(limit)
        stories.append(story)
    return stories


def play(stories: list[Story], clock: DemoClock) -> Counter[str]:
    """Run every story's steps in time order on the demo clock; count the plans played."""
    steps = [
        (when, index, order, run)
        for index, story in enumerate(stories)
        for when, order, run in story.steps
    ]
    steps.sort(key=lambda step: step[:3])
    for when, _, _, run in steps:
        clock.now = when
        run()
    clock.now = None
    return Counter(story.plan for story in stories)
