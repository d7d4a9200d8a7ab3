"""Every module that registers event subscribers is imported here, once, at start-up.

Add a line when an app gains subscribers (notifications, SLA timers, automation, webhooks,
reporting counters); nothing else needs to know.
"""

from frontline.sla import subscribers as sla_subscribers  # noqa: F401
