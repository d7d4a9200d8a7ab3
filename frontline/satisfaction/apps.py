from django.apps import AppConfig


class SatisfactionConfig(AppConfig):
    name = "frontline.satisfaction"
    label = "satisfaction"
    verbose_name = "Satisfaction surveys"
    default_auto_field = "django.db.models.BigAutoField"
