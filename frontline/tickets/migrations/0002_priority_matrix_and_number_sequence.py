from django.db import migrations

from frontline.tickets.numbering import FIRST_NUMBER, SEQUENCE
from frontline.tickets.priority import DEFAULT_MATRIX


def seed_matrix(apps, schema_editor):
    PriorityRule = apps.get_model("tickets", "PriorityRule")
    for (impact, urgency), priority in DEFAULT_MATRIX.items():
        PriorityRule.objects.get_or_create(
            impact=impact, urgency=urgency, defaults={"priority": priority}
        )


def create_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} START WITH {FIRST_NUMBER}")


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [
        migrations.RunPython(seed_matrix, migrations.RunPython.noop),
        migrations.RunPython(create_sequence, drop_sequence),
    ]
