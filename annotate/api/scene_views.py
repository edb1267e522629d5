"""REST endpoints for the reconstructed scene: training, fields and previews, objects, labels, overlays."""
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate import selectors
from annotate.api import serializers as s
from annotate.api.serializers import INTEGER_MAX, JobSerializer, ObjectDeleteQuerySerializer, id_field, validated_query
from annotate.api.files import file_response
from annotate.api.pagination import ListView, paginate
from annotate.errors import NotFoundError, UserFacingError
from annotate.models import FieldModel, SceneObject
from annotate.overlays import OVERLAY_LAYERS, class_color, confidence_overlay, depth_overlay, instance_overlay, png_bytes
from annotate.services import labels as label_services
from annotate.services import scene_objects as object_services
from annotate.services import training as training_services

class ObjectWriteSerializer(serializers.Serializer):
    label_class = id_field(required=False)
    center = serializers.ListField(child=serializers.FloatField(), min_length=3, max_length=3, required=False)
    size = serializers.ListField(child=serializers.FloatField(), min_length=3, max_length=3, required=False)
    rotation = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=3, max_length=3),
        min_length=3, max_length=3, required=False,
    )
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=INTEGER_MAX, help_text="The version you edited (PATCH)."
    )


class MeshUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The mesh: OBJ, PLY, STL or GLB.")
    version = serializers.IntegerField(min_value=1, max_value=INTEGER_MAX, help_text="The version you edited.")


class TrainRequestSerializer(serializers.Serializer):
    preset = serializers.CharField(required=False, default=training_services.DEFAULT_PRESET)
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**32 - 1, default=0)
    max_seconds = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=1.0, max_value=7 * 24 * 3600,
        help_text="Optional wall-clock cap; training it stops early says so (result.cut_short). Presets have none.",
    )
    render_after = serializers.BooleanField(
        required=False, default=False, help_text="Queue the render of every frame's labels once training succeeds."
    )


class RenderRequestSerializer(serializers.Serializer):
    allow_poor_field = serializers.BooleanField(
        required=False, default=False,
        help_text="Render even from a field whose quality verdict is poor (refused otherwise).",
    )


class NerfBackendsView(APIView):
    @extend_schema(responses=s.NerfBackendsSerializer)
    def get(self, request):
        return Response(s.NerfBackendsSerializer(
            {"default": training_services.DEFAULT_PRESET, "presets": training_services.PRESET_CATALOG}).data)


class TrainView(APIView):
    @extend_schema(request=TrainRequestSerializer, responses={202: JobSerializer})
    def post(self, request, capture_id: int):
        capture = selectors.capture_for(request.user, capture_id)
        body = TrainRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = training_services.start_training(capture=capture, user=request.user, **body.validated_data)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class FieldListView(ListView):
    @extend_schema(parameters=[s.PaginationQuerySerializer], responses=s.FieldModelSerializer(many=True))
    def get(self, request, capture_id: int):
        capture = selectors.capture_for(request.user, capture_id)
        return paginate(request, capture.field_models.exclude(checkpoint=""), s.FieldModelSerializer)


def _field_for(user, field_id: int) -> FieldModel:
    field_model = FieldModel.objects.select_related("capture").filter(pk=field_id).first()
    if field_model is None:
        raise NotFoundError(f"Field {field_id} not found.")
    selectors.capture_for(user, field_model.capture_id)
    return field_model


class FieldPreviewView(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, field_id: int):
        return file_response(_field_for(request.user, field_id).preview)


class FieldCamerasView(APIView):
    @extend_schema(responses={(200, "application/json"): dict})
    def get(self, request, field_id: int):
        return file_response(_field_for(request.user, field_id).cameras)


def _object_for(user, object_id: int) -> SceneObject:
    obj = SceneObject.objects.select_related("capture", "label_class", "updated_by").filter(pk=object_id).first()
    if obj is None:
        raise NotFoundError(f"Object {object_id} not found.")
    selectors.capture_for(user, obj.capture_id)
    return obj


class ObjectListView(ListView):
    @extend_schema(parameters=[s.PaginationQuerySerializer], responses=s.SceneObjectSerializer(many=True))
    def get(self, request, capture_id: int):
        capture = selectors.capture_for(request.user, capture_id)
        rows = capture.scene_objects.select_related("label_class", "updated_by")
        return paginate(request, rows, s.SceneObjectSerializer)

    @extend_schema(request=ObjectWriteSerializer, responses={201: s.SceneObjectSerializer})
    def post(self, request, capture_id: int):
        capture = selectors.capture_for(request.user, capture_id)
        body = ObjectWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        for key in ("label_class", "center", "size"):
            if key not in data:
                raise UserFacingError(f"A new object needs {key!r}.")
        obj = object_services.create_object(
            capture=capture, user=request.user, label_class=data["label_class"], center=data["center"],
            size=data["size"], rotation=data.get("rotation"),
        )
        return Response(s.SceneObjectSerializer(obj).data, status=status.HTTP_201_CREATED)


