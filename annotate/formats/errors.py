"""Errors of the export formats; their message is shown to the user as it is."""
from annotate.errors import UserFacingError


class ExportError(UserFacingError):
    """An export that cannot be written as asked (unknown format, empty selection, missing labels...)."""


class CocoReadError(UserFacingError):
    """A COCO file that cannot be read as 2D references."""
