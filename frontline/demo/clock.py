"""The demo clock: lets the demo loader play ticket histories at past moments.

The demo replays each ticket's life through the real services, which stamp everything with
``django.utils.timezone.now()`` (created_at, updated_at, event times, first response,
resolution). While the clock runs, that function returns the moment being replayed, so every
stamp of a step is consistent with every other. Used by data loading only, in one process,
never by a running server.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

OPENS, CLOSES = 8, 18  # desk hours (UTC), Monday to Friday
REQUESTERS_FROM, REQUESTERS_UNTIL = 7, 22


class DemoClock:
    def __init__(self) -> None:
        self.now: dt.datetime | None = None

    @contextmanager
    def running(self) -> Iterator[DemoClock]:
        real = timezone.now

        def now() -> dt.datetime:
            return self.now if self.now is not None else real()

        setattr(timezone, "now", now)  # noqa: B010 - mypy rejects assigning to a function
        try:
            yield self
        finally:
            setattr(timezone, "now", real)  # noqa: B010


def desk_hours(moment: dt.datetime, rng: random.Random) -> dt.datetime:
    """The moment, or the next one when the desk is open (Mon–Fri, 08:00–18:00 UTC)."""
    while True:
        if moment.weekday() >= 5 or moment.hour >= CLOSES:
            moment = _next_morning(moment, OPENS, rng)
        elif moment.hour < OPENS:
            moment = moment.replace(hour=OPENS, minute=rng.randrange(0, 50))
        else:
            return moment


def waking_hours(moment: dt.datetime, rng: random.Random) -> dt.datetime:
    """Requesters write any day, but rarely at night."""
    if moment.hour >= REQUESTERS_UNTIL:
        return _next_morning(moment, REQUESTERS_FROM, rng, weekends=True)
    if moment.hour < REQUESTERS_FROM:
        return moment.replace(hour=REQUESTERS_FROM, minute=rng.randrange(0, 59))
    return moment


def _next_morning(
    moment: dt.datetime, hour: int, rng: random.Random, *, weekends: bool = False
) -> dt.datetime:
    day = moment + dt.timedelta(days=1)
    while not weekends and day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day.replace(hour=hour, minute=rng.randrange(0, 50), second=rng.randrange(0, 60))
