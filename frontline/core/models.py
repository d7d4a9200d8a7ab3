from django.db import models


class TimeStampedModel(models.Model):
    """Base for models that keep when they were made and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Counter(models.Model):
    """A named, monotonically increasing number (ticket numbers on databases without sequences)."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class ScheduledRun(models.Model):
    """One row per periodic job per period: whichever scheduler inserts it first runs the job,
    so any number of schedulers fire each job exactly once per period."""

    job = models.CharField(max_length=100)
    slot = models.BigIntegerField(help_text="The period's start, in seconds since the epoch.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="one_run_per_slot")]

    def __str__(self) -> str:
        return f"{self.job}@{self.slot}"
