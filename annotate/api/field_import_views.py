"""REST endpoint for bringing a nerfstudio run trained elsewhere as a capture's field (managers only)."""
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annotate import selectors
from annotate.api.serializers import JobSerializer
from annotate.errors import UserFacingError
from annotate.services.field_import import import_nerfstudio_run


class FieldImportView(APIView):
    """``POST`` a zip of a nerfstudio nerfacto run directory as multipart ``file`` → 202 with the import job."""

    parser_classes = [MultiPartParser, FormParser]
    upload_limit_setting = "RAYLABEL_MAX_UPLOAD_BYTES"  # enforced while the body streams (annotate/uploads.py)

    @extend_schema(request=inline_serializer("FieldImport", {"file": serializers.FileField()}),
                   responses={202: JobSerializer})
    def post(self, request, capture_id: int):
        capture = selectors.capture_for(request.user, capture_id, manager=True)
        if "file" not in request.FILES:
            raise UserFacingError("Attach a zip of the nerfstudio run directory as 'file'.")
        job = import_nerfstudio_run(capture=capture, source=request.FILES["file"], user=request.user)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
