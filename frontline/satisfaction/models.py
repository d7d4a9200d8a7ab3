"""Satisfaction surveys: one request and at most one response per resolved ticket.

CSAT figures (computed by the reports app from these rows):

* average rating: ``Avg(SurveyResponse.rating)``;
* share satisfied: responses rated 4 or 5 / responses;
* response rate: responses / survey requests sent (``SurveyRequest.sent_at`` not null).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models

from frontline.tickets.models import Ticket

RATING_MIN = 1
RATING_MAX = 5
SATISFIED_MIN = 4  # ratings 4-5 count as satisfied
LOW_RATING_MAX = 2  # ratings 1-2 notify the team lead
CHANGE_WINDOW = timedelta(days=7)  # a response may be changed this long after it was first given
TOKEN_LIFETIME = timedelta(days=30)  # a survey link works this long after it was sent


class QuestionKind(models.TextChoices):
    SCALE = "scale", "Scale 1–5"
    TEXT = "text", "Free text"


class SurveyQuestion(models.Model):
    """An extra question admins add to the survey (e.g. "effort"); answers go in
    ``SurveyResponse.answers[key]``."""

    key = models.SlugField(max_length=50, unique=True, help_text="Stable name used in the API.")
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices, default=QuestionKind.SCALE)
    required = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class SurveyRequest(models.Model):
    """The invitation to rate one ticket, sent to its requester when the ticket is resolved.

    The link's raw token is mailed once; only its SHA-256 is stored here.
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey_request")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_requests"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(
        null=True, blank=True, help_text="When the link first recorded a response."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Survey request for ticket {self.ticket_id}"


class SurveyResponse(models.Model):
    """The requester's rating (1-5) of one ticket, changeable for ``CHANGE_WINDOW``."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey_response")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_responses"
    )
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    answers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    low_rating_notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the team lead was told of a low rating (once)."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="survey_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for ticket {self.ticket_id}"

    @property
    def is_satisfied(self) -> bool:
        return self.rating >= SATISFIED_MIN

    @property
    def is_low(self) -> bool:
        return self.rating <= LOW_RATING_MAX

    @property
    def changeable_until(self) -> datetime:
        return self.created_at + CHANGE_WINDOW
