import subprocess
import sys
from pathlib import Path

import pytest

from nerf_labeling.formats import all_formats  # noqa: F401
from nerf_labeling.formats.errors import ExportError
from nerf_labeling.formats.registry import FORMATS, get_format, register_format


def test_every_format_is_registered_by_the_all_formats_module():
    assert sorted(FORMATS) == ["bop", "coco", "kitti", "nerfstudio"]


def test_a_second_format_with_a_taken_name_is_refused():
    with pytest.raises(ValueError, match="'coco' is already registered by nerf_labeling.formats.coco_format.write_coco"):

        @register_format("coco", description="another coco")
        def another_coco(archive, frames, spec):  # pragma: no cover - never registered
            pass

    assert FORMATS["coco"].write.__module__ == "nerf_labeling.formats.coco_format"


def test_every_format_says_in_one_line_what_it_holds():
    for name, export_format in FORMATS.items():
        description = export_format.description
        assert description.startswith(name.upper() if name != "nerfstudio" else name), name
        assert "\n" not in description and 20 < len(description) <= 120, name


def test_unknown_format_error_lists_the_known_names():
    with pytest.raises(ExportError, match=r"unknown export format 'yolo'; known formats: bop, coco, kitti, nerfstudio"):
        get_format("yolo")


def test_the_formats_import_neither_django_nor_torch():
    code = (
        "import sys, nerf_labeling.formats.export, nerf_labeling.formats.coco_references; "
        "print(sorted(m for m in ('django', 'torch', 'trimesh') if m in sys.modules))"
    )
    repository = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, "-c", code], cwd=repository, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
