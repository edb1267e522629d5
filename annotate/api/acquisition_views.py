"""What an active-learning round may use: auto and every acquisition function in the library's registry."""
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate.api.serializers import AcquisitionFunctionsSerializer
from annotate.services import active_learning as al_services


class AcquisitionFunctionsView(APIView):
    @extend_schema(responses=AcquisitionFunctionsSerializer)
    def get(self, request):
        return Response(AcquisitionFunctionsSerializer(
            {"default": al_services.AUTO, "methods": al_services.round_methods()}).data)
