"""Demo survey answers: every resolved demo ticket was surveyed, about two in three answered.

Idempotent: only tickets without a survey request get one. Times follow the ticket's own
resolution (asked when resolved, answered hours to days later), ratings lean positive with
a few low ones, and the comments read like real ones.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets

from frontline.accounts.models import hash_token
from frontline.satisfaction.models import (
    LOW_RATING_MAX,
    TOKEN_LIFETIME,
    SurveyRequest,
    SurveyResponse,
)
from frontline.tickets.models import Status, Ticket

ANSWERED_SHARE = 0.65
RATINGS = [5, 4, 3, 2, 1]
WEIGHTS = [45, 30, 12, 8, 5]
COMMENTS: dict[int, list[str]] = {
    5: ["Fixed in minutes, thank you!", "Great help, very clear explanation.", "", ""],
    4: ["Good, took a little while.", "Solved, thanks.", ""],
    3: ["It works now, but I had to explain it twice.", "OK in the end.", ""],
    2: ["Took days to get an answer.", "The first fix did not work."],
    1: ["Nobody replied for a week.", "Closed without fixing the problem."],
}


def load_demo_surveys(requester_emails: list[str]) -> int:
    """Survey requests (and for a share, responses) for the demo's resolved tickets that have
    none yet; returns how many requests were created."""
    tickets = list(
        Ticket.objects.filter(
            requester__email__in=requester_emails,
            status__in=[Status.RESOLVED, Status.CLOSED],
            resolved_at__isnull=False,
            merged_into__isnull=True,
            survey_request__isnull=True,
        ).only("pk", "number", "requester_id", "resolved_at")
    )
    requests: list[SurveyRequest] = []
    responses: list[SurveyResponse] = []
    for ticket in tickets:
        assert ticket.resolved_at is not None
        rng = random.Random(ticket.number)
        sent = ticket.resolved_at
        requests.append(
            SurveyRequest(
                ticket_id=ticket.pk,
                requester_id=ticket.requester_id,
                token_hash=hash_token(secrets.token_urlsafe(32)),  # never mailed: unusable
                sent_at=sent,
                expires_at=sent + TOKEN_LIFETIME,
            )
        )
        if rng.random() >= ANSWERED_SHARE:
            continue
        rating = rng.choices(RATINGS, WEIGHTS)[0]
        answered = sent + dt.timedelta(minutes=rng.randint(20, 3 * 24 * 60))
        responses.append(
            SurveyResponse(
                ticket_id=ticket.pk,
                requester_id=ticket.requester_id,
                rating=rating,
                comment=rng.choice(COMMENTS[rating]),
                created_at=answered,
                updated_at=answered,
                low_rating_notified_at=answered if rating <= LOW_RATING_MAX else None,
            )
        )
    answered_at = {r.ticket_id: r.created_at for r in responses}
    created = SurveyRequest.objects.bulk_create(requests)
    saved = SurveyResponse.objects.bulk_create(responses)
    # Inserting stamps "now" on auto_now(_add) fields; put back the moments of the story.
    for response in saved:
        response.created_at = response.updated_at = answered_at[response.ticket_id]
    SurveyResponse.objects.bulk_update(saved, ["created_at", "updated_at"])
    used = [r for r in created if r.ticket_id in answered_at]
    for request in used:
        request.used_at = answered_at[request.ticket_id]
    SurveyRequest.objects.bulk_update(used, ["used_at"])
    return len(created)
