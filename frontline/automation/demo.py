"""Demo content of automation: canned responses, and the usual pending/resolved time rules
(switched off, ready for a dry run). Idempotent: what exists already is left alone.

Not yet called by ``frontline.demo.loader``; the lead adds ``load_demo_automation()`` there.
"""

from __future__ import annotations

from frontline.automation.models import CannedResponse, Rule, RuleVersion, Trigger

CANNED = [
    (
        "Acknowledge",
        "Hello {{ requester.first_name }},\n\nthank you for your request "
        "{{ ticket.reference }} “{{ ticket.title }}”. We are looking into it.\n\n"
        "{{ agent.first_name }}",
    ),
    (
        "Still need help?",
        "Hello {{ requester.first_name }},\n\nwe are waiting for your answer on "
        "{{ ticket.reference }}. Do you still need help? Just reply to this message.\n",
    ),
    (
        "Password reset instructions",
        "Hello {{ requester.first_name }},\n\nyou can reset your password yourself at "
        "{{ site_url }}/accounts/password/reset/.\n\n{{ agent.first_name }}",
    ),
]


def load_demo_automation() -> list[str]:
    """Create the demo canned responses and rules that are missing; return their names."""
    created: list[str] = []
    for title, body in CANNED:
        _, made = CannedResponse.objects.get_or_create(title=title, defaults={"body": body})
        if made:
            created.append(title)
    reminder = CannedResponse.objects.get(title="Still need help?")
    waiting = [
        {"field": "status", "op": "is", "value": "pending"},
        {"field": "pending_reason", "op": "is", "value": "requester"},
    ]
    rules = [
        (
            "Remind the requester after 3 business days",
            {"all": [*waiting, {"field": "business_days_in_status", "op": "gte", "value": 3}]},
            [{"type": "canned_reply", "canned_response": reminder.pk}],
        ),
        (
            "Resolve after 7 business days without an answer",
            {"all": [*waiting, {"field": "business_days_in_status", "op": "gte", "value": 7}]},
            [{"type": "set_field", "field": "status", "value": "resolved"}],
        ),
        (
            "Close 5 days after resolving",
            {
                "all": [
                    {"field": "status", "op": "is", "value": "resolved"},
                    {"field": "business_days_in_status", "op": "gte", "value": 5},
                ]
            },
            [{"type": "set_field", "field": "status", "value": "closed"}],
        ),
    ]
    for position, (name, conditions, actions) in enumerate(rules):
        if Rule.objects.filter(name=name).exists():
            continue
        rule = Rule.objects.create(
            name=name,
            trigger=Trigger.TIME,
            conditions=conditions,
            actions=actions,
            position=position,
            is_active=False,
        )
        RuleVersion.objects.create(
            rule=rule,
            number=1,
            name=name,
            trigger=rule.trigger,
            conditions=conditions,
            actions=actions,
            is_active=False,
        )
        created.append(name)
    return created
