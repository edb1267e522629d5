"""Streaming stored files to the browser."""
import mimetypes

from django.http import FileResponse


def file_response(field_file, filename: str | None = None) -> FileResponse:
    content_type = mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    response = FileResponse(field_file.open("rb"), content_type=content_type)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response
