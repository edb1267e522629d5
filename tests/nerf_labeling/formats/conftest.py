import zipfile

import pytest

from nerf_labeling.formats.export import write_export
from nerf_labeling.formats.records import ExportClass, ExportSpec
from tests.nerf_labeling.formats.scenes import three_box_frames

CLASSES = (ExportClass(1, "car"), ExportClass(2, "traffic cone"))


@pytest.fixture
def export_zip(tmp_path):
    """``export_zip(format_name, **spec_options)`` -> the written zip, opened, over the three-box frames."""

    def export(format_name: str, frames=None, **options) -> zipfile.ZipFile:
        spec = ExportSpec(classes=CLASSES, **options)
        path = write_export(format_name, frames or three_box_frames(), spec, tmp_path / f"{format_name}.zip")
        archive = zipfile.ZipFile(path)
        archive.extractall(tmp_path / format_name)
        return archive

    return export
