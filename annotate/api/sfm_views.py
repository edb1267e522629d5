"""REST endpoints for captures posed by structure-from-motion: their sparse points, and setting their scale."""
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate import selectors
from annotate.api.serializers import id_field
from annotate.errors import NotFoundError
from annotate.services.capture_scale import BOX_AXES, set_scale_by_distance, set_scale_by_object
from annotate.sparse_points import read_sparse_points


class CaptureScaleSerializer(serializers.Serializer):
    """A known length: between ``point_a`` and ``point_b``, or along one side of a placed box."""

    metres = serializers.FloatField(min_value=1e-6, max_value=1e6, help_text="The real length, in metres.")
    point_a = serializers.ListField(
        child=serializers.FloatField(), min_length=3, max_length=3, required=False,
        help_text="A point of the scene, world frame in the capture's current units.",
    )
    point_b = serializers.ListField(child=serializers.FloatField(), min_length=3, max_length=3, required=False)
    object_id = id_field(required=False, help_text="A box of this capture whose real size is known.")
    axis = serializers.ChoiceField(
        choices=BOX_AXES, required=False, help_text="The box's own axis that measures `metres`."
    )

    def validate(self, data):
        by_points = "point_a" in data and "point_b" in data
        by_object = "object_id" in data and "axis" in data
        if by_points == by_object:
            raise serializers.ValidationError(
                "Give either point_a and point_b, or object_id and axis, with metres."
            )
        return data


class CaptureScaleResultSerializer(serializers.Serializer):
    units = serializers.ChoiceField(choices=["metric"])
    factor = serializers.FloatField(help_text="How much this change scaled the capture's world.")
    frames = serializers.IntegerField(help_text="Frames whose camera centres moved.")
    objects = serializers.IntegerField(help_text="Boxes scaled with the world (each one's version rose).")
    stale_fields = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Fields trained in the old units: labels are not rendered from them; train again.",
    )


class SparsePointsView(APIView):
    """The sparse points SfM found, as the binary PLY a field's preview is (float x y z, uchar red green blue)."""

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, capture_id: int):
        from nerf_labeling.fields.preview import point_cloud_ply_bytes

        capture = selectors.capture_for(request.user, capture_id)
        points = read_sparse_points(capture)
        if points is None:
            raise NotFoundError(f"Capture {capture.pk} has no sparse points: only captures posed by SfM have them.")
        response = HttpResponse(point_cloud_ply_bytes(*points), content_type="application/octet-stream")
        response["Cache-Control"] = "private, no-cache"  # a scale change rewrites them
        return response


class CaptureScaleView(APIView):
    """``POST`` a known length → the capture's poses, sparse points and boxes are scaled to metres (managers)."""

    @extend_schema(request=CaptureScaleSerializer, responses=CaptureScaleResultSerializer)
    def post(self, request, capture_id: int):
        capture = selectors.capture_for(request.user, capture_id, manager=True)
        body = CaptureScaleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "object_id" in data:
            result = set_scale_by_object(
                capture=capture, user=request.user, object_id=data["object_id"], axis=data["axis"], metres=data["metres"]
            )
        else:
            result = set_scale_by_distance(
                capture=capture, user=request.user, point_a=data["point_a"], point_b=data["point_b"], metres=data["metres"]
            )
        return Response(CaptureScaleResultSerializer(result).data)
