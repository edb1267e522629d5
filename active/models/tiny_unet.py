"""A small U-Net with dropout: trains on the CPU in seconds on 64x48 frames; dropout gives MC passes."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _block(in_channels: int, out_channels: int) -> nn.Sequential:
    # GroupNorm, not BatchNorm: per-frame statistics keep train/eval and MC passes consistent.
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1),
        nn.GroupNorm(4, out_channels),
        nn.ReLU(inplace=True),
        nn.Conv2d(out_channels, out_channels, 3, padding=1),
        nn.GroupNorm(4, out_channels),
        nn.ReLU(inplace=True),
    )


class TinyUNet(nn.Module):
    """Two down-sampling levels, channel widths ``width, 2 width, 4 width``; dropout on the bottleneck
    and the last decoder level. Any frame size works (up-sampling matches the skip's size)."""

    def __init__(self, n_classes: int, width: int = 16, dropout: float = 0.2) -> None:
        super().__init__()
        self.enc1 = _block(3, width)
        self.enc2 = _block(width, 2 * width)
        self.mid = _block(2 * width, 4 * width)
        self.dec2 = _block(6 * width, 2 * width)
        self.dec1 = _block(3 * width, width)
        self.drop = nn.Dropout2d(dropout)
        self.head = nn.Conv2d(width, n_classes, 1)

    def decode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, 3, H, W) in [0, 1] -> decoder maps (N, 2w, H/2, W/2) and (N, w, H, W)."""
        e1 = self.enc1(x - 0.5)
        e2 = self.enc2(F.max_pool2d(e1, 2, ceil_mode=True))
        mid = self.drop(self.mid(F.max_pool2d(e2, 2, ceil_mode=True)))
        d2 = self.dec2(torch.cat([F.interpolate(mid, size=e2.shape[-2:], mode="nearest"), e2], dim=1))
        d1 = self.dec1(torch.cat([F.interpolate(d2, size=e1.shape[-2:], mode="nearest"), e1], dim=1))
        return d2, self.drop(d1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) in [0, 1] -> (N, n_classes, H, W) logits."""
        return self.head(self.decode(x)[1])

    def pooled_features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 9 w) decoder features: the coarse map averaged on a 2x2 grid (layout) and the fine map
        averaged globally."""
        d2, d1 = self.decode(x)
        return torch.cat([F.adaptive_avg_pool2d(d2, 2).flatten(1), d1.mean(dim=(2, 3))], dim=1)
