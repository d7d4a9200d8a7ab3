from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "frontline.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Subscribers register themselves on import; importing here makes the registry
        # complete in every process (web, worker, scheduler, tests) before an event is handed on.
        from frontline.core import jobs, subscribers  # noqa: F401
