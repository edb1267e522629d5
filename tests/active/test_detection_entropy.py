"""Box entropy (ActiveAnno3D's entropy query) on hand-made detector outputs: exact scores, rankings and reasons."""
import numpy as np
import pytest

from active.acquisition import (
    ACQUISITION_FUNCTIONS,
    AcquisitionFunction,
    AcquisitionInputs,
    make_acquisition,
    register_acquisition,
)
from active.acquisition.detection_entropy_acquisition import (
    DetectionEntropyAcquisition,
    box_entropies,
    frame_box_entropy,
)
from active.acquisition.inputs import gather_detection_inputs, gather_inputs
from active.acquisition.random_acquisition import RandomAcquisition
from active.acquisition.registry import SCORING_MODELS, acquisition_function, functions_for
from active.models.detection3d.samples import DetectionSample, Detections

CLASSES = ("ball", "box", "can")
LN3 = np.log(3.0)
CONFIDENT = (0.98, 0.01, 0.01)
H_CONFIDENT = -(0.98 * np.log(0.98) + 2 * 0.01 * np.log(0.01))


def entropy(*p):
    return -sum(x * np.log(x) for x in p if x > 0)


def frame(*boxes):
    """Detections from ``(class_probs, (x, y))`` pairs: a 1 m cube at (x, y) with those class probabilities."""
    if not boxes:
        return Detections.empty(len(CLASSES))
    probs = np.array([p for p, _ in boxes], np.float32)
    centres = np.array([[x, y, 0.0, 1.0, 1.0, 1.0, 0.0] for _, (x, y) in boxes], np.float32)
    return Detections(centres, probs.max(axis=1), probs.argmax(axis=1), probs)


def inputs_of(*frames):
    return AcquisitionInputs(len(frames), detections=list(frames), class_names=CLASSES, model_version="pointpillars-v2")


def test_box_entropy_is_the_shannon_entropy_of_each_box_in_nats():
    probs = np.array([[1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0], [0.5, 0.5, 0.0], list(CONFIDENT)])
    np.testing.assert_allclose(box_entropies(probs), [LN3, 0.0, np.log(2), H_CONFIDENT], atol=1e-12)
    with pytest.raises(ValueError, match="non-negative"):
        box_entropies(np.array([[0.5, np.nan, 0.5]]))


def test_a_frame_of_ambiguous_boxes_ranks_above_one_of_confident_boxes():
    ambiguous = frame(((0.4, 0.35, 0.25), (2.0, 0.0)), ((0.34, 0.33, 0.33), (4.0, 1.0)))
    confident = frame((CONFIDENT, (2.0, 0.0)), ((0.01, 0.98, 0.01), (3.0, -1.0)))
    inputs = inputs_of(confident, ambiguous)
    scores = DetectionEntropyAcquisition().score(inputs)
    np.testing.assert_allclose(scores, [H_CONFIDENT, (entropy(0.4, 0.35, 0.25) + entropy(0.34, 0.33, 0.33)) / 2],
                               rtol=1e-6)
    result = DetectionEntropyAcquisition().select(inputs, 2)
    assert result.indices.tolist() == [1, 0] and result.method == "detection_entropy"
    assert result.model_version == "pointpillars-v2"


def test_the_frame_score_is_the_mean_over_boxes_so_confident_boxes_dilute_one_ambiguous_box():
    ambiguous_box = ((0.5, 0.5, 0.0), (1.0, 0.0))
    alone = frame(ambiguous_box)
    crowd = frame(ambiguous_box, *[(CONFIDENT, (float(i), 2.0)) for i in range(9)])
    twice = frame(ambiguous_box, ambiguous_box)
    scores = DetectionEntropyAcquisition().score(inputs_of(crowd, alone, twice))
    np.testing.assert_allclose(scores, [(np.log(2) + 9 * H_CONFIDENT) / 10, np.log(2), np.log(2)], rtol=1e-6)
    # the count of boxes does not matter, only how unsure they are on average
    assert DetectionEntropyAcquisition().select(inputs_of(crowd, alone), 2).indices.tolist() == [1, 0]


def test_a_frame_without_boxes_scores_log_c_and_ranks_above_every_frame_with_boxes():
    near_uniform = frame(((0.34, 0.33, 0.33), (1.0, 1.0)))
    assert frame_box_entropy(np.zeros((0, 3))) == pytest.approx(LN3)
    acquisition = DetectionEntropyAcquisition()
    scores = acquisition.score(inputs_of(near_uniform, frame()))
    assert scores[1] == pytest.approx(LN3) and scores[0] < scores[1]
    result = acquisition.select(inputs_of(near_uniform, frame()), 2)
    assert result.indices.tolist() == [1, 0]
    assert result.reasons[0] == ("no box found (none above the detector's score threshold), so scored as unsure as "
                                 "a box can be (1.10 = log 3), rank 1 of 2")


