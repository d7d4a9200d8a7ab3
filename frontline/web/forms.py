"""Forms shared by the desk and the portal, and the bridge from domain errors to forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.template.loader import render_to_string

from frontline.core.errors import DomainError
from frontline.core.mail import queue_email


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's field messages next to their fields; the rest above the form."""
    placed = False
    for field, messages in exc.errors.items():
        name = field.split(".", 1)[0] if field.startswith("custom_fields.") else field
        target = field.replace(".", "__") if field.replace(".", "__") in form.fields else name
        if field.startswith("custom_fields.") and f"cf__{field[14:]}" in form.fields:
            target = f"cf__{field[14:]}"  # the desk and portal forms name them cf__<key>
        for message in messages:
            if target in form.fields:
                form.add_error(target, message)
                placed = True
    if not placed:
        form.add_error(None, exc.detail)


class LoginForm(forms.Form):
    email = forms.EmailField(
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class SignupForm(forms.Form):
    full_name = forms.CharField(max_length=200, label="Your name")
    email = forms.EmailField(label="Work email")

    def clean_email(self) -> Any:
        return self.cleaned_data["email"].strip().lower()


class SetPasswordSignupForm(forms.Form):
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Repeat it", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the mail goes out from the task worker."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        queue_email(subject=subject, body=body, to=[to_email])


def _time_zone_choices() -> list[tuple[str, str]]:
    import zoneinfo

    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=200, label="Name")
    phone = forms.CharField(max_length=50, required=False)
    timezone = forms.ChoiceField(
        label="Time zone", choices=_time_zone_choices, help_text="Times are shown in this zone."
    )
