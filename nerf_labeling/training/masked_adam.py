"""Adam that touches only the grid rows a batch reached (as DVGO's masked Adam).

A dense Adam step over a 10^7-entry voxel grid costs more than the rendering that produced its
gradient; rows whose gradient is exactly zero keep their parameters and moments unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class _Slot:
    param: torch.nn.Parameter
    lr: float
    exp_avg: torch.Tensor
    exp_avg_sq: torch.Tensor


class MaskedAdam:
    """Adam over 2-D parameters ``(rows, channels)`` updating rows with a non-zero gradient.

    Bias correction uses the global step count, as DVGO does, so rarely seen rows move a little
    less than full Adam would move them.
    """

    def __init__(self, params_and_lrs: list[tuple[torch.nn.Parameter, float]], *, betas=(0.9, 0.99), eps=1e-15):
        self.betas = betas
        self.eps = eps
        self.steps = 0
        self.slots = [
            _Slot(param=p, lr=lr, exp_avg=torch.zeros_like(p.data), exp_avg_sq=torch.zeros_like(p.data))
            for p, lr in params_and_lrs
        ]

    def zero_grad(self) -> None:
        for slot in self.slots:
            slot.param.grad = None

    @torch.no_grad()
    def step(self, lr_factor: float = 1.0) -> None:
        """One update, every learning rate multiplied by ``lr_factor`` (the schedule)."""
        self.steps += 1
        beta1, beta2 = self.betas
        correction1 = 1.0 - beta1**self.steps
        correction2 = 1.0 - beta2**self.steps
        for slot in self.slots:
            grad = slot.param.grad
            if grad is None:
                continue
            rows = torch.nonzero((grad != 0).any(dim=1))[:, 0]
            g = grad[rows]
            exp_avg = slot.exp_avg[rows].mul_(beta1).add_(g, alpha=1.0 - beta1)
            exp_avg_sq = slot.exp_avg_sq[rows].mul_(beta2).addcmul_(g, g, value=1.0 - beta2)
            slot.exp_avg[rows] = exp_avg
            slot.exp_avg_sq[rows] = exp_avg_sq
            update = (exp_avg / correction1) / ((exp_avg_sq / correction2).sqrt() + self.eps)
            slot.param.data[rows] -= slot.lr * lr_factor * update
