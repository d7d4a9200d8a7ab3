"""Forms of the automation pages. A rule's name, trigger and order are a plain form; its
conditions and actions come from the builder (``frontline.automation.builder``) or, in the
advanced view, as JSON. Either way the services validate them; JSON messages are shown under
the text box with the path they concern."""

from __future__ import annotations

from typing import Any

from django import forms

from frontline.accounts.models import Team
from frontline.automation.builder_post import load_json
from frontline.automation.models import Availability, RoutingMode, Trigger
from frontline.core.errors import DomainError

JSON_AREA = forms.Textarea(attrs={"rows": 12, "class": "code", "spellcheck": "false"})


class RuleMetaForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    trigger = forms.ChoiceField(
        choices=Trigger.choices, label="When", help_text="An event on the ticket, or time passing."
    )
    position = forms.IntegerField(
        min_value=0, max_value=100_000, initial=0, help_text="Rules run from low to high."
    )
    is_active = forms.BooleanField(required=False, label="Active")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RuleForm(RuleMetaForm):
    conditions = forms.CharField(
        required=False,
        widget=JSON_AREA,
        help_text='e.g. {"all": [{"field": "priority", "op": "in", "value": ["p1", "p2"]}]}',
    )
    actions = forms.CharField(
        widget=JSON_AREA, help_text='e.g. [{"type": "add_tag", "tag": "urgent"}]'
    )

    def clean_conditions(self) -> Any:
        text = (self.cleaned_data.get("conditions") or "").strip()
        if not text:
            return {}
        try:
            return load_json(text)
        except ValueError as error:  # JSONDecodeError, NaN, nesting too deep
            raise forms.ValidationError(f"Not valid JSON: {error}.") from None

    def clean_actions(self) -> Any:
        try:
            return load_json(self.cleaned_data.get("actions") or "")
        except ValueError as error:
            raise forms.ValidationError(f"Not valid JSON: {error}.") from None


def place_errors(form: forms.Form, error: DomainError) -> None:
    """Field messages under their fields; nested paths (conditions.all.0.op) under the JSON
    box they belong to, with the path, so the editor finds the item."""
    placed = False
    for path, messages in error.errors.items():
        head = path.split(".", 1)[0]
        if head in form.fields and not form.fields[head].widget.is_hidden:
            for message in messages:
                form.add_error(head, message if path == head else f"{path}: {message}")
                placed = True
    if not placed:
        form.add_error(None, error.detail)


class CannedForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Placeholders: {{ requester.first_name }}, {{ ticket.number }}, "
        "{{ ticket.title }}, {{ agent.name }}…",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="Shared (every team)"
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")


class AvailabilityForm(forms.Form):
    status = forms.ChoiceField(choices=Availability.choices)
    away_from = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Out of office from"
    )
    away_until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="until (inclusive)"
    )
    languages = forms.CharField(
        required=False,
        help_text="Languages you handle, comma separated (e.g. en, de).",
    )

    def language_list(self) -> list[str]:
        """The cleaned ``languages`` as a list (commas or semicolons between them)."""
        text = self.cleaned_data.get("languages") or ""
        return [x for x in text.replace(";", ",").split(",") if x.strip()]


class RoutingForm(forms.Form):
    mode = forms.ChoiceField(choices=RoutingMode.choices)
    unassign_after = forms.IntegerField(
        required=False,
        min_value=1,
        label="Back to the queue after (minutes)",
        help_text="When the assignee is unavailable. Empty: never.",
    )


class AgentRoutingForm(AvailabilityForm):
    """One team member's availability, languages and skills (on the team's agents page)."""

    skills = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        help_text="Categories (with their sub-categories) this agent handles, for skills routing.",
    )

    def __init__(self, *args: Any, skill_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].label = "Availability"
        self.fields["languages"].help_text = "Comma separated, e.g. en, de. Empty: any language."
        field = self.fields["skills"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = skill_choices
        field.widget.attrs["size"] = str(min(max(len(skill_choices), 2), 6))