def test_equal_scores_are_ordered_by_the_rng_and_by_index_without_one():
    frames = [frame() for _ in range(12)]
    by_index = DetectionEntropyAcquisition().select(inputs_of(*frames), 12).indices.tolist()
    assert by_index == list(range(12))
    drawn = [DetectionEntropyAcquisition(np.random.default_rng(seed)).select(inputs_of(*frames), 4).indices.tolist()
             for seed in (0, 0, 1)]
    assert drawn[0] == drawn[1] and drawn[0] != drawn[2] and drawn[0] != [0, 1, 2, 3]
    # the rng only orders ties: a frame with boxes never jumps ahead of a higher score
    mixed = inputs_of(frame((CONFIDENT, (1.0, 0.0))), frame(), frame(((0.5, 0.5, 0.0), (1.0, 0.0))), frame())
    picked = DetectionEntropyAcquisition(np.random.default_rng(3)).select(mixed, 4).indices.tolist()
    assert set(picked[:2]) == {1, 3} and picked[2:] == [2, 0]


def test_the_reason_names_the_most_uncertain_boxes_with_their_class_guesses_and_distance():
    boxes = frame(
        (CONFIDENT, (5.0, 0.0)),
        ((0.1, 0.48, 0.42), (2.0, 1.5)),
        ((0.45, 0.0, 0.55), (0.0, -4.0)),
        ((0.02, 0.9, 0.08), (10.0, 0.0)),
        ((0.03, 0.02, 0.95), (1.0, 1.0)),
    )
    reason = DetectionEntropyAcquisition().select(inputs_of(boxes), 1).reasons[0]
    h = [entropy(0.1, 0.48, 0.42), entropy(0.45, 0.0, 0.55), entropy(0.02, 0.9, 0.08)]
    mean = (H_CONFIDENT + sum(h) + entropy(0.03, 0.02, 0.95)) / 5
    assert reason == (
        f"mean box entropy {mean:.2f} (at most 1.10), rank 1 of 1: 5 boxes, most unsure: "
        f"box 0.48 or can 0.42, 2.5 m away, entropy {h[0]:.2f}; can 0.55 or ball 0.45, 4.0 m away, entropy {h[1]:.2f}; "
        f"box 0.90 or can 0.08, 10.0 m away, entropy {h[2]:.2f}; and 2 more"
    )


def test_reasons_stay_under_500_characters_with_long_class_names():
    names = tuple(f"a very long class name number {i}" for i in range(3))
    boxes = frame(*[((0.34, 0.33, 0.33), (float(i), 0.0)) for i in range(40)])
    inputs = AcquisitionInputs(1, detections=[boxes], class_names=names)
    reason = DetectionEntropyAcquisition().select(inputs, 1).reasons[0]
    assert len(reason) <= 500 and "a very long class n…" in reason and "and 37 more" in reason


def test_detections_that_do_not_match_the_class_names_are_refused():
    with pytest.raises(ValueError, match="class_probs"):
        DetectionEntropyAcquisition().score(AcquisitionInputs(1, detections=[frame()], class_names=("a", "b")))
    with pytest.raises(ValueError, match="detections"):
        DetectionEntropyAcquisition().score(AcquisitionInputs(1))
    with pytest.raises(ValueError, match="2 detections for 1"):
        AcquisitionInputs(1, detections=[frame(), frame()])


def test_random_ranks_detection_inputs_too():
    inputs = inputs_of(*[frame() for _ in range(20)])
    picked = make_acquisition("random", rng=np.random.default_rng(2)).select(inputs, 5)
    again = RandomAcquisition(seed=2).select(inputs, 5)
    assert picked.indices.tolist() == again.indices.tolist() and len(set(picked.indices.tolist())) == 5


def test_the_registry_offers_box_entropy_for_the_detector_only_and_random_for_both():
    assert SCORING_MODELS == ("segmentation", "detection3d")
    assert [e.name for e in functions_for("detection3d")] == ["random", "detection_entropy"]
    assert "detection_entropy" not in [e.name for e in functions_for("segmentation")]
    assert {"random", "entropy", "equal", "bald", "coreset"} <= {e.name for e in functions_for("segmentation")}
    entry = acquisition_function("detection_entropy")
    assert entry.label == "Box entropy" and entry.needs_trained_model
    assert entry.load() is DetectionEntropyAcquisition
    rng = np.random.default_rng(0)
    assert make_acquisition("detection_entropy", rng=rng).rng is rng
    with pytest.raises(ValueError, match="unknown scoring model"):
        functions_for("lidar")
    with pytest.raises(ValueError, match="lidar"):
        register_acquisition(AcquisitionFunction("lidar-only", "L", "l", "builtins:object",
                                                 scoring_models=frozenset({"lidar"})))
    assert "lidar-only" not in ACQUISITION_FUNCTIONS


