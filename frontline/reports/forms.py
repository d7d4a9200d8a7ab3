"""The organization report's schedule form (create and edit). It only carries the input: the
checks are the service's (``services.report_schedule_create`` / ``_update``), whose field
messages are shown next to the fields, with what was typed kept."""

from __future__ import annotations

from typing import Any

from django import forms

from frontline.reports.models import Frequency, ReportSchedule


class ScheduleForm(forms.Form):
    recipients = forms.CharField(
        label="Recipients",
        required=False,  # the service says what is missing
        max_length=5000,
        help_text="E-mail addresses, separated by commas.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # A plain field with a select: the service, not the form, words a bad value.
    frequency = forms.CharField(
        label="Every", required=False, widget=forms.Select(choices=Frequency.choices)
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    @classmethod
    def for_schedule(cls, schedule: ReportSchedule, data: Any = None) -> ScheduleForm:
        """The edit form of one schedule (fields prefixed with its id: a page shows several)."""
        initial = {
            "recipients": ", ".join(schedule.recipients),
            "frequency": schedule.frequency,
            "is_active": schedule.is_active,
        }
        return cls(data, initial=initial, prefix=f"s{schedule.pk}")

    def service_input(self) -> dict[str, Any]:
        """The service's keyword arguments (call after ``is_valid``)."""
        data = self.cleaned_data
        return {
            "recipients": str(data.get("recipients") or "").replace(";", ",").split(","),
            "frequency": str(data.get("frequency") or ""),
            "is_active": bool(data.get("is_active")),
        }
