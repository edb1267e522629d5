"""REST endpoints for active-learning rounds, review, batches and the next-frame queue, and exports."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate import selectors
from annotate.api.pagination import paginate
from annotate.api.serializers import (
    INTEGER_MAX, FrameSerializer, JobSerializer, PaginationQuerySerializer, count_field, id_field,
)
from annotate.errors import NotFoundError, UserFacingError
from annotate.models import ActiveLearningRound, Batch
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


def _batch_payload(batch: Batch) -> dict:
    return {
        "id": batch.pk, "name": batch.name, "al_round": batch.al_round_id, "created_at": batch.created_at,
        "assignees": [u.username for u in batch.assignees.all()],
        "progress": review_services.batch_progress(batch),
    }


def _batch_for(user, batch_id: int, *, manager: bool = False) -> Batch:
    batch = Batch.objects.select_related("project").filter(pk=batch_id).first()
    if batch is None:
        raise NotFoundError(f"Batch {batch_id} not found.")
    selectors.project_for(user, batch.project_id, manager=manager)
    return batch


class BatchListView(APIView):
    @extend_schema(responses=inline_serializer("Batch", {"id": serializers.IntegerField()}, many=True))
    def get(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        return Response([_batch_payload(b) for b in project.batches.prefetch_related("assignees")])

    @extend_schema(request=BatchCreateSerializer, responses={201: inline_serializer("BatchOut", {"id": serializers.IntegerField()}), 409: None})
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
        return Response(_batch_payload(batch), status=status.HTTP_201_CREATED)


class BatchDetailView(APIView):
    @extend_schema(responses=inline_serializer("BatchDetail", {"id": serializers.IntegerField()}))
    def get(self, request, batch_id: int):
        batch = _batch_for(request.user, batch_id)
        items = batch.items.select_related("frame__capture", "locked_by")
        return Response({
            **_batch_payload(batch),
            "frames": [
                {"frame": item.frame_id, "index": item.frame.index, "capture": item.frame.capture_id,
                 "capture_name": item.frame.capture.name,
                 "position": item.position, "reason": item.reason, "done": item.done,
                 "review_status": item.frame.review_status,
                 "locked_by": item.locked_by.username if item.locked_by_id else None,
                 "thumbnail_url": f"/api/frames/{item.frame_id}/thumbnail/"}
                for item in items
            ],
        })

    @extend_schema(responses={204: None})
    def delete(self, request, batch_id: int):
        batch = _batch_for(request.user, batch_id, manager=True)
        review_services.delete_batch(batch=batch)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BatchAssignView(APIView):
    @extend_schema(request=AssignSerializer, responses=inline_serializer("BatchAssigned", {"id": serializers.IntegerField()}))
    def post(self, request, batch_id: int):
        batch = _batch_for(request.user, batch_id, manager=True)
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        review_services.assign_batch(batch=batch, assignees=body.validated_data["assignees"])
        return Response(_batch_payload(batch))


class BatchNextFrameView(APIView):
    @extend_schema(request=None, responses={200: FrameSerializer, 204: None})
    def post(self, request, batch_id: int):
        batch = _batch_for(request.user, batch_id)
        item = review_services.next_frame(batch=batch, user=request.user)
        if item is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response({**FrameSerializer(item.frame).data, "batch_reason": item.reason})


class ExportFormatsView(APIView):
    @extend_schema(responses=inline_serializer("ExportFormats", {
        "formats": inline_serializer(
            "ExportFormat", {"name": serializers.CharField(), "description": serializers.CharField()}, many=True),
        "frame_selections": serializers.CharField(),
    }))
    def get(self, request):
        return Response({"formats": export_services.export_format_list(),
                         "frame_selections": export_services.FRAME_SELECTIONS})


class ExportListView(APIView):
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
    method = serializers.ChoiceField(list(al_services.METHODS), default="auto")
    batch_size = serializers.IntegerField(min_value=1, max_value=INTEGER_MAX, default=10)
    from_scratch = serializers.BooleanField(default=False)
    seed = serializers.IntegerField(min_value=0, max_value=2**32 - 1, default=0)
    train_steps = serializers.IntegerField(min_value=1, max_value=10000, default=al_services.TRAIN_STEPS)


class RoundListView(APIView):
    @extend_schema(responses=inline_serializer("Round", {"id": serializers.IntegerField()}, many=True))
    def get(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        rounds = project.al_rounds.select_related("scoring_model")
        return Response([al_services.round_payload(r, limit=0) for r in rounds])

    @extend_schema(request=RoundRequestSerializer, responses={202: JobSerializer})
    def post(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id, manager=True)
        body = RoundRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = al_services.start_round(project=project, user=request.user, **body.validated_data)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class RoundDetailView(APIView):
    @extend_schema(responses=inline_serializer("RoundDetail", {"id": serializers.IntegerField()}))
    def get(self, request, round_id: int):
        al_round = ActiveLearningRound.objects.select_related("scoring_model").filter(pk=round_id).first()
        if al_round is None:
            raise NotFoundError(f"Round {round_id} not found.")
        selectors.project_for(request.user, al_round.project_id)
        return Response(al_services.round_payload(al_round))


class CocoCheckView(APIView):
    parser_classes = [MultiPartParser]
    upload_limit_setting = "RAYLABEL_MAX_REFERENCE_BYTES"  # enforced while the body streams (annotate/uploads.py)

    @extend_schema(
        request=inline_serializer("CocoCheckUpload", {"file": serializers.FileField()}),
        responses=inline_serializer("CocoCheck", {"frames": serializers.ListField(child=serializers.DictField())}),
    )
    def post(self, request, project_id: int):
        project = selectors.project_for(request.user, project_id)
        upload = request.FILES.get("file")
        if upload is None:
            raise UserFacingError("Attach a COCO instance file as 'file'.")
        return Response(reference_services.check_against_coco(project=project, data=upload.read()))
