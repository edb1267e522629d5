"""Captures (one multi-view recording of a scene) and their frames."""
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models

from annotate.models.projects import Project
from annotate.storage import capture_upload_key


class CaptureStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    INGESTING = "ingesting", "Ingesting"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    FIXED = "fixed", "Needs fix"


def capture_archive_path(capture: "Capture", filename: str) -> str:
    """The archive's key from the capture's ids; of the uploaded name only the suffix is kept."""
    return capture_upload_key(
        project_id=capture.project_id, capture_id=capture.pk, suffix=PurePosixPath(filename).suffix.lower()
    )


class Capture(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="captures")
    name = models.CharField(max_length=200)
    status = models.CharField(
        max_length=20, choices=CaptureStatus.choices, default=CaptureStatus.UPLOADED
    )
    error = models.TextField(blank=True)
    archive = models.FileField(upload_to=capture_archive_path, max_length=500, blank=True)
    source_format = models.CharField(max_length=50, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def units(self) -> str:
        """``"metric"``, or ``"arbitrary"`` for a capture posed by structure-from-motion until its scale is set."""
        return (self.metadata or {}).get("units", "metric")


class Frame(models.Model):
    """One image of a capture with its calibration.

    ``camera_to_world`` is a 4x4 list, OpenGL camera axes (see ``nerf_labeling.cameras``);
    ``distortion`` holds OpenCV ``(k1, k2, p1, p2, k3, k4)``.
    """

    capture = models.ForeignKey(Capture, on_delete=models.CASCADE, related_name="frames")
    index = models.PositiveIntegerField(help_text="Order of the frame in its sequence.")
    file_name = models.CharField(max_length=500, help_text="Path of the image inside the capture.")
    image = models.FileField(max_length=500)
    thumbnail = models.FileField(max_length=500)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    fx = models.FloatField()
    fy = models.FloatField()
    cx = models.FloatField()
    cy = models.FloatField()
    distortion = models.JSONField(default=list, blank=True)
    camera_to_world = models.JSONField()
    review_status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["capture", "index"], name="unique_frame_index"),
        ]
        ordering = ["capture_id", "index"]

    def __str__(self) -> str:
        return f"{self.capture_id}:{self.index}"
