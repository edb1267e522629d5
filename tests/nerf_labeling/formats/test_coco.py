import contextlib
import io
import json

import numpy as np
import pytest
from pycocotools import mask as coco_mask
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from nerf_labeling.formats.coco_masks import mask_polygons
from nerf_labeling.formats.errors import ExportError
from nerf_labeling.formats.export import write_export
from nerf_labeling.formats.png_images import read_png
from nerf_labeling.formats.records import ExportClass, ExportSpec
from tests.nerf_labeling.formats.scenes import three_box_frames


def _quiet(function, *args):
    with contextlib.redirect_stdout(io.StringIO()):
        return function(*args)


def _load(export_zip, tmp_path, **options):
    export_zip("coco", **options)
    return _quiet(COCO, str(tmp_path / "coco" / "annotations" / "instances_default.json"))


def test_pycocotools_reads_every_visible_object_with_its_exact_mask(export_zip, tmp_path):
    coco = _load(export_zip, tmp_path)
    frames = three_box_frames()
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ["car", "traffic cone"]
    assert [img["file_name"] for img in coco.loadImgs(coco.getImgIds())] == [f.file_name for f in frames]
    for image_id, frame in zip(coco.getImgIds(), frames):
        labels = frame.load_labels()
        annotations = coco.loadAnns(coco.getAnnIds(imgIds=image_id))
        assert [a["raylabel_instance_id"] for a in annotations] == [o.instance_id for o in labels.objects]
        for annotation, obj in zip(annotations, labels.objects):
            expected = labels.instance_mask == obj.instance_id
            assert np.array_equal(coco.annToMask(annotation).astype(bool), expected)
            assert annotation["area"] == expected.sum() == obj.visible_pixels
            x0, y0, x1, y1 = obj.modal_box
            assert annotation["bbox"] == [x0, y0, x1 - x0, y1 - y0]
            assert annotation["category_id"] == obj.class_id and annotation["iscrowd"] == 0
    assert len({a["id"] for a in coco.dataset["annotations"]}) == len(coco.dataset["annotations"]) == 5


@pytest.mark.parametrize("masks", ["rle", "polygon"])
@pytest.mark.parametrize("iou_type", ["segm", "bbox"])
def test_cocoeval_of_the_export_against_itself_gives_ap_one(export_zip, tmp_path, masks, iou_type):
    coco = _load(export_zip, tmp_path, coco_masks=masks)
    detections = [
        {key: a[key] for key in ("image_id", "category_id", "segmentation", "bbox")} | {"score": 1.0}
        for a in coco.dataset["annotations"]
    ]
    if iou_type == "bbox":
        for detection in detections:
            del detection["segmentation"]
    results = _quiet(coco.loadRes, detections)
    evaluation = COCOeval(coco, results, iou_type)
    _quiet(evaluation.evaluate)
    _quiet(evaluation.accumulate)
    _quiet(evaluation.summarize)
    assert evaluation.stats[0] == pytest.approx(1.0)  # AP @ IoU 0.50:0.95
    assert evaluation.stats[1] == pytest.approx(1.0)  # AP @ IoU 0.50


def test_polygons_cover_the_mask_up_to_the_outline(export_zip, tmp_path):
    coco = _load(export_zip, tmp_path, coco_masks="polygon")
    for annotation in coco.dataset["annotations"]:
        assert isinstance(annotation["segmentation"], list)
        frame = three_box_frames()[annotation["image_id"] - 1]
        expected = frame.load_labels().instance_mask == annotation["raylabel_instance_id"]
        decoded = coco.annToMask(annotation).astype(bool)
        assert (decoded != expected).sum() <= 0.05 * expected.sum()


def _rasterise(polygons, height, width):
    return coco_mask.decode(coco_mask.merge(coco_mask.frPyObjects(polygons, height, width))).astype(bool)


def test_polygons_are_exact_for_a_rectangle_and_fill_holes():
    mask = np.zeros((12, 16), bool)
    mask[2:9, 3:13] = True
    assert _rasterise(mask_polygons(mask), 12, 16).tolist() == mask.tolist()
    ring = mask.copy()
    ring[4:6, 6:9] = False
    assert _rasterise(mask_polygons(ring), 12, 16).tolist() == mask.tolist()


def test_depth_maps_are_millimetre_pngs_and_the_readme_says_so(export_zip, tmp_path):
    archive = export_zip("coco", include_depth=True)
    data = json.loads(archive.read("annotations/instances_default.json"))
    assert data["images"][0]["depth_file"] == "depth/scene/frame_0000.png"
    millimetres = read_png(archive.read("depth/scene/frame_0000.png"))
    depth = three_box_frames()[0].load_labels().depth
    assert millimetres.dtype == np.uint16
    assert np.array_equal(millimetres, np.rint(depth.astype(np.float64) * 1000).astype(np.uint16))
    assert "16-bit grayscale PNG in millimetres" in archive.read("README.txt").decode()
    assert archive.read("images/scene/frame_0000.png") == three_box_frames()[0].image_bytes()


def test_an_object_of_a_class_outside_the_project_is_refused(tmp_path):
    with pytest.raises(ExportError, match=r"class id 2, which is not a project class \(1=car\)"):
        write_export("coco", three_box_frames(), ExportSpec((ExportClass(1, "car"),)), tmp_path / "out.zip")
    assert list(tmp_path.iterdir()) == []
