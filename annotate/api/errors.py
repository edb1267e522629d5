"""One JSON error shape for every API failure: ``{"error": message, "detail": ...}``."""
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotate.errors import USER_FACING_ERRORS, ConflictError

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, USER_FACING_ERRORS):
        body = {"error": str(exc)}
        if isinstance(exc, ConflictError) and exc.current:
            body["current"] = exc.current
        return Response(body, status=getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST))
    if isinstance(exc, RequestDataTooBig):
        return Response({"error": _too_big_message()}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return Response({"error": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None:
        detail = response.data
        message = detail.get("detail") if isinstance(detail, dict) else None
        response.data = {"error": str(message or _first_message(detail)), "detail": detail}
        return response
    logger.exception("Unhandled error in %s", context.get("view"))
    return Response(
        {"error": "Internal error: the server could not complete the request. It has been logged."},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _too_big_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return (
        f"The request body is larger than the limit of {limit} bytes ({limit / 1024**2:.1f} MiB); "
        "send less data per request, or upload large data as a file."
    )


def _first_message(detail) -> str:
    """The first human-readable message in a DRF validation error structure."""
    if isinstance(detail, dict):
        for field, value in detail.items():
            return f"{field}: {_first_message(value)}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def unknown_endpoint(request):
    """A URL under /api/ that names no endpoint (a path id that is not a number, say): the error body, not a page."""
    return JsonResponse(
        {"error": f"No API endpoint at {request.path}; /api/schema/ lists them."}, status=status.HTTP_404_NOT_FOUND
    )
