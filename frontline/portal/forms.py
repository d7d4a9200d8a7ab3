"""Portal forms: plain words, and custom fields that follow the chosen category."""

from __future__ import annotations

from typing import Any

from django import forms

from frontline.desk.forms import custom_field_input
from frontline.portal.wording import IMPACT_CHOICES, URGENCY_CHOICES


class RequestForm(forms.Form):
    category = forms.TypedChoiceField(
        coerce=int, empty_value=None, choices=[], required=False, label="What is it about?"
    )
    title = forms.CharField(
        max_length=250, label="Subject", help_text="A short summary, e.g. “Laptop will not start”."
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Describe the problem or request",
        help_text="What happened, what you expected, and anything you already tried.",
    )
    impact = forms.ChoiceField(
        choices=IMPACT_CHOICES, initial="low", widget=forms.RadioSelect, label="Who is affected?"
    )
    urgency = forms.ChoiceField(
        choices=URGENCY_CHOICES, initial="low", widget=forms.RadioSelect, label="How urgent is it?"
    )

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[Any, str]],
        custom_fields: list[Any] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Something else"), *categories]  # type: ignore[attr-defined]
        self.custom_field_names = []
        for spec in custom_fields:
            field = custom_field_input(spec)
            field.required = spec.required
            self.fields[f"cf__{spec.key}"] = field
            self.custom_field_names.append(f"cf__{spec.key}")

    def custom_values(self) -> dict[str, Any]:
        return {
            name[4:]: self.cleaned_data[name]
            for name in self.custom_field_names
            if self.cleaned_data.get(name) not in (None, "")
        }


class ReplyForm(forms.Form):
    body = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 5}), label="Your reply"
    )
