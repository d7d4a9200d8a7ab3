"""Desk forms. They only parse and validate input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from frontline.accounts.models import Tier
from frontline.tickets.models import (
    FieldType,
    Level,
    LinkKind,
    PendingReason,
    Priority,
    Status,
    TicketType,
)
from frontline.tickets.selectors import SORTS, TicketFilters

SORT_LABELS = {
    "-updated_at": "Recently updated",
    "updated_at": "Least recently updated",
    "-created_at": "Newest",
    "created_at": "Oldest",
    "priority": "Priority (P1 first)",
    "-priority": "Priority (P4 first)",
    "-number": "Number (high first)",
    "number": "Number (low first)",
    "sla_due": "SLA due (soonest first)",
    "-sla_due": "SLA due (latest first)",
}


def blank(choices: Any, label: str = "Any") -> list[tuple[str, str]]:
    return [("", label), *list(choices)]


class FilterForm(forms.Form):
    """The queue page's filter bar (GET)."""

    text = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.ChoiceField(required=False, choices=blank(Status.choices))
    priority = forms.ChoiceField(required=False, choices=blank(Priority.choices))
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=[])
    tier = forms.ChoiceField(required=False, choices=blank(Tier.choices))
    assignee = forms.ChoiceField(required=False, choices=[])
    category = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=[])
    organization = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=[])
    tag = forms.CharField(required=False, max_length=50)
    sort = forms.ChoiceField(required=False, choices=[(k, SORT_LABELS[k]) for k in SORTS])

    def __init__(self, data: QueryDict, *, options: dict[str, list[tuple[Any, str]]]) -> None:
        super().__init__(data)
        self.fields["team"].choices = blank(options["teams"])  # type: ignore[attr-defined]
        self.fields["assignee"].choices = blank(  # type: ignore[attr-defined]
            [("me", "Me"), ("none", "Nobody"), *options["agents"]]
        )
        self.fields["category"].choices = blank(options["categories"])  # type: ignore[attr-defined]
        self.fields["organization"].choices = blank(options["organizations"])  # type: ignore[attr-defined]

    def to_filters(self) -> TicketFilters:
        data = self.cleaned_data
        return TicketFilters(
            text=data.get("text") or "",
            status=[data["status"]] if data.get("status") else [],
            priority=[data["priority"]] if data.get("priority") else [],
            team=[data["team"]] if data.get("team") else [],
            tier=[data["tier"]] if data.get("tier") else [],
            assignee=[data["assignee"]] if data.get("assignee") else [],
            category=[data["category"]] if data.get("category") else [],
            organization=[data["organization"]] if data.get("organization") else [],
            tag=[data["tag"]] if data.get("tag") else [],
        )


class ComposerForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("public", "Reply"), ("internal", "Internal note")], widget=forms.RadioSelect
    )
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    """For actions that need nothing but the version they were made on (claim)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    pending_reason = forms.ChoiceField(required=False, choices=blank(PendingReason.choices, "—"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=[])
    version = forms.IntegerField(widget=forms.HiddenInput)


class EscalateForm(forms.Form):
    team = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[],
        label="To team",
        help_text="Leave empty for the next tier of this team.",
    )
    tier = forms.ChoiceField(required=False, choices=blank(Tier.choices, "Next tier"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput)


class FieldsForm(forms.Form):
    """Ticket properties; custom fields are added per category as ``cf__<key>``."""

    title = forms.CharField(max_length=250)
    type = forms.ChoiceField(choices=TicketType.choices)
    impact = forms.ChoiceField(choices=Level.choices)
    urgency = forms.ChoiceField(choices=Level.choices)
    priority = forms.ChoiceField(choices=Priority.choices)
    category = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=[])
    tags = forms.CharField(required=False, max_length=500, help_text="Separate with commas.")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, custom_fields: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        for spec in custom_fields:
            self.fields[f"cf__{spec.key}"] = custom_field_input(spec)

    def custom_values(self) -> dict[str, Any]:
        return {
            name[4:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("cf__") and value not in (None, "")
        }


def custom_field_input(spec: Any) -> forms.Field:
    """A form field for one custom field definition; the service does the real validation."""
    common = {"label": spec.label, "required": False}
    if spec.field_type == FieldType.NUMBER:
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if spec.field_type == FieldType.CHOICE:
        return forms.ChoiceField(choices=blank([(c, c) for c in spec.choices], "—"), **common)
    if spec.field_type == FieldType.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    return forms.CharField(max_length=2000, **common)


class MergeForm(forms.Form):
    into = forms.IntegerField(label="Merge into ticket number", min_value=1)
    version = forms.IntegerField(widget=forms.HiddenInput)


class LinkForm(forms.Form):
    target = forms.IntegerField(label="Ticket number", min_value=1)
    kind = forms.ChoiceField(choices=LinkKind.choices)


class PhoneCallForm(forms.Form):
    """Log a phone call: an existing requester (by id) or a new one (name + email/phone)."""

    requester = forms.IntegerField(required=False, widget=forms.HiddenInput)
    new_name = forms.CharField(required=False, max_length=200, label="Caller's name")
    new_email = forms.EmailField(required=False, label="Caller's email")
    new_phone = forms.CharField(required=False, max_length=50, label="Caller's phone")
    title = forms.CharField(max_length=250, label="Summary")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="What was said")
    category = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=[])
    impact = forms.ChoiceField(choices=Level.choices, initial=Level.LOW)
    urgency = forms.ChoiceField(choices=Level.choices, initial=Level.LOW)
    type = forms.ChoiceField(choices=TicketType.choices, initial=TicketType.INCIDENT)
    resolved_on_first_contact = forms.BooleanField(
        required=False, label="Resolved during the call (first-contact resolution)"
    )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if not data.get("requester") and not data.get("new_email"):
            self.add_error(
                "new_email", "Pick the caller from the search, or give a new caller's email."
            )
        return data


class BulkForm(forms.Form):
    ACTIONS = [
        ("claim", "Assign to me"),
        ("assign", "Assign to…"),
        ("status", "Set status…"),
        ("priority", "Set priority…"),
        ("tag", "Add tag…"),
        ("merge", "Merge into…"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    assignee = forms.IntegerField(required=False)
    status = forms.ChoiceField(required=False, choices=blank(Status.choices, "—"))
    pending_reason = forms.ChoiceField(required=False, choices=blank(PendingReason.choices, "—"))
    priority = forms.ChoiceField(required=False, choices=blank(Priority.choices, "—"))
    tag = forms.CharField(required=False, max_length=50)
    into = forms.IntegerField(required=False, min_value=1)


def parse_selection(values: list[str]) -> list[tuple[int, int]]:
    """Checkbox values are "number:version", so a bulk change is refused on stale rows too."""
    selected = []
    for value in values:
        number, _, version = value.partition(":")
        if number.isdigit() and version.isdigit():
            selected.append((int(number), int(version)))
    return selected
