"""Dataset exports: the job writes a zip; this row remembers what was asked for."""
from django.db import models

from annotate.models.jobs import Job
from annotate.models.projects import Project


class Export(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="exports")
    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="export")
    format = models.CharField(max_length=30)
    frame_selection = models.CharField(max_length=100, default="all")
    options = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
