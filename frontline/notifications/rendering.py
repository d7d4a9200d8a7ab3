"""Turning a notification kind and a context into a subject and a body.

An admin's NotificationTemplate replaces the shipped default (defaults.py). Templates are
checked when saved (``template_errors``) and rendered in the sandbox at send time; if an
admin's template still cannot render, the default is used, so a notification never fails on
wording. The placeholders are the base ones and those the context providers declare
(``frontline.notifications.context``); a provider's ``section`` is added below a wording that
leaves its placeholder out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from frontline.core.mail import header_text
from frontline.core.safe_templates import TemplateProblem, render_safe, template_problems
from frontline.notifications.context import placeholders, providers
from frontline.notifications.defaults import DEFAULTS
from frontline.notifications.models import NotificationTemplate

_PARSER = SandboxedEnvironment()


def _unsafe_constructs(source: str) -> list[str]:
    """Method calls and ``_private`` attributes: the sandbox would refuse them when sending,
    so they are refused when saving, with a message (templates are for data, not code)."""
    try:
        tree = _PARSER.parse(source)
    except TemplateError:
        return []  # template_problems reports the syntax error
    problems: list[str] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Call)):
        if isinstance(node, nodes.Call):
            problems.append("Calling functions or methods is not allowed in templates.")
        elif isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            problems.append(f"“{node.attr}” is not a placeholder (no names starting with _).")
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and str(node.arg.value).startswith("_")
        ):
            problems.append(f"“{node.arg.value}” is not a placeholder (no names starting with _).")
    return list(dict.fromkeys(problems))


def template_errors(*, subject: str, body: str) -> dict[str, list[str]]:
    """Field messages for an admin's template (empty when both parts are usable)."""
    errors: dict[str, list[str]] = {}
    for field, source in (("subject", subject), ("body", body)):
        problems = template_problems(source or "", allowed_names=placeholders())
        problems += _unsafe_constructs(source or "")
        if field == "body" and not (source or "").strip():
            problems.append("The body may not be empty.")
        if problems:
            errors[field] = problems
    return errors


def template_sources(kind: str) -> tuple[str, str, bool]:
    """(subject, body, customised) for ``kind``: the admin's override, else the default."""
    custom = NotificationTemplate.objects.filter(kind=kind).first()
    if custom is not None:
        return custom.subject, custom.body, True
    subject, body = DEFAULTS[kind]
    return subject, body, False


def _uses(source: str, name: str) -> bool:
    try:
        return name in meta.find_undeclared_variables(_PARSER.parse(source))
    except TemplateError:
        return False


def _render(kind: str, subject: str, body: str, context: Mapping[str, Any]) -> tuple[str, str]:
    rendered = render_safe(body, context)
    for provider in providers(kind):
        if provider.section and context.get(provider.name) and not _uses(body, provider.name):
            # A wording that leaves the provided value out: add its section below, so what
            # the provider carries (the rating links...) is never lost.
            rendered = rendered.rstrip("\n") + "\n" + render_safe(provider.section, context)
    return render_safe(subject, context), rendered


def render_notification(kind: str, context: Mapping[str, Any], *, number: int) -> tuple[str, str]:
    """The subject (one clean line, starting with the token ``[#number]`` unless the template
    already carries it) and the plain-text body."""
    subject_source, body_source, customised = template_sources(kind)
    try:
        subject, body = _render(kind, subject_source, body_source, context)
    except TemplateProblem:
        if not customised:
            raise
        subject, body = _render(kind, *DEFAULTS[kind], context)
    token = f"[#{number}]"
    subject = header_text(subject)
    if token not in subject:
        subject = f"{token} {subject}".strip()
    return header_text(subject, 250), body
