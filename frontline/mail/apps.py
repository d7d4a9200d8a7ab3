from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "frontline.mail"
    label = "mail"
    verbose_name = "Mail"

    def ready(self) -> None:
        # every process that saves a Mailbox must tell the others' address caches
        from frontline.mail import refs  # noqa: F401
