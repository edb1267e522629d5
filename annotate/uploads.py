"""Upload size limits, enforced before and while a request body is read, never after it is spooled.

Each view that takes a file names the setting that limits it (``upload_limit_setting`` on the view
class); every other request may carry at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (DRF parses
multipart bodies on any API view, so an undeclared view must not accept a big file either).

Two guards, so an oversize upload is answered 413 with a message naming the limit:

- :class:`UploadLimitMiddleware` refuses a request whose ``Content-Length`` is over the limit before
  anything reads the body (it sits before the CSRF middleware, which parses forms);
- :class:`LimitedUploadHandler` (first in ``FILE_UPLOAD_HANDLERS``) checks ``Content-Length`` again when
  a multipart body is parsed and counts the file bytes as they stream past, stopping at the limit.
"""
from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpResponse, JsonResponse

from annotate.errors import UserFacingError

#: what each limit guards, for the message
LIMITED_KINDS = {
    "RAYLABEL_MAX_UPLOAD_BYTES": "a capture archive",
    "RAYLABEL_MAX_MESH_BYTES": "a mesh file",
    "RAYLABEL_MAX_REFERENCE_BYTES": "a COCO reference file",
    "DATA_UPLOAD_MAX_MEMORY_SIZE": "this request",
}


class UploadTooLargeError(UserFacingError):
    status_code = 413


def upload_limit_for(view) -> str:
    """The name of the setting that limits uploads to ``view`` (a view function, DRF or Django class view)."""
    for holder in (view, getattr(view, "cls", None), getattr(view, "view_class", None)):
        setting = getattr(holder, "upload_limit_setting", None)
        if setting:
            return setting
    return "DATA_UPLOAD_MAX_MEMORY_SIZE"


def too_large(setting: str, size: int | None = None) -> UploadTooLargeError:
    limit = getattr(settings, setting)
    what = LIMITED_KINDS.get(setting, "this upload")
    size_text = f"The upload is {human_bytes(size)}; " if size is not None else "The upload is too large; "
    return UploadTooLargeError(f"{size_text}the limit for {what} is {human_bytes(limit)} ({setting}).")


def human_bytes(count: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count} bytes"


def _declared_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) or None
    except ValueError:
        return None


class UploadLimitMiddleware:
    """Answer 413 to a request whose declared body is over its view's limit, before the body is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, view_args, view_kwargs):
        setting = upload_limit_for(view)
        length = _declared_length(request)
        if length is None or length <= getattr(settings, setting):
            return None
        error = too_large(setting, length)
        if request.path.startswith("/api/"):
            return JsonResponse({"error": str(error)}, status=413)
        return HttpResponse(str(error), status=413, content_type="text/plain; charset=utf-8")


class LimitedUploadHandler(FileUploadHandler):
    """Stops a multipart upload at its view's limit: refuses by ``Content-Length``, then counts file bytes."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        match = getattr(self.request, "resolver_match", None)
        self.setting = upload_limit_for(match.func) if match is not None else "DATA_UPLOAD_MAX_MEMORY_SIZE"
        self.limit = getattr(settings, self.setting)
        self.received = 0
        if content_length > self.limit:
            raise too_large(self.setting, content_length)
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise too_large(self.setting)
        return raw_data

    def file_complete(self, file_size):
        return None
