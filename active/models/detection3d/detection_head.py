"""mmdet3d's Anchor3DHead that also returns, for every kept box, the per-class scores of its anchor.

PointPillars' head scores each anchor with an independent sigmoid per class, ``s_c`` in [0, 1]. mmdet3d's
prediction keeps only the winning class's score; entropy needs all of them. This head repeats
``Base3DDenseHead._predict_by_feat_single`` with mmdet3d's own box decoding (``bbox_coder.decode``),
bird's-eye boxes (``xywhr2xyxyr``) and multi-class NMS (``box3d_multiclass_nms``), passing the
``(N, C)`` score matrix through the NMS as its per-box "attribute scores" so the kept rows come back, and
keeps each box once when the class-by-class NMS returned it under two classes.

Importing this module registers the head in mmdet3d's ``MODELS`` registry (it imports mmdet3d).
"""
from __future__ import annotations

import numpy as np
import torch
from mmdet3d.models.dense_heads import Anchor3DHead
from mmdet3d.models.layers import box3d_multiclass_nms
from mmdet3d.registry import MODELS
from mmdet3d.structures import limit_period, xywhr2xyxyr
from mmengine.structures import InstanceData

from active.models.detection3d.config import HEAD_TYPE


def class_probabilities(sigmoid_scores: np.ndarray) -> np.ndarray:
    """``(B, C)`` per-class sigmoid scores -> ``(B, C)`` float32 probabilities summing to 1 per row.

    The softmax of the box's class logits, as ActiveAnno3D's entropy query takes it
    (walzimmer/active-anno-3d, ``pcdet/query_strategies/entropy_sampling.py``): the logit of a sigmoid score
    ``s`` is ``log(s / (1 - s))``, so ``p_c = o_c / sum_k o_k`` with the odds ``o_c = s_c / (1 - s_c)``.
    Scores are held within [1e-6, 1 - 1e-6], so a row of zeros becomes uniform.
    """
    scores = np.asarray(sigmoid_scores, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f"sigmoid_scores must be (B, C), got {scores.shape}")
    scores = np.clip(scores, 1e-6, 1.0 - 1e-6)
    odds = scores / (1.0 - scores)
    return (odds / odds.sum(axis=1, keepdims=True)).astype(np.float32)


def one_box_per_anchor(bboxes: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
    """Indices that keep each distinct box once, under its best-scoring class, best first.

    mmdet3d's NMS runs class by class, so an anchor that passes the score threshold for two classes comes
    back as two boxes (the same decoded box, two labels); ActiveAnno3D's entropy is over boxes after a
    class-agnostic NMS, so each such box counts once.
    """
    order = torch.argsort(scores, descending=True, stable=True)
    _, group = torch.unique(bboxes[order], dim=0, return_inverse=True)
    seen: set[int] = set()
    keep = []
    for position, key in enumerate(group.tolist()):
        if key not in seen:
            seen.add(key)
            keep.append(int(order[position]))
    return torch.tensor(keep, dtype=torch.long, device=bboxes.device)


@MODELS.register_module(name=HEAD_TYPE)
class ClassProbAnchor3DHead(Anchor3DHead):
    """Anchor3DHead whose predictions carry ``class_scores_3d``: ``(B, C)`` sigmoid scores of each box's anchor."""

    def _predict_by_feat_single(self, cls_score_list, bbox_pred_list, dir_cls_pred_list, mlvl_priors,
                                input_meta, cfg, rescale=False, **kwargs) -> InstanceData:
        cfg = self.test_cfg if cfg is None else cfg
        if not self.use_sigmoid_cls:
            raise ValueError("class probabilities are defined for sigmoid class scores only")
        mlvl_bboxes, mlvl_scores, mlvl_dir_scores = [], [], []
        for cls_score, bbox_pred, dir_cls_pred, priors in zip(
                cls_score_list, bbox_pred_list, dir_cls_pred_list, mlvl_priors):
            dir_cls_score = torch.max(dir_cls_pred.permute(1, 2, 0).reshape(-1, 2), dim=-1)[1]
            scores = cls_score.permute(1, 2, 0).reshape(-1, self.num_classes).sigmoid()
            bbox_pred = bbox_pred.permute(1, 2, 0).reshape(-1, self.box_code_size)
            nms_pre = cfg.get("nms_pre", -1)
            if 0 < nms_pre < scores.shape[0]:
                _, top = scores.max(dim=1)[0].topk(nms_pre)
                priors, bbox_pred, scores, dir_cls_score = priors[top], bbox_pred[top], scores[top], dir_cls_score[top]
            mlvl_bboxes.append(self.bbox_coder.decode(priors, bbox_pred))
            mlvl_scores.append(scores)
            mlvl_dir_scores.append(dir_cls_score)
        bboxes = torch.cat(mlvl_bboxes)
        bboxes_for_nms = xywhr2xyxyr(input_meta["box_type_3d"](bboxes, box_dim=self.box_code_size).bev)
        class_scores = torch.cat(mlvl_scores)
        # mmdet3d's multi-class NMS expects a background column after the classes when scores are sigmoids
        padded = torch.cat([class_scores, class_scores.new_zeros(class_scores.shape[0], 1)], dim=1)
        bboxes, scores, labels, dir_scores, kept_class_scores = box3d_multiclass_nms(
            bboxes, bboxes_for_nms, padded, cfg.get("score_thr", 0), cfg.max_num, cfg,
            torch.cat(mlvl_dir_scores), class_scores)
        if bboxes.shape[0] > 0:
            keep = one_box_per_anchor(bboxes, scores)
            bboxes, scores, labels = bboxes[keep], scores[keep], labels[keep]
            dir_scores, kept_class_scores = dir_scores[keep], kept_class_scores[keep]
            dir_rot = limit_period(bboxes[..., 6] - self.dir_offset, self.dir_limit_offset, np.pi)
            bboxes[..., 6] = dir_rot + self.dir_offset + np.pi * dir_scores.to(bboxes.dtype)
        results = InstanceData()
        results.bboxes_3d = input_meta["box_type_3d"](bboxes, box_dim=self.box_code_size)
        results.scores_3d = scores
        results.labels_3d = labels
        results.class_scores_3d = kept_class_scores.reshape(-1, self.num_classes)
        return results
