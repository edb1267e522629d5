"""An independent consumer of the exports: Datumaro (OpenVINO's dataset framework), when installed."""
import numpy as np
import pytest

from tests.nerf_labeling.formats.scenes import three_box_frames

datumaro = pytest.importorskip("datumaro", reason="datumaro is an optional test dependency (pip install datumaro)")


def test_datumaro_imports_the_coco_export_with_its_masks(export_zip, tmp_path):
    export_zip("coco")
    dataset = datumaro.Dataset.import_from(str(tmp_path / "coco"), "coco_instances")
    items = sorted(dataset, key=lambda item: item.id)
    frames = three_box_frames()
    assert [item.id for item in items] == ["scene/frame_0000", "scene/frame_0001"]
    labels = dataset.categories()[datumaro.AnnotationType.label]
    for item, frame in zip(items, frames):
        truth = frame.load_labels()
        masks = sorted((a for a in item.annotations if a.type == datumaro.AnnotationType.mask), key=lambda a: a.id)
        assert len(masks) == len(truth.objects)
        for mask, obj in zip(masks, truth.objects):
            assert np.array_equal(mask.image.astype(bool), truth.instance_mask == obj.instance_id)
            assert labels[mask.label].name == {1: "car", 2: "traffic cone"}[obj.class_id]


def test_datumaro_imports_the_kitti_export(export_zip, tmp_path):
    export_zip("kitti")
    dataset = datumaro.Dataset.import_from(str(tmp_path / "kitti"), "kitti_detection")
    labels = dataset.categories()[datumaro.AnnotationType.label]
    items = sorted(dataset, key=lambda item: item.id)
    assert [(item.id, item.subset) for item in items] == [("000000", "training"), ("000001", "training")]
    for item, frame in zip(items, three_box_frames()):
        read = [(labels[b.label].name, b.x, b.y, b.x + b.w, b.y + b.h) for b in item.annotations]
        kitti_types = {1: "Car", 2: "traffic_cone"}
        expected = [
            (kitti_types[o.class_id], o.modal_box[0], o.modal_box[1], o.modal_box[2] - 1, o.modal_box[3] - 1)
            for o in frame.load_labels().objects
        ]
        assert read == expected
