"""The periodic jobs of the foundation. Other apps register theirs in their own jobs module
and import it from here."""

from frontline.automation import jobs as automation_jobs  # noqa: F401
from frontline.core.maintenance import optimize_database
from frontline.core.scheduler import every
from frontline.mail import jobs as mail_jobs  # noqa: F401
from frontline.notifications import jobs as notifications_jobs  # noqa: F401
from frontline.reports import jobs as reports_jobs  # noqa: F401
from frontline.sla import jobs as sla_jobs  # noqa: F401
from frontline.tickets.events import dispatch_events


@every(30, "dispatch-sweep")
def sweep_undispatched_events() -> None:
    """Events whose dispatch task was lost (a crashed worker, a failed enqueue) go out again."""
    dispatch_events.enqueue()


@every(3600, "optimize-database")
def optimize_database_hourly() -> None:
    optimize_database.enqueue()