class ObjectDetailView(APIView):
    @extend_schema(responses=s.SceneObjectSerializer)
    def get(self, request, object_id: int):
        return Response(s.SceneObjectSerializer(_object_for(request.user, object_id)).data)

    @extend_schema(request=ObjectWriteSerializer, responses=s.SceneObjectSerializer)
    def patch(self, request, object_id: int):
        obj = _object_for(request.user, object_id)
        body = ObjectWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        version = changes.pop("version", None)
        obj = object_services.update_object(obj=obj, user=request.user, version=version, **changes)
        return Response(s.SceneObjectSerializer(obj).data)

    @extend_schema(parameters=[ObjectDeleteQuerySerializer], responses={204: None})
    def delete(self, request, object_id: int):
        obj = _object_for(request.user, object_id)
        query = validated_query(ObjectDeleteQuerySerializer, request)
        object_services.delete_object(obj=obj, version=query["version"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ObjectMeshView(APIView):
    parser_classes = [MultiPartParser, JSONParser]
    upload_limit_setting = "RAYLABEL_MAX_MESH_BYTES"  # enforced while the body streams (annotate/uploads.py)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, object_id: int):
        obj = _object_for(request.user, object_id)
        if not obj.mesh_file:
            raise NotFoundError(f"Object {obj.instance_id} has no mesh.")
        return file_response(obj.mesh_file)

    @extend_schema(request=MeshUploadSerializer, responses=s.SceneObjectSerializer)
    def post(self, request, object_id: int):
        obj = _object_for(request.user, object_id)
        if "file" not in request.FILES:
            raise UserFacingError("Attach the mesh file as 'file'.")
        body = MeshUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        obj = object_services.attach_mesh(
            obj=obj, user=request.user, version=body.validated_data["version"], upload=body.validated_data["file"]
        )
        return Response(s.SceneObjectSerializer(obj).data)


class ObjectRefineView(APIView):
    @extend_schema(request=None, responses={202: JobSerializer})
    def post(self, request, object_id: int):
        job = label_services.start_refine(obj=_object_for(request.user, object_id), user=request.user)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class RenderLabelsView(APIView):
    @extend_schema(request=RenderRequestSerializer, responses={202: JobSerializer})
    def post(self, request, capture_id: int):
        capture = selectors.capture_for(request.user, capture_id)
        body = RenderRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = label_services.start_render(capture=capture, user=request.user, **body.validated_data)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class FrameLabelsView(APIView):
    @extend_schema(responses=s.FrameLabelsSerializer)
    def get(self, request, frame_id: int):
        frame = selectors.frame_for(request.user, frame_id)
        row = getattr(frame, "labels", None)
        if row is None:
            raise NotFoundError(f"Frame {frame.index} has no rendered labels yet: render the capture's labels.")
        stale = selectors.labels_are_stale(frame)
        return Response(s.FrameLabelsSerializer(row, context={"stale": stale}).data)


class FrameOverlayView(APIView):
    @extend_schema(responses={(200, "image/png"): bytes})
    def get(self, request, frame_id: int, layer: str):
        frame = selectors.frame_for(request.user, frame_id)
        if layer not in OVERLAY_LAYERS:
            raise NotFoundError(f"Unknown overlay {layer!r}; choose one of {', '.join(OVERLAY_LAYERS)}.")
        labels = selectors.read_frame_labels(frame)
        if labels is None:
            raise NotFoundError(f"Frame {frame.index} has no rendered labels yet.")
        if layer == "instance":
            colors = {o.instance_id: c for o, c in _object_colors(frame)}
            rgba = instance_overlay(labels.instance_mask, colors)
        elif layer == "depth":
            rgba = depth_overlay(labels.depth)
        else:
            rgba = confidence_overlay(labels.confidence, labels.instance_mask)
        response = HttpResponse(png_bytes(rgba), content_type="image/png")
        response["Cache-Control"] = "private, no-cache"
        return response


def _object_colors(frame):
    """Each object's overlay colour: its class's own colour if the project set one, else the class palette's."""
    for obj in frame.capture.scene_objects.select_related("label_class"):
        yield obj, class_color(obj.label_class.class_id, obj.label_class.color)
