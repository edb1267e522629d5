"""The export page's format choice: every registered format with the line that says what it holds."""
from nerf_labeling.formats import all_formats  # noqa: F401 - registers every format
from nerf_labeling.formats.registry import FORMATS


def test_export_formats_lists_each_format_with_its_description(annotator_api):
    response = annotator_api.get("/api/export-formats/")
    assert response.status_code == 200
    formats = response.json()["formats"]
    assert [f["name"] for f in formats] == ["bop", "coco", "kitti", "nerfstudio"]
    assert all(f["description"] == FORMATS[f["name"]].description for f in formats)
    assert "instance segmentation" in formats[1]["description"]
