"""REST endpoints for active-learning rounds, review, batches and the next-frame queue, and exports."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate import selectors
from annotate.api import serializers as s
from annotate.api.pagination import ListView, paginate
from annotate.api.serializers import (
    INTEGER_MAX, FrameSerializer, JobSerializer, PaginationQuerySerializer, count_field, id_field,
)
from annotate.errors import NotFoundError, UserFacingError
from annotate.models import ActiveLearningRound, Batch, ScoringModelKind
from annotate.services import active_learning as al_services
from annotate.services import exports as export_services
from annotate.services import references as reference_services
from annotate.services import review as review_services


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(["accepted", "rejected", "fixed"])
    note = serializers.CharField(required=False, allow_blank=True, default="")


class BatchCreateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, default="")
    frames = serializers.ListField(child=id_field(), required=False)
    al_round = id_field(required=False)
    size = count_field(required=False)
    assignees = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class AssignSerializer(serializers.Serializer):
    assignees = serializers.ListField(child=serializers.CharField())


class ExportOptionsSerializer(serializers.Serializer):
    """The options of an export; the format checks their values (a KITTI type is one word, ...)."""

    coco_masks = serializers.CharField(required=False, help_text="How COCO writes masks: rle or polygon.")
    include_depth = serializers.BooleanField(required=False)
    kitti_types = serializers.DictField(
        child=serializers.CharField(max_length=50), required=False,
        help_text="KITTI type per class name, e.g. {\"mug\": \"Misc\"}.",
    )
    name = serializers.CharField(required=False, max_length=200)

    def to_internal_value(self, data):
        if isinstance(data, dict) and (unknown := sorted(set(data) - set(self.fields))):
            raise serializers.ValidationError(f"unknown export options {unknown}; known options: {sorted(self.fields)}")
        return super().to_internal_value(data)


class CocoCheckUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A COCO instance file (JSON) whose masks are the 2D references.")


class ExportRequestSerializer(serializers.Serializer):
    format = serializers.CharField()
    frames = serializers.CharField(required=False, default="all")
    options = ExportOptionsSerializer(required=False, default=dict)


class FrameReviewView(APIView):
    @extend_schema(request=ReviewSerializer, responses=FrameSerializer)
    def post(self, request, frame_id: int):
        frame = selectors.frame_for(request.user, frame_id)
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review_services.review_frame(frame=frame, user=request.user, **body.validated_data)
        frame.refresh_from_db()
        return Response(FrameSerializer(frame).data)


def _batch_for(user, batch_id: int, *, manager: bool = False) -> Batch:
    batch = Batch.objects.select_related("project").filter(pk=batch_id).first()
    if batch is None:
        raise NotFoundError(f"Batch {batch_id} not found.")
    selectors.project_for(user, batch.project_id, manager=manager)
    return batch


class BatchListView(ListView):
    @extend_schema(parameters=[PaginationQuerySerializer], responses=s.BatchSerializer(many=True))
    def get(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        return paginate(request, project.batches.prefetch_related("assignees"), s.BatchSerializer)

    @extend_schema(request=BatchCreateSerializer, responses={201: s.BatchSerializer})
    def post(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id, manager=True)
        body = BatchCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        al_round = None
        if data.get("al_round") is not None:
            al_round = project.al_rounds.filter(pk=data["al_round"]).first()
            if al_round is None:
                raise NotFoundError(f"Round {data['al_round']} is not a round of this project.")
        batch = review_services.create_batch(
            project=project, user=request.user, name=data["name"], frame_ids=data.get("frames"),
            al_round=al_round, size=data.get("size"), assignees=data["assignees"],
        )
        return Response(s.BatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class BatchDetailView(APIView):
    @extend_schema(responses=s.BatchDetailSerializer)
    def get(self, request, batch_id: int):
        return Response(s.BatchDetailSerializer(_batch_for(request.user, batch_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, batch_id: int):
        batch = _batch_for(request.user, batch_id, manager=True)
        review_services.delete_batch(batch=batch)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BatchAssignView(APIView):
    @extend_schema(request=AssignSerializer, responses=s.BatchSerializer)
    def post(self, request, batch_id: int):
        batch = _batch_for(request.user, batch_id, manager=True)
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review_services.assign_batch(batch=batch, assignees=body.validated_data["assignees"])
        return Response(s.BatchSerializer(batch).data)


class BatchNextFrameView(APIView):
    @extend_schema(request=None, responses={200: s.NextFrameSerializer, 204: None})
    def post(self, request, batch_id: int):
        batch = _batch_for(request.user, batch_id)
        item = review_services.next_frame(batch=batch, user=request.user)
        if item is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(s.NextFrameSerializer(item.frame, context={"batch_reason": item.reason}).data)


class ExportFormatsView(APIView):
    @extend_schema(responses=s.ExportFormatsSerializer)
    def get(self, request):
        return Response(s.ExportFormatsSerializer({"formats": export_services.export_format_list(),
                                                   "frame_selections": export_services.FRAME_SELECTIONS}).data)


class ExportListView(ListView):
    @extend_schema(parameters=[PaginationQuerySerializer], responses=JobSerializer(many=True))
    def get(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        jobs = project.jobs.filter(kind="export").select_related("created_by", "export")
        return paginate(request, jobs, JobSerializer)

    @extend_schema(request=ExportRequestSerializer, responses={202: JobSerializer})
    def post(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        body = ExportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        job = export_services.start_export(
            project=project, user=request.user, format_name=data["format"], selection=data["frames"],
            options=data["options"],
        )
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class RoundRequestSerializer(serializers.Serializer):
    method = serializers.CharField(
        default=al_services.AUTO, max_length=64,
        help_text="auto, or an acquisition function's name (GET /api/acquisition-functions/).")
    batch_size = serializers.IntegerField(min_value=1, max_value=INTEGER_MAX, default=10)
    from_scratch = serializers.BooleanField(default=False)
    seed = serializers.IntegerField(min_value=0, max_value=2**32 - 1, default=0)
    train_steps = serializers.IntegerField(min_value=1, max_value=10000, default=al_services.TRAIN_STEPS)
    semi_supervised = serializers.BooleanField(
        allow_null=True, default=None,
        help_text="Also train the scoring model on the unlabelled frames; null: as the policy (auto) or the "
                  "method suggests.")
    scoring_model = serializers.ChoiceField(
        choices=ScoringModelKind.choices, default=al_services.SEGMENTATION,
        error_messages={"invalid_choice": "{input} is not a scoring model; choose one of "
                                          f"{', '.join(al_services.SCORING_MODELS)}."},
        help_text="What ranks the frames: the small segmentation model, or a 3D box detector (PointPillars) on "
                  "each frame's point cloud from the field's depth (needs rendered labels). Each method says "
                  "which it works with (GET /api/acquisition-functions/).")
    detector_size = serializers.ChoiceField(
        choices=list(al_services.DETECTOR_SIZES), default="small",
        error_messages={"invalid_choice": "{input} is not a detector size; choose one of "
                                          f"{', '.join(al_services.DETECTOR_SIZES)}."},
        help_text="The 3D detector's size (detection3d rounds): small trains fast on a CPU worker, base suits a "
                  "GPU worker and large projects.")


class RoundListView(ListView):
    @extend_schema(parameters=[PaginationQuerySerializer], responses=s.RoundSerializer(many=True))
    def get(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        return paginate(request, project.al_rounds.select_related("scoring_model"), s.RoundSerializer)

    @extend_schema(request=RoundRequestSerializer, responses={202: JobSerializer})
    def post(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id, manager=True)
        body = RoundRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = al_services.start_round(project=project, user=request.user, **body.validated_data)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class RoundDetailView(APIView):
    @extend_schema(responses=s.RoundSerializer)
    def get(self, request, round_id: int):
        al_round = ActiveLearningRound.objects.select_related("scoring_model").filter(pk=round_id).first()
        if al_round is None:
            raise NotFoundError(f"Round {round_id} not found.")
        selectors.project_for(request.user, al_round.project_id)
        return Response(s.RoundSerializer(al_round).data)


class CocoCheckView(APIView):
    parser_classes = [MultiPartParser]
    upload_limit_setting = "RAYLABEL_MAX_REFERENCE_BYTES"  # enforced while the body streams (annotate/uploads.py)

    @extend_schema(request=CocoCheckUploadSerializer, responses=s.CocoCheckSerializer)
    def post(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        upload = request.FILES.get("file")
        if upload is None:
            raise UserFacingError("Attach a COCO instance file as 'file'.")
        return Response(s.CocoCheckSerializer(reference_services.check_against_coco(project=project, data=upload.read())).data)
