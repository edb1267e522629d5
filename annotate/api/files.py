"""Streaming stored files to the browser, typed by what the server wrote, never sniffed.

Every stored key ends in a suffix the server chose (a frame image's suffix names the format Pillow
decoded, not the uploaded file's name), so the content type comes from a fixed table of those suffixes;
anything else is sent as an opaque download. ``X-Content-Type-Options: nosniff`` stops a browser from
second-guessing the type, e.g. running HTML hidden in an image.
"""
from pathlib import PurePosixPath

from django.http import FileResponse

from annotate.errors import NotFoundError

#: content types of the suffixes the server writes; a browser may show these inline
INLINE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".json": "application/json",
}
#: server-written suffixes that are only ever downloaded (meshes, point clouds, exports)
DOWNLOAD_TYPES = {".zip": "application/zip"}
OPAQUE_TYPE = "application/octet-stream"


def served_content_type(storage_key: str) -> str:
    """The content type a stored file is served with: from the server-chosen suffix of its key."""
    suffix = PurePosixPath(storage_key).suffix.lower()
    return INLINE_TYPES.get(suffix) or DOWNLOAD_TYPES.get(suffix) or OPAQUE_TYPE


def file_response(field_file, filename: str | None = None) -> FileResponse:
    """Stream ``field_file``; with ``filename``, as a download saved under that (sanitised) name.

    ``filename`` may hold text a user typed (a project's name): Django writes it RFC 6266 style, quoted
    or as ``filename*=utf-8''<percent-encoded>``, so quotes, non-ASCII and newlines cannot break the header.
    A row without its file (none was made, or storage lost it) is a 404 that names the missing file.
    """
    what = field_file.field.verbose_name
    if not field_file:
        raise NotFoundError(f"No {what} file has been stored for this yet.")
    try:
        stream = field_file.open("rb")
    except FileNotFoundError:
        raise NotFoundError(f"The {what} file is missing from storage.") from None
    content_type = served_content_type(field_file.name)
    response = FileResponse(
        stream,
        content_type=content_type,
        as_attachment=bool(filename) or content_type not in INLINE_TYPES.values(),
        filename=filename or PurePosixPath(field_file.name).name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
