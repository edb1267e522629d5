"""Jobs: every long operation is a row the UI polls (status, progress, message, error, result)."""
from django.conf import settings
from django.db import models

from annotate.models.projects import Project


class JobKind(models.TextChoices):
    INGEST = "ingest", "Ingest capture"
    TRAIN = "train", "Train radiance field"
    RENDER = "render", "Render labels"
    REFINE = "refine", "Refine mesh pose"
    AL_ROUND = "al_round", "Active-learning round"
    EXPORT = "export", "Export dataset"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(models.Model):
    """A long operation run by a Celery task.

    ``target`` names what the job works on (``"capture:12"``); at most one queued or running job
    exists per ``(kind, target)``, which is how a second start of the same job gets a 409.
    """

    kind = models.CharField(max_length=20, choices=JobKind.choices)
    target = models.CharField(max_length=200)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(default=0.0)
    message = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    artifact = models.FileField(max_length=500, blank=True)
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "target"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_job_per_target",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__gte=0.0) & models.Q(progress__lte=1.0),
                name="job_progress_in_unit_interval",
            ),
        ]
        indexes = [models.Index(fields=["project", "kind", "-created_at"])]
        ordering = ["-created_at", "-id"]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def __str__(self) -> str:
        return f"{self.kind} {self.target} ({self.status})"
