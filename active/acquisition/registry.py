"""Acquisition functions by name: what each is called, what it picks in plain words, what it can do, and
where its code lives.

A leaf: it imports none of the functions (each is imported by :func:`make_acquisition` when a round needs
it), so the web process lists them and checks a round request without numpy-heavy or torch code.
Adding a function: its module in this package plus one ``register_acquisition`` line at the end of this file.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AcquisitionFunction:
    """One registered acquisition function.

    name : registry name (API, job params, ``SelectionResult.method``); the class's ``name`` says the same
    label : its short name for people ("EquAL")
    description : what it picks, in plain words
    implementation : ``"module:Class"``; the class takes its options as keywords and has ``needs`` and
        ``select(inputs, k) -> SelectionResult``
    needs_trained_model : its picks mean something only once the scoring model learnt from labelled frames
    scores_every_frame : the class also has ``score(inputs) -> (N,)``, a score for every candidate
    draws_random : the class takes the round's ``rng`` (a numpy Generator)
    scoring_models : the kinds of scoring model (:data:`SCORING_MODELS`) whose outputs it can rank frames
        with: ``"segmentation"`` (per-pixel class probabilities and features) or ``"detection3d"`` (a 3D
        detector's boxes with class probabilities)
    """

    name: str
    label: str
    description: str
    implementation: str
    needs_trained_model: bool = False
    scores_every_frame: bool = True
    draws_random: bool = False
    scoring_models: frozenset[str] = frozenset({"segmentation"})

    def load(self) -> type:
        """The implementing class (imports its module)."""
        module, _, attribute = self.implementation.partition(":")
        return getattr(importlib.import_module(module), attribute)


#: the kinds of model a round can score frames with: a small segmentation model, or a 3D box detector
SCORING_MODELS = ("segmentation", "detection3d")

#: name -> the function's entry, in the order people see them
ACQUISITION_FUNCTIONS: dict[str, AcquisitionFunction] = {}


def register_acquisition(function: AcquisitionFunction) -> AcquisitionFunction:
    """Register ``function`` under its name; a second use of a name, or an unknown scoring model, raises."""
    if function.name in ACQUISITION_FUNCTIONS:
        raise ValueError(f"acquisition function {function.name!r} is already registered")
    if not function.scoring_models or not set(function.scoring_models) <= set(SCORING_MODELS):
        raise ValueError(f"{function.name!r} must rank frames with some of {SCORING_MODELS}, "
                         f"not {sorted(function.scoring_models)}")
    ACQUISITION_FUNCTIONS[function.name] = function
    return function


def acquisition_function(name: str) -> AcquisitionFunction:
    """The entry registered as ``name``; a KeyError naming the known ones otherwise."""
    try:
        return ACQUISITION_FUNCTIONS[name]
    except KeyError:
        raise KeyError(f"unknown acquisition function {name!r}; known: {sorted(ACQUISITION_FUNCTIONS)}") from None


def functions_for(scoring_model: str) -> list[AcquisitionFunction]:
    """The registered functions that can rank frames with ``scoring_model`` (one of :data:`SCORING_MODELS`),
    in the order people see them; a ValueError for an unknown kind."""
    if scoring_model not in SCORING_MODELS:
        raise ValueError(f"unknown scoring model {scoring_model!r}; known: {', '.join(SCORING_MODELS)}")
    return [entry for entry in ACQUISITION_FUNCTIONS.values() if scoring_model in entry.scoring_models]


def make_acquisition(name: str, *, rng: Any = None, **options: Any):
    """An instance of the function registered as ``name`` with ``options``; ``rng`` (a numpy Generator)
    goes to functions that draw at random and is ignored by the others."""
    function = acquisition_function(name)
    if function.draws_random and rng is not None:
        options["rng"] = rng
    return function.load()(**options)


register_acquisition(AcquisitionFunction(
    "random", "Random", "frames drawn at random",
    "active.acquisition.random_acquisition:RandomAcquisition", draws_random=True,
    scoring_models=frozenset({"segmentation", "detection3d"})))
register_acquisition(AcquisitionFunction(
    "entropy", "Entropy", "frames the model is least sure about",
    "active.acquisition.entropy_acquisition:EntropyAcquisition", needs_trained_model=True))
register_acquisition(AcquisitionFunction(
    "equal", "EquAL", "frames the model is unsure about, or where it changes its answer on a mirrored image",
    "active.acquisition.equal_acquisition:EqualAcquisition", needs_trained_model=True))
register_acquisition(AcquisitionFunction(
    "bald", "BALD", "frames where the model's guesses disagree",
    "active.acquisition.bald_acquisition:BaldAcquisition", needs_trained_model=True))
register_acquisition(AcquisitionFunction(
    "coreset", "Coreset", "frames that cover the whole scene",
    "active.acquisition.coreset_acquisition:CoresetAcquisition", scores_every_frame=False))
register_acquisition(AcquisitionFunction(
    "detection_entropy", "Box entropy",
    "frames where the 3D detector is least sure what its boxes are, or where it finds no box at all",
    "active.acquisition.detection_entropy_acquisition:DetectionEntropyAcquisition", needs_trained_model=True,
    draws_random=True, scoring_models=frozenset({"detection3d"})))