class CountingDetector:
    """A stand-in 3D detector: one box per frame whose class probabilities come from the frame's first point
    (the contract of ``DetectionModel.predict``), counting its calls."""

    version = "pointpillars-v3"

    class config:
        classes = CLASSES

    def __init__(self):
        self.calls = []

    def predict(self, samples):
        self.calls.append(len(samples))
        out = []
        for sample in samples:
            p = np.abs(sample.points[0, :3]) + 0.01
            out.append(frame(((p / p.sum()).tolist(), (1.0, 0.0))))
        return out


def samples(n):
    rng = np.random.default_rng(0)
    return [DetectionSample(str(i), rng.random((5, 4)).astype(np.float32), np.zeros((0, 7)), np.zeros(0))
            for i in range(n)]


def test_gather_detection_inputs_predicts_once_in_chunks_and_reports_progress():
    detector, progress = CountingDetector(), []
    frames = samples(19)
    inputs = gather_detection_inputs(detector, frames, frozenset({"detections"}), on_progress=progress.append)
    assert detector.calls == [8, 8, 3]
    np.testing.assert_allclose(progress, [8 / 19, 16 / 19, 1.0])
    assert inputs.n_candidates == 19 and len(inputs.detections) == 19
    assert inputs.class_names == CLASSES and inputs.model_version == "pointpillars-v3"
    first = np.abs(frames[0].points[0, :3]) + 0.01
    np.testing.assert_allclose(inputs.detections[0].class_probs[0], first / first.sum(), rtol=1e-6)
    assert DetectionEntropyAcquisition().select(inputs, 3).reasons[0].startswith("mean box entropy")


def test_random_on_the_detector_does_not_run_it_and_inputs_go_to_the_right_gatherer():
    detector = CountingDetector()
    inputs = gather_detection_inputs(detector, samples(4), frozenset())
    assert detector.calls == [] and inputs.n_candidates == 4 and inputs.detections is None
    with pytest.raises(ValueError, match="segmentation model"):
        gather_detection_inputs(detector, samples(4), frozenset({"probs"}))
    with pytest.raises(ValueError, match="3D detector"):
        gather_inputs(object(), np.zeros((1, 2, 2, 3), np.uint8), frozenset({"detections"}))


def test_box_entropy_ranks_the_real_detectors_output():
    """The contract with mmdet3d's PointPillars (active.models.detection3d): one Detections per frame with
    (B, C) class probabilities, scored within [0, log C]. An untrained detector keeps boxes at threshold 0."""
    pytest.importorskip("mmdet3d", reason="mmdet3d is not installed (scripts/install_mmdet3d.sh)")
    detection_model = pytest.importorskip("active.models.detection3d.detection_model")
    from active.models.detection3d.config import DetectorConfig

    config = DetectorConfig(classes=CLASSES, class_sizes=((0.3, 0.3, 0.3), (0.5, 0.5, 0.5), (0.2, 0.2, 0.4)),
                            score_threshold=0.0, max_detections=5)
    model = detection_model.DetectionModel.untrained(config)
    rng = np.random.default_rng(0)
    points = [np.column_stack([rng.uniform(0.5, 6.0, 2000), rng.uniform(-3, 3, 2000), rng.uniform(-1.5, 0.5, 2000),
                               rng.random(2000)]).astype(np.float32) for _ in range(3)]
    frames = [DetectionSample(str(i), p, np.zeros((0, 7)), np.zeros(0)) for i, p in enumerate(points)]
    progress = []
    inputs = gather_detection_inputs(model, frames, frozenset({"detections"}), on_progress=progress.append,
                                     chunk_frames=2)
    assert progress == [2 / 3, 1.0] and inputs.class_names == CLASSES and inputs.model_version == model.version
    assert all(d.class_probs.shape == (len(d), 3) and len(d) > 0 for d in inputs.detections)
    scores = DetectionEntropyAcquisition().score(inputs)
    assert np.all((scores >= 0) & (scores <= LN3 + 1e-6))
    assert DetectionEntropyAcquisition().select(inputs, 1).reasons[0].startswith("mean box entropy")
