"""Dataset export writers (COCO, KITTI, nerfstudio, BOP) and the COCO reference reader.

Captures come in through the readers of :mod:`nerf_labeling.capture`; datasets go out through these
writers. Plain Python like the rest of the library, so they are tested and benchmarked on their own;
the web app fills the records of :mod:`nerf_labeling.formats.records` from its rows.
Entry points: :func:`nerf_labeling.formats.export.write_export` and
:func:`nerf_labeling.formats.coco_references.iter_coco_references`.
"""
