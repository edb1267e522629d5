"""Representations of rows for the API; validation of request bodies. No business logic here."""
from django.urls import reverse
from rest_framework import serializers

from annotate.models import Capture, Frame, Job, LabelClass, Membership, Project


class ProjectSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()
    capture_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Project
        fields = ["id", "name", "description", "created_at", "role", "capture_count"]
        read_only_fields = ["id", "created_at", "role", "capture_count"]

    def get_role(self, project) -> str | None:
        roles = self.context.get("roles", {})
        return roles.get(project.pk)


class ProjectCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")

    class Meta:
        model = Membership
        fields = ["username", "role", "joined_at"]
        read_only_fields = ["joined_at"]


class LabelClassSerializer(serializers.ModelSerializer):
    class Meta:
        model = LabelClass
        fields = ["id", "name", "class_id", "color", "kitti_type"]
        read_only_fields = ["id", "class_id"]


class JobSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None, read_only=True)
    artifact_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id", "kind", "target", "project", "status", "progress", "message", "error", "params",
            "result", "artifact_url", "cancel_requested", "attempts", "created_by", "created_at",
            "started_at", "heartbeat_at", "finished_at",
        ]
        read_only_fields = fields

    def get_artifact_url(self, job) -> str | None:
        return reverse("api:job-download", args=[job.pk]) if job.artifact else None


class CaptureSerializer(serializers.ModelSerializer):
    frame_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Capture
        fields = [
            "id", "project", "name", "status", "error", "source_format", "metadata", "frame_count",
            "created_at",
        ]
        read_only_fields = fields


class CaptureUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A zip holding transforms.json (or a COLMAP model) and the images.")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class FrameSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    labels_url = serializers.SerializerMethodField()
    confidence = serializers.SerializerMethodField()

    class Meta:
        model = Frame
        fields = [
            "id", "capture", "index", "file_name", "width", "height", "fx", "fy", "cx", "cy",
            "distortion", "camera_to_world", "review_status", "image_url", "thumbnail_url", "labels_url", "confidence",
        ]
        read_only_fields = fields

    def get_image_url(self, frame) -> str:
        return reverse("api:frame-image", args=[frame.pk])

    def get_thumbnail_url(self, frame) -> str:
        return reverse("api:frame-thumbnail", args=[frame.pk])

    def get_confidence(self, frame) -> float | None:
        labels = getattr(frame, "labels", None)
        return labels.confidence if labels is not None else None

    def get_labels_url(self, frame) -> str:
        return reverse("api:frame-labels", args=[frame.pk])
