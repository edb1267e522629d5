"""Every request body, query and response of the API: its one source, which /api/schema/ publishes.

Rows are shaped here; where a service already shapes an answer (a scene object, an active-learning round),
its serializer declares that shape and passes the service's dict through it. No business logic here.
"""
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotate.models import (
    Batch, BatchFrame, Capture, FieldModel, Frame, FrameLabel, Job, JobKind, LabelClass, Membership, Project,
    ScoringModelKind,
)
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
    units = serializers.ChoiceField(
        choices=["metric", "arbitrary"], read_only=True,
        help_text="arbitrary: posed by structure-from-motion and no scale set yet (KITTI and BOP exports refuse it).",
    )

    class Meta:
        model = Capture
        fields = [
            "id", "project", "name", "status", "error", "source_format", "metadata", "units", "frame_count",
            "created_at",
        ]
        read_only_fields = fields


class CaptureUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A zip holding transforms.json (or a COLMAP model) and the images, a zip of photos alone, or a "
        "video (.mp4, .mov, .m4v, .webm, .mkv); photos alone and videos are posed by structure-from-motion."
    )
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


class ErrorSerializer(serializers.Serializer):
    """The one error body of every 4xx and 5xx answer (built in ``annotate/api/errors.py``)."""

    error = serializers.CharField(help_text="What is wrong, in a sentence for a person.")
    detail = serializers.JSONField(
        required=False, help_text="DRF's own error structure (e.g. the messages per body field), when it has one.")
    current = serializers.DictField(
        required=False,
        help_text="409 only: what stands in the way, as {job}, {object}, {lock} or {batch}.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    projects = serializers.DictField(child=serializers.CharField(), help_text="Your role per project id.")


class CaptureUploadResponseSerializer(serializers.Serializer):
    capture = CaptureSerializer()
    job = JobSerializer(help_text="The ingest job.")


class PresetSerializer(serializers.Serializer):
    backend = serializers.CharField()
    queue = serializers.CharField(help_text="The Celery queue whose workers train the preset: cpu or gpu.")
    description = serializers.CharField()


class NerfBackendsSerializer(serializers.Serializer):
    default = serializers.CharField(help_text="The preset a training request without one gets.")
    presets = serializers.DictField(child=PresetSerializer(), help_text="Every preset by name.")


class FieldModelSerializer(serializers.ModelSerializer):
    preview_url = serializers.SerializerMethodField()
    cameras_url = serializers.SerializerMethodField()

    class Meta:
        model = FieldModel
        fields = [
            "id", "backend", "preset", "metrics", "quality", "verdict", "created_at", "job", "preview_url",
            "cameras_url",
        ]
        read_only_fields = fields

    def get_preview_url(self, field_model) -> str:
        return reverse("api:field-preview", args=[field_model.pk])

    def get_cameras_url(self, field_model) -> str:
        return reverse("api:field-cameras", args=[field_model.pk])


class SceneObjectSerializer(serializers.Serializer):
    """A scene object in the capture's world frame (metres, +Z up), as ``services.scene_objects.object_payload``
    shapes it (the objects file and a 409's ``current.object`` show the same)."""

    id = serializers.IntegerField()
    instance_id = serializers.IntegerField(help_text="Stable per object across every frame; 0 is background.")
    kind = serializers.ChoiceField(["box", "mesh"])
    label_class = serializers.IntegerField()
    class_name = serializers.CharField()
    center = serializers.ListField(child=serializers.FloatField(), min_length=3, max_length=3)
    size = serializers.ListField(child=serializers.FloatField(), min_length=3, max_length=3)
    rotation = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()), help_text="3x3, row-major.")
    mesh_url = serializers.CharField(allow_null=True)
    fit = serializers.DictField(help_text="The last pose refinement's residuals; {} before any.")
    version = serializers.IntegerField(help_text="Name it in every edit; an older one is a 409.")
    updated_by = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, obj):
        from annotate.services.scene_objects import object_payload

        return super().to_representation(object_payload(obj))


class LabeledObjectSerializer(serializers.Serializer):
    """One object's labels in one frame (camera frame: OpenGL axes, metres)."""

    instance_id = serializers.IntegerField()
    class_id = serializers.IntegerField()
    class_name = serializers.CharField()
    confidence = serializers.FloatField(allow_null=True, help_text="Mean label confidence of its visible pixels.")
    modal_box = serializers.ListField(child=serializers.FloatField(), allow_null=True, help_text="Visible part, xyxy px.")
    amodal_box = serializers.ListField(child=serializers.FloatField(), allow_null=True, help_text="Whole object, xyxy px.")
    visible_pixels = serializers.IntegerField()
    visible_fraction = serializers.FloatField()
    truncation = serializers.FloatField()
    box_center_camera = serializers.ListField(child=serializers.FloatField())
    box_size = serializers.ListField(child=serializers.FloatField())
    object_to_camera = serializers.ListField(child=serializers.ListField(child=serializers.FloatField()))


class FrameLabelsSerializer(serializers.ModelSerializer):
    objects = LabeledObjectSerializer(source="objects_summary", many=True)
    stale = serializers.SerializerMethodField(help_text="Objects changed since the labels were rendered.")

    class Meta:
        model = FrameLabel
        fields = ["frame", "objects", "rendered_at", "field_model", "field_verdict", "stale"]
        read_only_fields = fields

    def get_stale(self, row) -> bool:
        return self.context["stale"]


