"""Batches of frames assigned to annotators, and their reviews."""
from django.conf import settings
from django.db import models

from annotate.models.captures import Frame
from annotate.models.projects import Project


class ReviewDecision(models.TextChoices):
    ACCEPT = "accepted", "Accept"
    REJECT = "rejected", "Reject"
    FIX = "fixed", "Needs fix"


class Batch(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="batches")
    name = models.CharField(max_length=200)
    al_round = models.ForeignKey(
        "annotate.ActiveLearningRound", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="batches",
    )
    assignees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="batches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class BatchFrame(models.Model):
    """A frame in a batch; ``locked_by`` holds it for one annotator while they review it."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="items")
    frame = models.ForeignKey(Frame, on_delete=models.CASCADE, related_name="batch_items")
    position = models.PositiveIntegerField()
    reason = models.CharField(max_length=500, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    done = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "frame"], name="unique_batch_frame"),
        ]
        ordering = ["batch_id", "position"]


class Review(models.Model):
    frame = models.ForeignKey(Frame, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
