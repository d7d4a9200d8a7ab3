"""An SLA clock: a business-time target that may pause (pure: no ORM).

``SlaClock(calendar, target_seconds, started_at, pauses, warning_share).state(now)`` is what
the SLA services call on every ticket event (and a periodic job, for clocks that cross their
warning or due time without any event). The clock counts business time since ``started_at``,
except while paused (pending on the requester or a third party); the target is reached when
that count equals ``target_seconds``.

``state(now)`` reads the history *as it stood at now*: pauses that begin after ``now`` are
ignored, and a pause still running at ``now`` (open-ended, or ending later) counts as open.
So one clock built from a ticket's full history answers "what did the badge say at 10:15?"
as well as "what does it say now?". Due and warning times are projections that assume no
further pause.

To stop a clock (first response sent, ticket resolved), call ``state(stopped_at)`` and keep
the result: ``breached`` then says whether the target was met late.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from frontline.sla.business_time import _add_us, _business_us, from_us, to_us
from frontline.sla.calendar import US_PER_SECOND, BusinessCalendar

Pause = tuple[datetime, datetime | None]


@dataclass(frozen=True, slots=True)
class SlaState:
    """Where an SLA clock stands at ``now``. Durations are whole business seconds.

    - ``elapsed_seconds``: business time counted since ``started_at``, pauses excluded.
    - ``remaining_seconds``: ``target - elapsed``; frozen while paused, negative once the
      clock has run past its target (by that much business time).
    - ``paused_seconds``: business time that fell inside pauses (time outside business hours
      is not counted anywhere, paused or not).
    - ``paused`` / ``paused_since``: whether a pause is running at ``now`` and since when
      (``started_at`` at the earliest: the clock knows nothing before its start).
    - ``due_at``: the instant the target is (or was) reached; ``None`` while paused before
      reaching it, since nobody knows when the pause will end.
    - ``breached``: ``now`` is after ``due_at`` (meeting the target *at* ``due_at`` is on
      time); ``breached_at`` is then ``due_at``.
    - ``warning_at``: the instant the warning share of the target is (or was) reached, like
      ``due_at``; ``warned`` once ``now`` has reached it. Both are empty without a share.
    """

    now: datetime
    target_seconds: int
    elapsed_seconds: int
    remaining_seconds: int
    paused_seconds: int
    paused: bool
    paused_since: datetime | None
    due_at: datetime | None
    breached: bool
    breached_at: datetime | None
    warning_at: datetime | None
    warned: bool


@dataclass(frozen=True)
class SlaClock:
    """A business-time target from ``started_at``, suspended during ``pauses``.

    ``pauses`` are ``(start, end)`` pairs, ``end`` ``None`` for a pause still running; they
    may come in any order and overlap (their union counts), and parts before ``started_at``
    are ignored. ``warning_share`` (0 < share ≤ 1, e.g. 0.75) sets the warning threshold at
    that share of the target, rounded to the nearest second. A target of 0 is due at
    ``started_at``. Invalid input raises ``ValueError``.
    """

    calendar: BusinessCalendar
    target_seconds: int
    started_at: datetime
    pauses: Sequence[Pause] = ()  # stored as a tuple
    warning_share: float | None = None
    # Derived in __post_init__ (not fields: no part of equality, hashing or repr).
    _start_us: int = field(init=False, repr=False, compare=False)
    _pauses_us: tuple[tuple[int, int | None], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.calendar, BusinessCalendar):
            raise ValueError("An SLA clock needs a BusinessCalendar.")
        target = self.target_seconds
        if not isinstance(target, int) or isinstance(target, bool) or target < 0:
            raise ValueError(f"The target must be whole seconds ≥ 0, got {target!r}.")
        start_us = to_us(self.started_at)  # refuses a naive start
        share = self.warning_share
        if share is not None and not (isinstance(share, int | float) and 0 < share <= 1):
            raise ValueError(f"The warning share must be in (0, 1], got {share!r}.")
        pauses = tuple(self.pauses)
        pauses_us: list[tuple[int, int | None]] = []
        for pause in pauses:
            if len(pause) != 2:
                raise ValueError(f"A pause is a (start, end or None) pair, got {pause!r}.")
            begin, end = pause
            pause_us = (to_us(begin), None if end is None else to_us(end))
            if pause_us[1] is not None and pause_us[1] < pause_us[0]:
                raise ValueError(f"The pause {begin.isoformat()}–{end} ends before it begins.")
            pauses_us.append(pause_us)
        # Frozen: normalise a list of pauses to a tuple, and keep the microsecond forms that
        # every state() call would otherwise work out again.
        object.__setattr__(self, "pauses", pauses)
        object.__setattr__(self, "_start_us", start_us)
        object.__setattr__(self, "_pauses_us", tuple(sorted(pauses_us, key=lambda p: p[0])))

    @property
    def warning_seconds(self) -> int | None:
        """The warning threshold in business seconds, or ``None`` without a share."""
        if self.warning_share is None:
            return None
        return round(self.target_seconds * self.warning_share)

    def state(self, now: datetime) -> SlaState:
        """The clock as it stood at ``now`` (aware); see the module docstring."""
        now_us = to_us(now)
        start = self._start_us
        pauses = _pauses_as_of(self._pauses_us, start, now_us)
        calendar = self.calendar

        # The clock runs from the start to the first pause, between pauses, and from the end
        # of the last pause on (``tail``; None while paused). Each stretch's business time is
        # summed once and reused for the elapsed time and both projections.
        stretches: list[tuple[int, int]] = []
        cursor = start
        tail: int | None = start
        for lo, hi in pauses:
            stretches.append((cursor, lo))
            if hi is None:
                tail = None
                break
            cursor = tail = hi
        amounts = [_business_us(calendar, lo, hi) for lo, hi in stretches]
        elapsed_us = sum(amounts) + (0 if tail is None else _business_us(calendar, tail, now_us))
        paused_us = _business_us(calendar, start, now_us) - elapsed_us if pauses else 0
        elapsed = elapsed_us // US_PER_SECOND
        open_pause = pauses[-1][0] if tail is None else None

        def reach(amount: int) -> int | None:
            """When ``amount`` business µs of running time have passed (None: paused first)."""
            if amount == 0:
                return start
            for (lo, _), got in zip(stretches, amounts, strict=True):
                if got >= amount:
                    return _add_us(calendar, lo, amount)
                amount -= got
            return None if tail is None else _add_us(calendar, tail, amount)

        due_us = reach(self.target_seconds * US_PER_SECOND)
        warning_seconds = self.warning_seconds
        warning_us = None if warning_seconds is None else reach(warning_seconds * US_PER_SECOND)
        breached = due_us is not None and now_us > due_us
        return SlaState(
            now=from_us(now_us),
            target_seconds=self.target_seconds,
            elapsed_seconds=elapsed,
            remaining_seconds=self.target_seconds - elapsed,
            paused_seconds=paused_us // US_PER_SECOND,
            paused=open_pause is not None,
            paused_since=None if open_pause is None else from_us(open_pause),
            due_at=None if due_us is None else from_us(due_us),
            breached=breached,
            breached_at=from_us(due_us) if breached and due_us is not None else None,
            warning_at=None if warning_us is None else from_us(warning_us),
            warned=warning_us is not None and now_us >= warning_us,
        )


def _pauses_as_of(
    pauses: Iterable[tuple[int, int | None]], start: int, now: int
) -> list[tuple[int, int | None]]:
    """The pauses (µs, sorted by start) known at ``now``, clipped to ``[start, now]``, merged.

    Only the last may be open (``None``): a pause still running at ``now``.
    """
    clipped: list[tuple[int, int | None]] = []
    for lo, hi in pauses:
        if lo > now:
            break  # not begun yet at ``now`` (nor are the later ones): unknown then
        if hi is not None and hi > now:
            hi = None  # still running at ``now``: its end is not known yet
        lo = max(lo, start)
        if hi is not None and hi <= lo:
            continue  # empty, or over before the clock started
        clipped.append((lo, hi))
    merged: list[tuple[int, int | None]] = []
    for lo, hi in clipped:
        if merged:
            last_lo, last_hi = merged[-1]
            if last_hi is None:
                break  # everything from here on lies inside the open pause
            if lo <= last_hi:
                merged[-1] = (last_lo, None if hi is None else max(last_hi, hi))
                continue
        merged.append((lo, hi))
    return merged
