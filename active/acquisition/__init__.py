"""Acquisition functions: the one place that imports them all, so the registry is complete.

Each function has ``needs`` (which model outputs it reads, see :class:`AcquisitionInputs`) and
``select(inputs, k) -> SelectionResult``; single-sample scorers also have ``score(inputs) -> (N,)``.
"""
from active.acquisition.bald_acquisition import BaldAcquisition, mutual_information_map
from active.acquisition.base import FrameScorer
from active.acquisition.coreset_acquisition import CoresetAcquisition
from active.acquisition.entropy_acquisition import EntropyAcquisition
from active.acquisition.equal_acquisition import EqualAcquisition, flip_disagreement
from active.acquisition.inputs import AcquisitionInputs, gather_inputs
from active.acquisition.random_acquisition import RandomAcquisition
from active.acquisition.registry import ACQUISITION_FUNCTIONS, make_acquisition, register_acquisition

__all__ = [
    "ACQUISITION_FUNCTIONS",
    "AcquisitionInputs",
    "BaldAcquisition",
    "CoresetAcquisition",
    "EntropyAcquisition",
    "EqualAcquisition",
    "FrameScorer",
    "RandomAcquisition",
    "flip_disagreement",
    "gather_inputs",
    "make_acquisition",
    "mutual_information_map",
    "register_acquisition",
]
