"""Picks and batch items name the capture their frame comes from, so a manager sees where each is."""
from annotate.models import ActiveLearningRound, FrameScore
from tests.annotate.test_role_policy import world  # noqa: F401 - the fixture


def test_a_batchs_frames_name_their_capture(world, annotator_api):  # noqa: F811
    response = annotator_api.get(f"/api/batches/{world.batch.pk}/")
    assert response.status_code == 200
    assert [(f["capture"], f["capture_name"]) for f in response.json()["frames"]] == [(world.ready.pk, "kitchen")]


def test_a_rounds_picks_name_their_capture(world, annotator_api):  # noqa: F811
    al_round = ActiveLearningRound.objects.create(
        project=world.project, requested_method="random", method="random", reason="", batch_size=2)
    for rank, frame in enumerate(world.frames[:2], start=1):
        FrameScore.objects.create(al_round=al_round, frame=frame, score=1.0 / rank, rank=rank, reason="picked")
    response = annotator_api.get(f"/api/al-rounds/{al_round.pk}/")
    assert response.status_code == 200
    assert [p["capture_name"] for p in response.json()["picks"]] == ["kitchen", "kitchen"]
