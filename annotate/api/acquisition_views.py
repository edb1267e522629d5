"""What an active-learning round may use: auto and every acquisition function in the library's registry."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate.services import active_learning as al_services

RoundMethodSchema = inline_serializer("RoundMethod", {
    "name": serializers.CharField(), "label": serializers.CharField(), "description": serializers.CharField(),
    "needs_trained_model": serializers.BooleanField(),
}, many=True)


class AcquisitionFunctionsView(APIView):
    @extend_schema(responses=inline_serializer("AcquisitionFunctions", {
        "default": serializers.CharField(), "methods": RoundMethodSchema,
    }))
    def get(self, request):
        return Response({"default": al_services.AUTO, "methods": al_services.round_methods()})
