"""Searching as a user: every result here is already scoped to what the user may see.

Desk users (``is_agent_like``) search tickets (within ``tickets_visible_to``), people and
articles; requesters search only the articles they may read. Each section costs a constant
number of queries whatever the number of hits (one search, then one load by primary key).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from frontline.accounts.models import User
from frontline.accounts.selectors import users_visible_to
from frontline.core.errors import ValidationError
from frontline.search.index import MAX_LIMIT, MAX_QUERY_LENGTH, Hit, Match, search
from frontline.search.services import ARTICLE, PERSON, TICKET
from frontline.tickets.models import Status, Ticket
from frontline.tickets.selectors import tickets_visible_to

KINDS = (TICKET, PERSON, ARTICLE)


@dataclass(frozen=True)
class Result:
    """One hit with the object it stands for (a Ticket, a User or an Article)."""

    kind: str
    obj: Any
    rank: float
    snippet: str


@dataclass
class SearchRequest:
    """What a user asked for; ``validate`` raises ValidationError with field messages."""

    q: str = ""
    kind: str = ""  # "" = every kind the user may search
    status: list[str] = field(default_factory=list)
    team: list[int] = field(default_factory=list)
    limit: int = 20
    match: Match = "all"

    def validate(self) -> None:
        errors: dict[str, list[str]] = {}
        if not self.q.strip():
            errors["q"] = ["Type something to search for."]
        elif len(self.q) > MAX_QUERY_LENGTH:
            errors["q"] = [f"Keep it under {MAX_QUERY_LENGTH} characters."]
        if self.kind and self.kind not in KINDS:
            errors["kind"] = [f"“{self.kind}” is not one of: {', '.join(KINDS)}."]
        bad = [s for s in self.status if s not in Status.values]
        if bad:
            errors["status"] = [f"“{bad[0]}” is not one of: {', '.join(Status.values)}."]
        if not 1 <= self.limit <= MAX_LIMIT:
            errors["limit"] = [f"Give a number from 1 to {MAX_LIMIT}."]
        if errors:
            raise ValidationError("Invalid search.", errors=errors)


def searchable_kinds(user: User) -> tuple[str, ...]:
    """The kinds this user may search: desk users everything, requesters articles only."""
    return KINDS if user.is_agent_like else (ARTICLE,)


def article_scope(user: User) -> QuerySet[Any] | None:
    """The articles the user may see, if the knowledge base offers them (else None)."""
    try:
        module = importlib.import_module("frontline.knowledge.selectors")
    except ImportError:
        return None
    visible = getattr(module, "articles_visible_to", None)
    return visible(user) if callable(visible) else None


def _load(queryset: QuerySet[Any], kind: str, hits: list[Hit]) -> list[Result]:
    objects = queryset.in_bulk([h.object_id for h in hits])
    return [
        Result(kind, objects[h.object_id], h.rank, h.snippet)
        for h in hits
        if h.object_id in objects
    ]


def search_tickets(user: User, request: SearchRequest) -> list[Result]:
    """Tickets the user may see matching the request, best first (a number: that ticket)."""
    if not user.is_agent_like:
        return []
    within = tickets_visible_to(user)
    if request.status:
        within = within.filter(status__in=request.status)
    if request.team:
        within = within.filter(team_id__in=request.team)
    hits = search(TICKET, request.q, within=within, limit=request.limit, match=request.match)
    loaded = Ticket.objects.select_related("team", "requester", "assignee")
    return _load(loaded, TICKET, hits)


def search_people(user: User, request: SearchRequest) -> list[Result]:
    """People (by name, email, phone) for desk users; nobody for requesters."""
    if not user.is_agent_like:
        return []
    within = users_visible_to(user).filter(is_active=True)
    hits = search(PERSON, request.q, within=within, limit=request.limit, match=request.match)
    return _load(User.objects.all(), PERSON, hits)


def search_articles(user: User, request: SearchRequest) -> list[Result]:
    """Articles the user may see (per the knowledge base's own policy), if it exists."""
    within = article_scope(user)
    if within is None:
        return []
    hits = search(ARTICLE, request.q, within=within, limit=request.limit, match=request.match)
    return _load(within, ARTICLE, hits)


SECTIONS = {TICKET: search_tickets, PERSON: search_people, ARTICLE: search_articles}


def search_everything(user: User, request: SearchRequest) -> dict[str, list[Result]]:
    """Each kind the user may search (or the one asked for), validated; {kind: results}."""
    request.validate()
    kinds = searchable_kinds(user)
    wanted = [request.kind] if request.kind else list(kinds)
    return {kind: SECTIONS[kind](user, request) for kind in wanted if kind in kinds}
