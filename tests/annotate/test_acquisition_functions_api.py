"""Round methods come from the library's registry: a function registered only there is listed by the API
and runs a round, and an unknown name is refused with the list of known ones."""
import pytest

from annotate.models import Frame, Job
from annotate.tasks import active_learning_round_task
from tests.active.extra_acquisition import last_first_registered
from tests.annotate.scenes import exact_scene_capture


@pytest.fixture
def last_first():
    with last_first_registered() as entry:
        yield entry


def test_the_api_lists_auto_then_every_registered_function(annotator_api):
    body = annotator_api.get("/api/acquisition-functions/").json()
    assert body["default"] == "auto"
    assert [m["name"] for m in body["methods"]] == [
        "auto", "random", "entropy", "equal", "bald", "coreset", "detection_entropy"]
    equal = body["methods"][3]
    assert equal["label"] == "EquAL" and "mirrored image" in equal["description"] and equal["needs_trained_model"]
    assert {m["name"]: m["scoring_models"] for m in body["methods"]} == {
        "auto": ["segmentation", "detection3d"], "random": ["segmentation", "detection3d"],
        "entropy": ["segmentation"], "equal": ["segmentation"], "bald": ["segmentation"],
        "coreset": ["segmentation"], "detection_entropy": ["detection3d"]}


def test_a_function_registered_only_in_the_library_is_listed_and_runs_a_round(last_first, project, manager,
                                                                             manager_api, tmp_path):
    methods = manager_api.get("/api/acquisition-functions/").json()["methods"]
    assert methods[-1] == {"name": "last-first", "label": "Last first", "needs_trained_model": False,
                           "description": "the frames furthest down the list", "scoring_models": ["segmentation"]}
    capture, _ = exact_scene_capture(project, manager, tmp_path, n_frames=6)
    started = manager_api.post(f"/api/projects/{project.pk}/al-rounds/",
                               {"method": "last-first", "batch_size": 2, "train_steps": 1}, format="json")
    assert started.status_code == 202, started.json()
    active_learning_round_task(started.json()["id"])
    job = Job.objects.get(pk=started.json()["id"])
    assert job.status == "succeeded", job.error
    picks = manager_api.get(f"/api/al-rounds/{job.result['round']}/").json()["picks"]
    last_two = list(Frame.objects.filter(capture=capture).order_by("-index").values_list("pk", flat=True)[:2])
    assert [p["frame"] for p in picks] == last_two
    assert picks[0]["reason"].startswith("position in the list 5")


def test_an_unknown_method_is_refused_with_the_known_ones(project, manager, manager_api, tmp_path):
    exact_scene_capture(project, manager, tmp_path, n_frames=4)
    refused = manager_api.post(f"/api/projects/{project.pk}/al-rounds/", {"method": "last-first"}, format="json")
    assert refused.status_code == 400
    assert "Unknown method 'last-first'; choose one of auto, random, entropy, equal, bald, coreset." == \
        refused.json()["error"]
