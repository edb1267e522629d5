"""The reconstructed scene: trained fields, placed objects, per-frame renders and labels."""
from django.conf import settings
from django.db import models

from annotate.models.captures import Capture, Frame
from annotate.models.jobs import Job
from annotate.models.projects import LabelClass


class FieldModel(models.Model):
    """A trained radiance field of a capture; the newest succeeded one is what labels use."""

    capture = models.ForeignKey(Capture, on_delete=models.CASCADE, related_name="field_models")
    job = models.OneToOneField(Job, null=True, on_delete=models.SET_NULL, related_name="field_model")
    backend = models.CharField(max_length=50)
    preset = models.CharField(max_length=50)
    checkpoint = models.FileField(max_length=500, blank=True)
    preview = models.FileField(max_length=500, blank=True, help_text="Point cloud (PLY).")
    cameras = models.FileField(max_length=500, blank=True, help_text="Camera frustums (JSON).")
    metrics = models.JSONField(default=dict, blank=True)
    quality = models.JSONField(
        default=dict, blank=True,
        help_text="nerf_labeling.fields.quality.FieldQuality.as_dict(): measures per frame and overall.",
    )
    verdict = models.CharField(
        max_length=10, blank=True, default="",
        help_text="good / usable / poor by the documented thresholds; empty: never assessed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class SceneObjectKind(models.TextChoices):
    BOX = "box", "3D box"
    MESH = "mesh", "Mesh"


class SceneObject(models.Model):
    """An object placed once in the capture's world frame (metres).

    ``object_to_world`` is a rigid 4x4 list (box centre and rotation, or the mesh pose); ``size`` the
    extents along the object's own axes. ``version`` rises on every change: an update that names an
    older version is a conflict, never a silent overwrite.
    """

    capture = models.ForeignKey(Capture, on_delete=models.CASCADE, related_name="scene_objects")
    label_class = models.ForeignKey(LabelClass, on_delete=models.PROTECT, related_name="scene_objects")
    instance_id = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=SceneObjectKind.choices)
    object_to_world = models.JSONField()
    size = models.JSONField()
    mesh_file = models.FileField(max_length=500, blank=True)
    fit = models.JSONField(default=dict, blank=True, help_text="Pose refinement residuals.")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["capture", "instance_id"], name="unique_instance_id"),
            models.CheckConstraint(condition=models.Q(instance_id__gte=1), name="instance_id_positive"),
        ]
        ordering = ["capture_id", "instance_id"]


class FrameRender(models.Model):
    """The field seen from one frame (z-depth, opacity, depth spread), cached for label rendering."""

    frame = models.ForeignKey(Frame, on_delete=models.CASCADE, related_name="renders")
    field_model = models.ForeignKey(FieldModel, on_delete=models.CASCADE, related_name="renders")
    data = models.FileField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["frame", "field_model"], name="unique_frame_render")
        ]


class FrameLabel(models.Model):
    """Rendered labels of one frame (``nerf_labeling.labels.records.FrameLabels`` as ``.npz``).

    ``object_versions`` maps instance id to the object version it was rendered from, so a change
    re-renders only what it touches.
    """

    frame = models.OneToOneField(Frame, on_delete=models.CASCADE, related_name="labels")
    field_model = models.ForeignKey(FieldModel, null=True, on_delete=models.SET_NULL, related_name="+")
    field_verdict = models.CharField(
        max_length=10, blank=True, default="",
        help_text="The verdict of the field the labels were rendered from, as it was then (empty: not assessed).",
    )
    data = models.FileField(max_length=500)
    objects_summary = models.JSONField(default=list, blank=True)
    object_versions = models.JSONField(default=dict, blank=True)
    confidence = models.FloatField(
        null=True, blank=True, db_index=True,
        help_text="Lowest mean label confidence over the frame's visible objects (null: none visible).",
    )
    rendered_at = models.DateTimeField(auto_now=True)
