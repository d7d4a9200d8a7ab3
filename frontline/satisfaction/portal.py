"""The rating form a portal request page shows (the portal adds this to its page context)."""

from __future__ import annotations

from typing import Any

from frontline.satisfaction import selectors
from frontline.satisfaction.forms import SurveyForm, initial_for
from frontline.tickets.models import Ticket


def portal_survey_context(user: Any, ticket: Ticket) -> dict[str, Any]:
    """``survey`` and ``survey_form`` for the ticket's requester once it is resolved or
    closed and surveyed; empty (no form) for anyone else."""
    view = selectors.portal_survey(user, ticket)
    if view is None:
        return {}
    form = SurveyForm(initial=initial_for(view.initial, view.questions), questions=view.questions)
    return {"survey": view, "survey_form": form}
