"""The shipped wording of every notification, used whenever an admin has not saved their own
(NotificationTemplate). Sandboxed Jinja2 text; the placeholders are listed in
``context.placeholders()`` and docs/notifications.md. The subject gets the ticket token
``[#number]`` in front automatically. What a context provider adds (the rating links of the
"resolved" mail) comes with the provider's own section, below these texts."""

from __future__ import annotations

from frontline.notifications.models import NotificationKind as K

DEFAULTS: dict[str, tuple[str, str]] = {
    K.RECEIVED: (
        "{{ ticket.title }}",
        """Hello {{ recipient.first_name }},

we have received your request and given it the number {{ ticket.reference }}:
"{{ ticket.title }}"

We will get back to you as soon as we can. You can follow it and add to it here:
{{ link }}

To add information, reply to this email and keep {{ ticket.reference }} in the subject.
""",
    ),
    K.REPLY: (
        "{{ ticket.title }}",
        """{{ message }}

--
{{ author.name }}
{{ ticket.reference }} "{{ ticket.title }}" · status: {{ status }}
{{ link }}

Reply to this email to answer.
""",
    ),
    K.STATUS: (
        "{{ ticket.title }} · {{ status }}",
        """Hello {{ recipient.first_name }},

{{ ticket.reference }} "{{ ticket.title }}" is now: {{ status }}.

{{ link }}
""",
    ),
    K.RESOLVED: (
        "{{ ticket.title }} · resolved",
        """Hello {{ recipient.first_name }},

{{ ticket.reference }} "{{ ticket.title }}" has been resolved.

Is it solved for you? Open the request and choose "This is solved" to confirm,
or "Still a problem" to reopen it:
{{ link }}

If we hear nothing, the request will be closed after a while.
""",
    ),
    K.SURVEY: (
        "How did we do? {{ ticket.title }}",
        """Hello {{ recipient.first_name }},

Your request {{ ticket.reference }} "{{ ticket.title }}" has been resolved.
How satisfied are you with the help you got? One click on a score is enough:
{% for link in survey.links %}
  {{ link.rating }} - {{ link.label }}: {{ link.url }}{% endfor %}

You can add a comment on the page that opens,
and change your answer for {{ survey.change_days }} days.
This link works until {{ survey.expires }}.

Thank you,
The support team
""",
    ),
    K.NEW_TICKET: (
        "New ticket: {{ ticket.title }}",
        """A new ticket arrived for {{ ticket.team }}.

{{ ticket.reference }} "{{ ticket.title }}"
From: {{ requester.name }} <{{ requester.email }}>
{%- if ticket.organization %} ({{ ticket.organization }}){% endif %}
Priority: {{ ticket.priority }} · Type: {{ ticket.type }}
{%- if ticket.category %} · Category: {{ ticket.category }}{% endif %}

{{ message }}

{{ link }}
""",
    ),
    K.ASSIGNED: (
        "Assigned to you: {{ ticket.title }}",
        """{{ ticket.reference }} "{{ ticket.title }}" is now assigned to you
{%- if author.name %} by {{ author.name }}{% endif %}.

From: {{ requester.name }} · Priority: {{ ticket.priority }} · Status: {{ status }}

{{ link }}
""",
    ),
    K.LOW_RATING: (
        "Low rating ({{ rating.score }}/5): {{ ticket.title }}",
        """{{ requester.name }} rated {{ ticket.reference }} "{{ ticket.title }}"
{{ rating.score }}/5 ({{ rating.label }}).
{% if rating.comment %}
Their comment:
{{ rating.comment }}
{% endif %}
Team: {{ ticket.team }}   Assignee: {{ ticket.assignee or "nobody" }}
Open the ticket: {{ link }}
""",
    ),
    K.REQUESTER_REPLIED: (
        "{{ ticket.title }} · reply from {{ author.name }}",
        """{{ author.name }} replied on {{ ticket.reference }} "{{ ticket.title }}":

{{ message }}

Status: {{ status }}
{{ link }}
""",
    ),
}
