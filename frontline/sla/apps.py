from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "frontline.sla"
    label = "sla"
    verbose_name = "SLAs"
    default_auto_field = "django.db.models.BigAutoField"
