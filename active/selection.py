"""A batch of picked frames, each with its score and the reason it was picked (Label Studio style)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np


@dataclass(frozen=True)
class Pick:
    """One picked frame: its index into the candidate pool, its score and why it was picked."""

    index: int
    score: float
    reason: str


@dataclass(frozen=True)
class SelectionResult:
    """What an acquisition function picked, in pick order.

    method : registry name of the acquisition function
    indices : (k,) int64 indices into the candidate pool, best (or first picked) first
    scores : (k,) float64 the score each pick had when it was picked
    reasons : k human-readable sentences, one per pick
    model_version : version of the model whose outputs were scored, if any
    """

    method: str
    indices: np.ndarray
    scores: np.ndarray
    reasons: tuple[str, ...]
    model_version: str | None = None

    def __post_init__(self) -> None:
        if not (len(self.indices) == len(self.scores) == len(self.reasons)):
            raise ValueError("indices, scores and reasons must have the same length")

    def __len__(self) -> int:
        return len(self.indices)

    def __iter__(self) -> Iterator[Pick]:
        for index, score, reason in zip(self.indices, self.scores, self.reasons):
            yield Pick(int(index), float(score), reason)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest ``scores`` (N,), highest first; ties go to the lowest index."""
    if not 0 <= k <= len(scores):
        raise ValueError(f"cannot pick {k} of {len(scores)} candidates")
    # A stable sort of the negated scores keeps equal scores in index order.
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")[:k].astype(np.int64)


def rank_reasons(
    scores: np.ndarray, picked: np.ndarray, pool_size: int, describe: Callable[[float], str]
) -> tuple[str, ...]:
    """Reasons like ``"entropy 1.23, rank 1 of 400"`` for picks taken in rank order."""
    return tuple(
        f"{describe(float(scores[index]))}, rank {rank} of {pool_size}"
        for rank, index in enumerate(picked, start=1)
    )
