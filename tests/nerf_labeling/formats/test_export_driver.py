import zipfile

import pytest

from nerf_labeling.formats.errors import ExportError
from nerf_labeling.formats.export import write_export
from nerf_labeling.formats.records import ExportClass, ExportFrame, ExportSpec
from tests.nerf_labeling.formats.scenes import three_box_frames

SPEC = ExportSpec(classes=(ExportClass(1, "car"), ExportClass(2, "pedestrian")))


def test_progress_reports_each_frame_and_the_total(tmp_path):
    calls = []
    path = write_export(
        "coco", three_box_frames(), SPEC, tmp_path / "out.zip", progress=lambda done, total: calls.append((done, total))
    )
    assert calls == [(1, 2), (2, 2)]
    assert zipfile.ZipFile(path).testzip() is None
    assert [p.name for p in tmp_path.iterdir()] == ["out.zip"]


def test_total_is_none_for_an_iterator_unless_given(tmp_path):
    calls = []
    def record(done, total):
        calls.append(total)

    write_export("kitti", iter(three_box_frames()), SPEC, tmp_path / "a.zip", progress=record)
    write_export("kitti", iter(three_box_frames()), SPEC, tmp_path / "b.zip", progress=record, total=2)
    assert calls == [None, None, 2, 2]


@pytest.mark.parametrize("frames", [[], iter([])], ids=["list", "iterator"])
def test_empty_selection_is_refused_before_writing(tmp_path, frames):
    with pytest.raises(ExportError, match="the selection has no frames to export"):
        write_export("coco", frames, SPEC, tmp_path / "out.zip")
    assert list(tmp_path.iterdir()) == []


def test_a_frame_without_labels_is_refused_before_the_first_frame_is_read(tmp_path):
    first, second = three_box_frames()
    unlabeled = ExportFrame(9, "scene/x.png", lambda: pytest.fail("image read"), second.camera, None)
    with pytest.raises(ExportError, match=r"frame 9 \(scene/x.png\) has no labels yet"):
        write_export("coco", [first, unlabeled], SPEC, tmp_path / "out.zip")
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_and_unsatisfiable_spec_are_refused_before_writing(tmp_path):
    with pytest.raises(ExportError, match="unknown export format 'voc'"):
        write_export("voc", three_box_frames(), SPEC, tmp_path / "out.zip")
    with pytest.raises(ExportError, match="a BOP export needs a mesh"):
        write_export("bop", three_box_frames(), SPEC, tmp_path / "out.zip")
    assert list(tmp_path.iterdir()) == []


def test_a_failure_midway_leaves_no_zip_and_keeps_the_previous_one(tmp_path):
    target = tmp_path / "out.zip"
    target.write_bytes(b"previous export")

    def frames():
        yield from three_box_frames()
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        write_export("coco", frames(), SPEC, target)
    assert [p.name for p in tmp_path.iterdir()] == ["out.zip"]
    assert target.read_bytes() == b"previous export"


def test_a_frame_whose_labels_do_not_fit_its_camera_is_refused(tmp_path):
    first, second = three_box_frames()
    small = second.camera.intrinsics.scaled(0.5)
    wrong = ExportFrame(3, "scene/w.png", b"", type(second.camera)(small, second.camera.camera_to_world), first.labels)
    message = r"frame 3 \(scene/w.png\): labels are \(60, 80\) but its camera is \(30, 40\)"
    with pytest.raises(ExportError, match=message):
        write_export("kitti", [first, wrong], SPEC, tmp_path / "out.zip")
    assert list(tmp_path.iterdir()) == []


def test_duplicate_file_names_are_refused(tmp_path):
    first, _ = three_box_frames()
    with pytest.raises(ExportError, match="two frames would both be written as 'images/scene/frame_0000.png'"):
        write_export("coco", [first, first], SPEC, tmp_path / "out.zip")
    assert list(tmp_path.iterdir()) == []


def test_spec_options_are_validated():
    classes = (ExportClass(1, "car"),)
    assert ExportSpec.from_options(classes, {"coco_masks": "polygon"}).coco_masks == "polygon"
    with pytest.raises(ExportError, match=r"unknown export options \['colour'\]"):
        ExportSpec.from_options(classes, {"colour": True})
    with pytest.raises(ExportError, match="coco_masks must be one of rle, polygon, got 'png'"):
        ExportSpec(classes, coco_masks="png")
    with pytest.raises(ExportError, match="KITTI type for class 'car' must be one word"):
        ExportSpec(classes, kitti_types={"car": "Big Car"})
    with pytest.raises(ExportError, match=r"class ids must be unique and >= 1, got \[1, 1\]"):
        ExportSpec(classes * 2)
    with pytest.raises(ExportError, match=r"object meshes given for unknown class ids \[5\]"):
        ExportSpec(classes, object_models={5: b""})
