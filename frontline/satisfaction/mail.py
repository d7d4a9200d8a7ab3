"""The survey's parts of notification mails: the rating links and the low-rating figures.

Both are context providers of the notifications app (registered in ``subscribers.py``): the
wording is the editable "resolved", "survey" and "low_rating" notification templates, this
module supplies the ``survey`` and ``rating`` placeholders, and the section that carries the
rating links below a "resolved" or "survey" text that leaves them out.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse

from frontline.satisfaction.models import (
    CHANGE_WINDOW,
    RATING_MAX,
    RATING_MIN,
    SurveyRequest,
    SurveyResponse,
)

SCORE_WORDS = {1: "Very poor", 2: "Poor", 3: "OK", 4: "Good", 5: "Excellent"}

SURVEY_HELP = (
    "in the resolved and survey mails when a satisfaction survey is due: survey.links (each "
    ".rating, .label, .url), survey.url, survey.expires, survey.change_days; added below a "
    "text that does not use them"
)
# Added below a "resolved" or "survey" text that does not use ``survey``.
SURVEY_SECTION = """
How did we do? One click on a score is enough:
{% for link in survey.links %}
  {{ link.rating }} - {{ link.label }}: {{ link.url }}{% endfor %}

You can add a comment on the page that opens, and change your answer
for {{ survey.change_days }} days. These links work until {{ survey.expires }}.
"""

RATING_HELP = "in the low rating mail: rating.score (1-5), rating.label, rating.comment"


def survey_url(raw_token: str, rating: int | None = None) -> str:
    url = settings.SITE_URL + reverse("satisfaction:survey", kwargs={"token": raw_token})
    return f"{url}?rating={rating}" if rating is not None else url


def survey_links(survey: SurveyRequest, raw_token: str) -> dict[str, Any]:
    """The ``survey`` placeholder: the links (one per score, 5 first), their expiry, the
    change window."""
    return {
        "url": survey_url(raw_token),
        "links": [
            {"rating": score, "label": SCORE_WORDS[score], "url": survey_url(raw_token, score)}
            for score in range(RATING_MAX, RATING_MIN - 1, -1)
        ],
        "expires": f"{survey.expires_at:%d %B %Y}",
        "change_days": CHANGE_WINDOW.days,
    }


def rating_figures(response: SurveyResponse) -> dict[str, Any]:
    """The ``rating`` placeholder of the low-rating alert."""
    return {
        "score": response.rating,
        "label": SCORE_WORDS.get(response.rating, ""),
        "comment": response.comment,
    }
