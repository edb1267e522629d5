"""Errors of the export formats; their message says what is wrong and is meant for the user as it is.

They subclass ``ValueError`` rather than the platform's ``UserFacingError`` because that module
imports Django and nothing under ``annotate/formats`` may; the web layer maps them to a 400.
"""


class ExportError(ValueError):
    """An export that cannot be written as asked (unknown format, empty selection, missing labels...)."""


class CocoReadError(ValueError):
    """A COCO file that cannot be read as 2D references."""
