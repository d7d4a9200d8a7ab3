"""The survey form: a score, a comment and the admins' extra questions (built per request)."""

from __future__ import annotations

from typing import Any

from django import forms

from frontline.satisfaction.mail import SCORE_WORDS
from frontline.satisfaction.models import RATING_MAX, RATING_MIN, QuestionKind, SurveyQuestion
from frontline.satisfaction.services import MAX_COMMENT, MAX_TEXT_ANSWER

SCORES = [(str(n), f"{n} – {SCORE_WORDS[n]}") for n in range(RATING_MAX, RATING_MIN - 1, -1)]


class SurveyForm(forms.Form):
    """Only parses: the service validates (ranges, required questions) and says what is wrong."""

    rating = forms.ChoiceField(
        label="How satisfied are you?", choices=SCORES, widget=forms.RadioSelect, required=False
    )
    comment = forms.CharField(
        label="Anything to add?",
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, questions: list[SurveyQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            name = f"answers__{question.key}"
            if question.kind == QuestionKind.SCALE:
                self.fields[name] = forms.ChoiceField(
                    label=question.label,
                    choices=[("", "—"), *[(str(n), str(n)) for n in range(1, 6)]],
                    required=False,
                )
            else:
                self.fields[name] = forms.CharField(
                    label=question.label,
                    required=False,
                    max_length=MAX_TEXT_ANSWER,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )

    def answers(self) -> dict[str, Any]:
        """The extra answers as the service takes them ({key: value}, blanks left out)."""
        data = self.cleaned_data
        return {
            q.key: data.get(f"answers__{q.key}")
            for q in self.questions
            if data.get(f"answers__{q.key}") not in (None, "")
        }

    def question_fields(self) -> list[forms.BoundField]:
        return [self[f"answers__{q.key}"] for q in self.questions]


def initial_for(values: dict[str, Any], questions: list[SurveyQuestion]) -> dict[str, Any]:
    """Form initial data from a SurveyView's ``initial`` (rating, comment, answers)."""
    initial: dict[str, Any] = {}
    if values.get("rating") is not None:
        initial["rating"] = str(values["rating"])
    initial["comment"] = values.get("comment", "")
    answers = values.get("answers") or {}
    for q in questions:
        if q.key in answers:
            initial[f"answers__{q.key}"] = str(answers[q.key])
    return initial
