"""Active learning: scoring models, rounds, and per-frame scores with the reason for each pick."""
from django.db import models

from annotate.models.captures import Frame
from annotate.models.jobs import Job
from annotate.models.projects import Project


class ScoringModelKind(models.TextChoices):
    """What a round ranks frames with: the small segmentation model, or a 3D box detector (PointPillars)."""

    SEGMENTATION = "segmentation", "Segmentation"
    DETECTION3D = "detection3d", "3D detection"


class ScoringModel(models.Model):
    """A model trained on accepted labels (a segmentation model or a 3D detector, its ``kind``);
    ``version`` rises with every fit, separately for each kind."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="scoring_models")
    kind = models.CharField(max_length=20, choices=ScoringModelKind.choices, default=ScoringModelKind.SEGMENTATION)
    version = models.PositiveIntegerField()
    weights = models.FileField(max_length=500)
    metrics = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "version"], name="unique_model_kind_version")
        ]
        ordering = ["project_id", "kind", "-version"]


class ActiveLearningRound(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="al_rounds")
    job = models.OneToOneField(Job, null=True, on_delete=models.SET_NULL, related_name="al_round")
    requested_method = models.CharField(max_length=20)
    method = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    redundancy = models.FloatField(null=True, blank=True)
    batch_size = models.PositiveIntegerField()
    scoring_model_kind = models.CharField(
        max_length=20, choices=ScoringModelKind.choices, default=ScoringModelKind.SEGMENTATION,
        help_text="What ranked the frames, kept when the model row is gone or the round trained none.")
    scoring_model = models.ForeignKey(
        ScoringModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="rounds"
    )
    metrics = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class FrameScore(models.Model):
    al_round = models.ForeignKey(ActiveLearningRound, on_delete=models.CASCADE, related_name="scores")
    frame = models.ForeignKey(Frame, on_delete=models.CASCADE, related_name="scores")
    score = models.FloatField()
    rank = models.PositiveIntegerField(null=True, blank=True, help_text="1 = first pick; null = not picked.")
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["al_round", "frame"], name="unique_round_frame")
        ]
        ordering = ["al_round_id", "rank", "-score"]
