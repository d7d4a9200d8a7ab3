from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "frontline.tickets"
    label = "tickets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the signal that tells every process its cached categories are old.
        from frontline.tickets import refs  # noqa: F401
