"""SLAs: business-hours calendars and the business-time maths behind SLA clocks.

The modules here are pure (no ORM, no Django): ``calendar`` models opening hours, ``zones``
finds a time zone's offset changes, ``business_time`` does the arithmetic and ``clock`` turns
a target plus pauses into due, warning and breach times. Policies, timers and escalation
(which do touch the database) build on these.
"""

from frontline.sla.business_time import (
    add_business_seconds,
    add_business_time,
    business_seconds_between,
    business_time_between,
    is_business_time,
    next_business_start,
)
from frontline.sla.calendar import BusinessCalendar, InvalidCalendar, Span
from frontline.sla.clock import SlaClock, SlaState

__all__ = [
    "BusinessCalendar",
    "InvalidCalendar",
    "SlaClock",
    "SlaState",
    "Span",
    "add_business_seconds",
    "add_business_time",
    "business_seconds_between",
    "business_time_between",
    "is_business_time",
    "next_business_start",
]
