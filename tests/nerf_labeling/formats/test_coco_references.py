import json

import numpy as np
import pytest

from nerf_labeling.formats.coco_references import iter_coco_references
from nerf_labeling.formats.errors import CocoReadError
from tests.nerf_labeling.formats.scenes import three_box_frames


@pytest.mark.parametrize("masks", ["rle", "polygon"])
def test_an_export_reads_back_as_references_per_image_and_category(export_zip, tmp_path, masks):
    export_zip("coco", coco_masks=masks)
    references = list(iter_coco_references(tmp_path / "coco" / "annotations" / "instances_default.json"))
    frames = three_box_frames()
    assert [r.file_name for r in references] == [f.file_name for f in frames]
    for reference, frame in zip(references, frames):
        labels = frame.load_labels()
        for name, class_id in (("car", 1), ("traffic cone", 2)):
            expected = [o for o in labels.objects if o.class_id == class_id]
            category = reference.categories[name]
            assert category.category_id == class_id and category.masks.shape == (len(expected), 60, 80)
            np.testing.assert_array_equal(category.boxes, [o.modal_box for o in expected])
            assert category.has_mask.all()
            for mask, obj in zip(category.masks, expected):
                truth = labels.instance_mask == obj.instance_id
                assert (mask != truth).sum() <= (0 if masks == "rle" else 0.05 * truth.sum())


def test_box_only_annotations_and_missing_images():
    data = {
        "images": [{"id": 4, "file_name": "a.jpg", "width": 8, "height": 6}],
        "categories": [{"id": 3, "name": "cone"}],
        "annotations": [{"id": 1, "image_id": 4, "category_id": 3, "bbox": [1, 2, 3, 2]}],
    }
    (reference,) = iter_coco_references(json.dumps(data).encode())
    cone = reference.categories["cone"]
    assert cone.boxes.tolist() == [[1.0, 2.0, 4.0, 4.0]]
    assert cone.has_mask.tolist() == [False] and not cone.masks.any()
    data["annotations"][0]["image_id"] = 5
    with pytest.raises(CocoReadError, match="annotation 1 refers to image 5, which is not in 'images'"):
        list(iter_coco_references(data))
    with pytest.raises(CocoReadError, match="a COCO file needs a list 'images'"):
        list(iter_coco_references({"annotations": []}))
    with pytest.raises(CocoReadError, match="cannot be read as JSON"):
        list(iter_coco_references(b"{not json"))
