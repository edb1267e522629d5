"""Representations of rows for the API; validation of request bodies. No business logic here."""
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotate.models import Capture, Frame, Job, JobKind, LabelClass, Membership, Project
from annotate.models.captures import ReviewStatus

INTEGER_MAX = 2**31 - 1  # PostgreSQL ``integer``: counts, sizes, versions
ID_MAX = 2**63 - 1  # PostgreSQL ``bigint``: row ids
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"


def id_field(**kwargs) -> serializers.IntegerField:
    """A row id: a larger number is refused here rather than overflowing the database's bigint."""
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


def count_field(**kwargs) -> serializers.IntegerField:
    """A count or size stored in (or compared with) an ``integer`` column."""
    return serializers.IntegerField(min_value=1, max_value=INTEGER_MAX, **kwargs)


def validated_query(serializer_class, request) -> dict:
    """The request's query parameters as ``serializer_class`` validates them (a 400 naming the bad one)."""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


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
    color = serializers.RegexField(
        COLOR_PATTERN, required=False, help_text="Display colour as #rrggbb.",
        error_messages={"invalid": "A color is # and six hex digits (#rrggbb)."},
    )

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


class LatestReviewSerializer(serializers.Serializer):
    decision = serializers.CharField()
    note = serializers.CharField()
    reviewer = serializers.CharField(source="reviewer.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()


class FrameSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    labels_url = serializers.SerializerMethodField()
    confidence = serializers.SerializerMethodField()
    latest_review = serializers.SerializerMethodField()

    class Meta:
        model = Frame
        fields = [
            "id", "capture", "index", "file_name", "width", "height", "fx", "fy", "cx", "cy",
            "distortion", "camera_to_world", "review_status", "image_url", "thumbnail_url", "labels_url", "confidence",
            "latest_review",
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

    @extend_schema_field(LatestReviewSerializer(allow_null=True))
    def get_latest_review(self, frame) -> dict | None:
        """The last decision on the frame with its note, so a reviewer reopening it sees why it was rejected.

        Lists prefetch ``reviews`` (newest first, see Review.Meta.ordering); a single frame asks for its newest.
        """
        prefetched = getattr(frame, "_prefetched_objects_cache", {}).get("reviews")
        if prefetched is not None:
            review = next(iter(prefetched), None)
        else:
            review = frame.reviews.select_related("reviewer").first()
        return LatestReviewSerializer(review).data if review is not None else None


class PaginationQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, help_text="Rows per page (at most 1000 are returned)."
    )
    offset = serializers.IntegerField(required=False, min_value=0, max_value=ID_MAX, help_text="Rows to skip.")


class FrameListQuerySerializer(serializers.Serializer):
    review_status = serializers.ChoiceField(ReviewStatus.choices, required=False, error_messages={
        "invalid_choice": f"{{input!r}} is not a review status; choose one of {', '.join(ReviewStatus.values)}."})
    batch = id_field(required=False, help_text="Only frames of this batch.")
    max_confidence = serializers.FloatField(required=False, help_text="Only frames whose label confidence is below this.")


class JobListQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(JobKind.choices, required=False, error_messages={
        "invalid_choice": f"{{input!r}} is not a job kind; choose one of {', '.join(JobKind.values)}."})


class ObjectDeleteQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=INTEGER_MAX, help_text="The version you are deleting; an older one is a 409."
    )
