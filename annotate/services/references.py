"""Checking rendered labels against 2D references from elsewhere (a COCO instance file), for review.

Each reference image is matched to a frame of the project by file name; per category, the union of
the reference masks is compared with the frame's rendered category mask. Frames come back worst first,
so reviewers start where the two disagree most.
"""
from __future__ import annotations

from pathlib import PurePosixPath

import numpy as np

from annotate.errors import UserFacingError
from annotate.models import Frame, Project
from annotate.selectors import read_frame_labels


def check_against_coco(*, project: Project, data: bytes) -> dict:
    from nerf_labeling.formats.coco_references import iter_coco_references

    frames = {PurePosixPath(f.file_name).name: f for f in Frame.objects.filter(capture__project=project)}
    class_ids = dict(project.label_classes.values_list("name", "class_id"))
    checked, unmatched, unlabelled, unknown = [], [], [], set()
    try:
        for image in iter_coco_references(data):
            frame = frames.get(PurePosixPath(image.file_name).name)
            if frame is None:
                unmatched.append(image.file_name)
                continue
            labels = read_frame_labels(frame)
            if labels is None:
                unlabelled.append(frame.pk)
                continue
            if labels.category_mask.shape != (image.height, image.width):
                raise UserFacingError(
                    f"{image.file_name} is {image.width}x{image.height} in the references but frame "
                    f"{frame.index} is {frame.width}x{frame.height}."
                )
            ious = {}
            present = set(np.unique(labels.category_mask).tolist())
            names = set(image.categories) | {name for name, class_id in class_ids.items() if class_id in present}
            for name in sorted(names):
                if name not in class_ids:
                    unknown.add(name)
                    continue
                references = image.categories.get(name)
                reference = (references.masks[references.has_mask].any(axis=0) if references is not None
                             else np.zeros(labels.category_mask.shape, dtype=bool))
                ours = labels.category_mask == class_ids[name]
                union = np.logical_or(reference, ours).sum()
                ious[name] = round(float(np.logical_and(reference, ours).sum() / union), 4) if union else 1.0
            checked.append({
                "frame": frame.pk, "capture": frame.capture_id, "index": frame.index,
                "file_name": image.file_name, "category_iou": ious,
                "mean_iou": round(float(np.mean(list(ious.values()))), 4) if ious else None,
            })
    except RecursionError:
        # json parses nested arrays recursively: a file nested thousands deep is not a COCO file.
        raise UserFacingError("The COCO file is nested too deeply to be a COCO instance file.") from None
    checked.sort(key=lambda row: (row["mean_iou"] is None, row["mean_iou"] if row["mean_iou"] is not None else 0))
    return {"frames": checked, "unmatched_images": unmatched, "frames_without_labels": unlabelled,
            "unknown_categories": sorted(unknown)}
