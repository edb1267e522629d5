"""Projects, their members with roles, and their label classes."""
from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    MANAGER = "manager", "Manager"
    ANNOTATOR = "annotator", "Annotator"


class Project(models.Model):
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="projects"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="unique_project_member")
        ]
        ordering = ["project_id", "user_id"]


class LabelClass(models.Model):
    """A category. ``class_id`` is the value written into category masks (0 is background)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="label_classes")
    name = models.CharField(max_length=100)
    class_id = models.PositiveIntegerField()
    color = models.CharField(max_length=7, default="#e6194b")
    kitti_type = models.CharField(
        max_length=50, blank=True, help_text="KITTI type name written for this class (blank: DontCare)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="unique_class_name"),
            models.UniqueConstraint(fields=["project", "class_id"], name="unique_class_id"),
            models.CheckConstraint(condition=models.Q(class_id__gte=1), name="class_id_positive"),
        ]
        ordering = ["project_id", "class_id"]

    def __str__(self) -> str:
        return self.name
