"""Templates that admins and agents may edit: notification mails, canned responses.

They run in Jinja2's sandbox against plain dicts (never ORM objects, so no model method can be
reached from a template), and are checked when saved: a syntax error or a name outside the
documented context is reported with a message the editor can act on, instead of failing later
when a mail goes out. Rendering never raises on a missing value; it renders as empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jinja2 import ChainableUndefined, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment

_TEXT = SandboxedEnvironment(
    autoescape=False, undefined=ChainableUndefined, keep_trailing_newline=True
)
_HTML = SandboxedEnvironment(
    autoescape=True, undefined=ChainableUndefined, keep_trailing_newline=True
)


class TemplateProblem(ValueError):
    """A template that cannot be used; ``str(problem)`` is the message for the editor."""


def template_problems(source: str, *, allowed_names: Iterable[str]) -> list[str]:
    """Messages describing what is wrong with ``source`` (empty when it is usable)."""
    try:
        parsed = _TEXT.parse(source)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" on line {line}" if line else ""
        return [f"Template syntax error{where}: {exc.message or exc}"]
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(allowed_names))
    if unknown:
        names = ", ".join(unknown)
        known = ", ".join(sorted(allowed_names))
        return [f"Unknown placeholder(s): {names}. Available: {known}."]
    return []


def render_safe(source: str, context: Mapping[str, Any], *, html: bool = False) -> str:
    """Render ``source`` in the sandbox; values are escaped when ``html`` is true.

    Raises TemplateProblem when the template cannot be rendered (a syntax error, or a sandbox
    violation such as reaching for an attribute that is not data).
    """
    env = _HTML if html else _TEXT
    try:
        return env.from_string(source).render(**dict(context))
    except TemplateError as exc:
        raise TemplateProblem(str(exc)) from exc
