"""Knowledge base forms: the article editor, feedback, file upload."""

from __future__ import annotations

from typing import Any

from django import forms

from frontline.accounts.models import Organization
from frontline.knowledge.models import Audience, KBCategory
from frontline.tickets.models import Category


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18, "class": "mono"}),
        help_text="Markdown: ## headings, 1. numbered steps, **bold**, [links](https://…), "
        "![images](/kb/files/…) from the files of this article.",
    )
    category = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, choices=[])
    tags = forms.CharField(
        max_length=300, required=False, help_text="Comma-separated words people search for."
    )
    audience = forms.ChoiceField(choices=Audience.choices, initial=Audience.PUBLIC)
    organizations = forms.ModelMultipleChoiceField(
        queryset=Organization.objects.all(),
        required=False,
        help_text="For the audience “requesters of chosen organizations”.",
    )
    ticket_categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.filter(is_active=True).select_related("team", "parent"),
        required=False,
        label="Answers ticket categories",
    )
    note = forms.CharField(max_length=200, required=False, label="What changed (optional)")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nodes = list(KBCategory.objects.select_related("parent"))
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(c.pk, f"{c.parent.name} › {c.name}" if c.parent else c.name) for c in nodes],
        ]
        self.fields["ticket_categories"].label_from_instance = (  # type: ignore[attr-defined]
            lambda c: f"{c.team.name} › {c.parent.name + ' › ' if c.parent else ''}{c.name}"
        )

    def category_object(self) -> KBCategory | None:
        pk = self.cleaned_data.get("category")
        return KBCategory.objects.filter(pk=pk).first() if pk else None


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")], coerce=lambda v: v == "yes"
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Anything we should add? (optional)",
    )


class FileForm(forms.Form):
    file = forms.FileField()
