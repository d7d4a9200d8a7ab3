"""Human ticket numbers (#1042): unique, and gap-tolerant under concurrent creation.

PostgreSQL uses a real sequence, so concurrent creators never wait on each other (a rolled
back creation leaves a gap, which is allowed). Elsewhere a counter row is bumped inside the
creating transaction; SQLite serialises writers anyway.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F

from frontline.core.models import Counter

FIRST_NUMBER = 1000
SEQUENCE = "frontline_ticket_number_seq"
COUNTER = "ticket_number"


def _uses_sequence() -> bool:
    return connection.vendor == "postgresql"


def reserve_ticket_numbers(count: int = 1) -> list[int]:
    """Reserve ``count`` consecutive-or-not numbers, never handed out again."""
    if count < 1:
        return []
    if _uses_sequence():
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [SEQUENCE, count])
            return [row[0] for row in cursor.fetchall()]
    with transaction.atomic():  # the bump and the read must see the same row
        Counter.objects.get_or_create(name=COUNTER, defaults={"value": FIRST_NUMBER - 1})
        Counter.objects.filter(name=COUNTER).update(value=F("value") + count)
        top = Counter.objects.get(name=COUNTER).value
    return list(range(top - count + 1, top + 1))


def next_ticket_number() -> int:
    return reserve_ticket_numbers(1)[0]
