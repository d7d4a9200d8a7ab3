"""Keeping the search index in step with tickets and people.

These are maintenance writes (no acting user, no policy): they copy what is already stored
into the index, idempotently, so running one twice or late is harmless. Who may *find* what is
decided when searching (``selectors``), never here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db.models import Max, Min

from frontline.accounts.models import User
from frontline.search.index import Document, index_documents, remove_document
from frontline.tickets.models import Message, Ticket

TICKET = "ticket"
PERSON = "person"
ARTICLE = "article"
CHUNK = 1000

Progress = Callable[[int, int], None]  # (done, total)


def ticket_documents(ticket_ids: Sequence[int]) -> list[Document]:
    """The documents of these tickets, in four queries whatever their number: title
    "#number title", tags, body = description + every message (internal notes too: ticket
    hits are for the desk, scoped by the caller) + requester name and email."""
    rows = list(
        Ticket.objects.filter(pk__in=ticket_ids).values_list(
            "pk",
            "number",
            "title",
            "description",
            "requester__full_name",
            "requester__email",
        )
    )
    tags: dict[int, list[str]] = defaultdict(list)
    for ticket_id, name in Ticket.tags.through.objects.filter(ticket_id__in=ticket_ids).values_list(
        "ticket_id", "tag__name"
    ):
        tags[ticket_id].append(name)
    messages: dict[int, list[str]] = defaultdict(list)
    for ticket_id, body in (
        Message.objects.filter(ticket_id__in=ticket_ids)
        .order_by("ticket_id", "created_at", "pk")
        .values_list("ticket_id", "body")
    ):
        messages[ticket_id].append(body)
    return [
        Document(
            kind=TICKET,
            object_id=pk,
            title=f"#{number} {title}",
            tags=" ".join(tags[pk]),
            body="\n".join([description, *messages[pk], name or "", email or ""]),
        )
        for pk, number, title, description, name, email in rows
    ]


def ticket_index(*, ticket_ids: Iterable[int]) -> int:
    """(Re)index these tickets; tickets that no longer exist leave the index."""
    wanted = sorted(set(ticket_ids))
    docs = ticket_documents(wanted)
    for gone in set(wanted) - {d.object_id for d in docs}:
        remove_document(TICKET, gone)
    return index_documents(docs)


def person_document(user_id: int, name: str, email: str, phone: str) -> Document:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return Document(
        kind=PERSON,
        object_id=user_id,
        title=name or email,
        tags=email.replace("@", " ").replace(".", " "),
        body=" ".join(part for part in (email, phone, digits) if part),
    )


def person_index(*, user_ids: Iterable[int]) -> int:
    """(Re)index these users as people (name; email and phone); inactive ones leave."""
    wanted = sorted(set(user_ids))
    rows = list(
        User.objects.filter(pk__in=wanted, is_active=True).values_list(
            "pk", "full_name", "email", "phone"
        )
    )
    for gone in set(wanted) - {row[0] for row in rows}:
        remove_document(PERSON, gone)
    return index_documents(person_document(*row) for row in rows)


def _chunks(model_ids: Iterator[int], size: int = CHUNK) -> Iterator[list[int]]:
    chunk: list[int] = []
    for pk in model_ids:
        chunk.append(pk)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def search_rebuild(*, kind: str, progress: Progress | None = None) -> int:
    """Rebuild one kind's documents from the database (``ticket`` or ``person``), in chunks
    of 1000 by primary key, calling ``progress(done, total)`` after each. Returns the count."""
    builders: dict[str, tuple[type[Ticket] | type[User], Callable[[list[int]], int]]] = {
        TICKET: (Ticket, lambda ids: ticket_index(ticket_ids=ids)),
        PERSON: (User, lambda ids: person_index(user_ids=ids)),
    }
    if kind not in builders:
        raise ValueError(f"Unknown kind {kind!r}; rebuild one of: {', '.join(builders)}.")
    model, build = builders[kind]
    queryset = model.objects.all()
    total = queryset.count()
    bounds = queryset.aggregate(low=Min("pk"), high=Max("pk"))
    done = 0
    if bounds["low"] is None:
        return 0
    low, high = int(bounds["low"]), int(bounds["high"])
    step = CHUNK
    for start in range(low, high + 1, step):
        ids = list(queryset.filter(pk__gte=start, pk__lt=start + step).values_list("pk", flat=True))
        if ids:
            done += build(ids)
        if progress:
            progress(min(done, total), total)
    return done
