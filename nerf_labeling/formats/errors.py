"""Errors of the export formats; their message says what is wrong and is meant for the user as it is."""
from nerf_labeling.errors import InputError


class ExportError(InputError):
    """An export that cannot be written as asked (unknown format, empty selection, missing labels...)."""


class CocoReadError(InputError):
    """A COCO file that cannot be read as 2D references."""
