"""Dataset export formats (COCO, KITTI, nerfstudio, BOP) and the COCO reference import.

Plain Python: nothing here imports Django, so the formats can be tested and benchmarked on their own.
Entry points: :func:`annotate.formats.export.write_export` and
:func:`annotate.formats.coco_references.iter_coco_references`.
"""
