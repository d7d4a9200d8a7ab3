"""Every module that registers event subscribers is imported here, once, at start-up.

Add a line when an app gains subscribers (notifications, SLA timers, automation, webhooks,
reporting counters); nothing else needs to know.
"""

from frontline.automation import subscribers as automation_subscribers  # noqa: F401
from frontline.knowledge import subscribers as knowledge_subscribers  # noqa: F401
from frontline.notifications import subscribers as notifications_subscribers  # noqa: F401
from frontline.reports import subscribers as reports_subscribers  # noqa: F401
from frontline.satisfaction import subscribers as satisfaction_subscribers  # noqa: F401
from frontline.search import subscribers as search_subscribers  # noqa: F401
from frontline.sla import subscribers as sla_subscribers  # noqa: F401
