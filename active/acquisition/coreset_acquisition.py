"""Coreset acquisition: a batch chosen by k-center greedy on pooled decoder features."""
from __future__ import annotations

import torch

from active.acquisition.inputs import AcquisitionInputs
from active.k_center_greedy import k_center_greedy
from active.selection import SelectionResult


class CoresetAcquisition:
    """Each pick is the candidate farthest from the labelled frames and the earlier picks.

    device : torch device for the distance updates (default CPU)
    """

    name = "coreset"
    needs = frozenset({"features", "labelled_features"})

    def __init__(self, device: str | torch.device | None = None) -> None:
        self.device = device

    def select(self, inputs: AcquisitionInputs, k: int) -> SelectionResult:
        features = inputs.require("features")
        labelled = inputs.labelled_features
        result = k_center_greedy(features, k, centers=labelled, device=self.device)
        has_labelled = labelled is not None and len(labelled) > 0
        reasons = tuple(
            _reason(distance, step, has_labelled) for step, distance in enumerate(result.distances)
        )
        return SelectionResult(
            method=self.name,
            indices=result.indices,
            scores=result.distances,
            reasons=reasons,
            model_version=inputs.model_version,
        )


def _reason(distance: float, step: int, has_labelled: bool) -> str:
    if step == 0 and not has_labelled:
        return f"nearest to the average frame still to label (none is labelled yet), distance {distance:.3g}"
    others = "labelled frames and earlier picks" if has_labelled else "earlier picks"
    return f"least like the {others} (farthest from them, distance {distance:.3g}), pick {step + 1}"