class NextFrameSerializer(FrameSerializer):
    batch_reason = serializers.SerializerMethodField(help_text="Why the batch holds this frame.")

    class Meta(FrameSerializer.Meta):
        fields = [*FrameSerializer.Meta.fields, "batch_reason"]
        read_only_fields = fields

    def get_batch_reason(self, frame) -> str:
        return self.context["batch_reason"]


class AnnotatorProgressSerializer(serializers.Serializer):
    reviewed = serializers.IntegerField(help_text="Frames of the batch they reviewed since it was made.")
    holding = serializers.IntegerField(help_text="Frames of the batch locked to them, not yet reviewed.")


class BatchProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    by_annotator = serializers.DictField(child=AnnotatorProgressSerializer())


class BatchSerializer(serializers.ModelSerializer):
    assignees = serializers.SlugRelatedField("username", many=True, read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = ["id", "name", "al_round", "created_at", "assignees", "progress"]
        read_only_fields = fields

    @extend_schema_field(BatchProgressSerializer)
    def get_progress(self, batch) -> dict:
        from annotate.services.review import batch_progress

        return BatchProgressSerializer(batch_progress(batch)).data


class BatchFrameSerializer(serializers.ModelSerializer):
    frame = serializers.IntegerField(source="frame_id")
    index = serializers.IntegerField(source="frame.index")
    capture = serializers.IntegerField(source="frame.capture_id")
    capture_name = serializers.CharField(source="frame.capture.name")
    review_status = serializers.CharField(source="frame.review_status")
    locked_by = serializers.CharField(source="locked_by.username", allow_null=True, default=None)
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = BatchFrame
        fields = [
            "frame", "index", "capture", "capture_name", "position", "reason", "done", "review_status",
            "locked_by", "thumbnail_url",
        ]
        read_only_fields = fields

    def get_thumbnail_url(self, item) -> str:
        return reverse("api:frame-thumbnail", args=[item.frame_id])


class BatchDetailSerializer(BatchSerializer):
    frames = serializers.SerializerMethodField()

    class Meta(BatchSerializer.Meta):
        fields = [*BatchSerializer.Meta.fields, "frames"]
        read_only_fields = fields

    @extend_schema_field(BatchFrameSerializer(many=True))
    def get_frames(self, batch) -> list:
        items = batch.items.select_related("frame__capture", "locked_by")
        return BatchFrameSerializer(items, many=True).data


class RoundPickSerializer(serializers.Serializer):
    frame = serializers.IntegerField()
    capture = serializers.IntegerField()
    capture_name = serializers.CharField()
    index = serializers.IntegerField()
    score = serializers.FloatField()
    rank = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True)
    thumbnail_url = serializers.CharField()


class RoundSerializer(serializers.Serializer):
    """An active-learning round as ``services.active_learning.round_payload`` shapes it, picks by rank."""

    id = serializers.IntegerField()
    job = serializers.IntegerField(allow_null=True)
    requested_method = serializers.CharField()
    method = serializers.CharField(allow_blank=True, help_text="The acquisition function used (auto resolves to one).")
    reason = serializers.CharField(allow_blank=True, help_text="Why that method was chosen.")
    redundancy = serializers.FloatField(allow_null=True)
    batch_size = serializers.IntegerField()
    metrics = serializers.JSONField()
    created_at = serializers.DateTimeField()
    model_version = serializers.IntegerField(allow_null=True)
    scoring_model = serializers.ChoiceField(
        choices=ScoringModelKind.choices,
        help_text="What ranked the frames: the segmentation model or the 3D detector.")
    picks = RoundPickSerializer(many=True)

    def to_representation(self, al_round):
        from annotate.services.active_learning import round_payload

        return super().to_representation(round_payload(al_round))


class ExportFormatSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField(help_text="What the format's archive holds, in one line.")


class ExportFormatsSerializer(serializers.Serializer):
    formats = ExportFormatSerializer(many=True)
    frame_selections = serializers.CharField(help_text="The values `frames` of an export request takes.")


class CocoFrameCheckSerializer(serializers.Serializer):
    frame = serializers.IntegerField()
    capture = serializers.IntegerField()
    index = serializers.IntegerField()
    file_name = serializers.CharField()
    category_iou = serializers.DictField(child=serializers.FloatField(), help_text="IoU per category name.")
    mean_iou = serializers.FloatField(allow_null=True)


class CocoCheckSerializer(serializers.Serializer):
    frames = CocoFrameCheckSerializer(many=True, help_text="Matched frames, worst mean IoU first.")
    unmatched_images = serializers.ListField(child=serializers.CharField())
    frames_without_labels = serializers.ListField(child=serializers.IntegerField(), help_text="Frame ids.")
    unknown_categories = serializers.ListField(child=serializers.CharField())


class RoundMethodSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    needs_trained_model = serializers.BooleanField(help_text="It ranks by a scoring model trained on accepted frames.")
    scoring_models = serializers.ListField(
        child=serializers.CharField(),
        help_text="The scoring models it can rank frames with: values of a round's scoring_model.")


class AcquisitionFunctionsSerializer(serializers.Serializer):
    default = serializers.CharField(help_text="The method a round without one uses.")
    methods = RoundMethodSerializer(many=True, help_text="auto, then every registered acquisition function.")
