"""A long active-learning round keeps its heartbeat while it trains and scores.

The web process fails running jobs whose worker has been silent longer than the heartbeat timeout (it
does so whenever jobs are polled). Here a thread plays that web process, polling all through a round
whose training alone takes longer than the timeout: the round must never be failed, and it succeeds.
"""
import threading

import pytest
from django.db import connections

from annotate.models import ActiveLearningRound, Frame, Job, JobStatus
from annotate.services.active_learning import start_round
from annotate.services.jobs import expire_stale_jobs
from annotate.services.labels import start_render
from annotate.services.review import review_frame
from annotate.tasks import active_learning_round_task, render_labels_task
from tests.annotate.scenes import exact_scene_capture

HEARTBEAT_TIMEOUT_S = 2
#: Enough training steps to take longer than the timeout even on a quiet machine (a step takes 20-500 ms).
TRAIN_STEPS = 250


def _poll_like_the_web(stop: threading.Event, expired: list[int]) -> None:
    try:
        while not stop.wait(0.1):
            expired.append(expire_stale_jobs())
    finally:
        connections.close_all()


@pytest.mark.slow
def test_a_round_that_trains_longer_than_the_heartbeat_timeout_is_not_failed(
    transactional_db, project, manager, tmp_path, settings
):
    capture, _ = exact_scene_capture(project, manager, tmp_path, n_frames=8)
    render_labels_task(start_render(capture=capture, user=manager).id)
    for frame in Frame.objects.filter(capture=capture, index__lt=4):
        review_frame(frame=frame, user=manager, decision="accepted")
    settings.RAYLABEL_JOB_HEARTBEAT_TIMEOUT_S = HEARTBEAT_TIMEOUT_S
    job = start_round(project=project, user=manager, method="bald", batch_size=2, train_steps=TRAIN_STEPS)

    stop, expired = threading.Event(), []
    poller = threading.Thread(target=_poll_like_the_web, args=(stop, expired))
    poller.start()
    try:
        active_learning_round_task(job.id)
    finally:
        stop.set()
        poller.join()

    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.SUCCEEDED, "")
    assert len(expired) > 10 and sum(expired) == 0
    assert (job.finished_at - job.started_at).total_seconds() > HEARTBEAT_TIMEOUT_S
    assert ActiveLearningRound.objects.get(job=job).scores.filter(rank__isnull=False).count() == 2
    assert Job.objects.filter(status=JobStatus.FAILED).count() == 0
