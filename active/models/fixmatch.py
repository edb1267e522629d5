"""Semi-supervised training of the scoring model on the frames nobody labelled: FixMatch-style consistency
(Sohn et al., 2020) adapted to segmentation, as in the semi-supervised runs of "Best Practices in Active
Learning for Semantic Segmentation".

The model labels the weak view of an unlabelled frame (the frame itself); pixels it is sure about
(top probability >= ``confidence``) become pseudo-labels, and the model learns to give the same class on a
strongly perturbed view (colour, contrast, noise and a cut-out square). The perturbations move no pixel, so
the pseudo-label map lines up with the strong view as it is.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class ConsistencyConfig:
    """weight : factor of the unlabelled term against the supervised loss (0 turns it off);
    confidence : a pixel's top probability on the weak view must reach this to be a pseudo-label;
    unlabelled_batch : unlabelled frames per training step (kept small: every one costs two passes);
    cutout : side of the cut-out square as a share of the frame's shorter side."""

    weight: float = 1.0
    confidence: float = 0.95
    unlabelled_batch: int = 8
    cutout: float = 0.4


def strong_view(x: torch.Tensor, cutout: float) -> torch.Tensor:
    """(N, 3, H, W) in [0, 1] -> the same frames with random brightness, contrast, per-channel gain, noise and
    one grey square each (side ``cutout`` of the shorter side); draws from torch's current random state (the
    caller seeds it)."""
    n = len(x)
    brightness = torch.empty(n, 1, 1, 1).uniform_(-0.25, 0.25)
    contrast = torch.empty(n, 1, 1, 1).uniform_(0.6, 1.4)
    gain = torch.empty(n, 3, 1, 1).uniform_(0.8, 1.2)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    out = ((x - mean) * contrast + mean) * gain + brightness + 0.04 * torch.randn_like(x)
    return _cut_out(out.clamp(0.0, 1.0), cutout)


def _cut_out(x: torch.Tensor, share: float) -> torch.Tensor:
    n, _, height, width = x.shape
    side = max(1, int(round(share * min(height, width))))
    tops = torch.randint(0, height - side + 1, (n,))
    lefts = torch.randint(0, width - side + 1, (n,))
    rows = torch.arange(height)[None, :, None]
    cols = torch.arange(width)[None, None, :]
    inside = ((rows >= tops[:, None, None]) & (rows < tops[:, None, None] + side)
              & (cols >= lefts[:, None, None]) & (cols < lefts[:, None, None] + side))
    return torch.where(inside[:, None], torch.full_like(x, 0.5), x)


def consistency_loss(network: nn.Module, unlabelled: torch.Tensor, config: ConsistencyConfig) -> torch.Tensor:
    """Scalar: cross-entropy of the strong view's logits against the weak view's confident pseudo-labels,
    averaged over all pixels (unsure pixels count as zero, so the term shrinks while the model is unsure).

    unlabelled : (N, 3, H, W) float32 in [0, 1]
    """
    with torch.no_grad():
        probabilities = torch.softmax(network(unlabelled), dim=1)
    confidence, pseudo_labels = probabilities.max(dim=1)
    per_pixel = F.cross_entropy(network(strong_view(unlabelled, config.cutout)), pseudo_labels, reduction="none")
    return (per_pixel * (confidence >= config.confidence)).mean()
