"""Acquisition functions: which frames a round picks for labelling.

The registry (:mod:`active.acquisition.registry`) names every function, says in plain words what it picks
and what it can do, and imports a function's module only when :func:`make_acquisition` needs it, so this
package loads without torch. Each function has ``needs`` (which model outputs it reads, see
:class:`AcquisitionInputs`) and ``select(inputs, k) -> SelectionResult``; single-sample scorers also have
``score(inputs) -> (N,)``.
"""
from active.acquisition.inputs import AcquisitionInputs, gather_detection_inputs, gather_inputs
from active.acquisition.registry import (
    ACQUISITION_FUNCTIONS,
    SCORING_MODELS,
    AcquisitionFunction,
    acquisition_function,
    functions_for,
    make_acquisition,
    register_acquisition,
)

__all__ = [
    "ACQUISITION_FUNCTIONS",
    "SCORING_MODELS",
    "AcquisitionFunction",
    "AcquisitionInputs",
    "acquisition_function",
    "functions_for",
    "gather_detection_inputs",
    "gather_inputs",
    "make_acquisition",
    "register_acquisition",
]
