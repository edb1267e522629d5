"""Jobs: one active job per target (409), idempotent runs, progress, cancel, failures, lost workers."""
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from annotate.errors import ConflictError, JobCancelled, JobNoLongerOwned, UserFacingError
from annotate.models import Job, JobKind, JobStatus
from annotate.services.jobs import (
    MAX_ATTEMPTS,
    JobReporter,
    cancel_job,
    expire_stale_jobs,
    run_job,
    start_job,
)


def _start(project, target="capture:1"):
    return start_job(kind=JobKind.INGEST, target=target, project=project)


def test_a_second_start_of_a_running_job_is_a_conflict_naming_it(project):
    first = _start(project)
    with pytest.raises(ConflictError) as conflict:
        _start(project)
    assert conflict.value.current["job"]["id"] == first.id
    assert f"job {first.id}" in str(conflict.value)
    other_target = _start(project, target="capture:2")
    assert other_target.id != first.id


def test_a_finished_job_can_be_started_again(project):
    first = _start(project)
    run_job(first.id, lambda job, reporter: {"frames": 3})
    second = _start(project)
    assert second.id != first.id


def test_run_records_result_and_progress_and_is_safe_to_repeat(project):
    job = _start(project)
    calls = []

    def work(job, reporter):
        calls.append(job.id)
        reporter.progress(0.5, "half way", force=True)
        assert Job.objects.get(pk=job.id).progress == 0.5
        return {"frames": 7}

    run_job(job.id, work)
    run_job(job.id, work)  # a duplicate delivery of a finished job does nothing
    job.refresh_from_db()
    assert calls == [job.id]
    assert (job.status, job.progress, job.result) == (JobStatus.SUCCEEDED, 1.0, {"frames": 7})
    assert job.started_at <= job.finished_at


def test_user_facing_errors_fail_the_job_with_their_message(project):
    job = _start(project)

    def work(job, reporter):
        raise UserFacingError("frame 3: images/frame_00003.png is not an image")

    run_job(job.id, work)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "frame 3: images/frame_00003.png is not an image"


def test_the_libraries_input_errors_fail_the_job_with_their_message_as_it_is(project):
    from nerf_labeling.formats.registry import get_format

    job = _start(project)
    run_job(job.id, lambda job, reporter: get_format("yolo"))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("unknown export format 'yolo'; known formats: ")


def test_unexpected_errors_fail_the_job_visibly(project):
    job = _start(project)
    run_job(job.id, lambda job, reporter: 1 / 0)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Internal error (ZeroDivisionError)")


def test_cancelling_a_queued_job_ends_it_before_it_runs(project):
    job = _start(project)
    cancel_job(job=job)
    ran = []
    run_job(job.id, lambda job, reporter: ran.append(1))
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and ran == []


def test_cancelling_a_running_job_stops_it_at_its_next_report(project):
    job = _start(project)
    steps = []

    def work(job, reporter):
        for step in range(10):
            if step == 3:
                cancel_job(job=Job.objects.get(pk=job.id))
            reporter.progress(step / 10, force=True)
            steps.append(step)

    run_job(job.id, work)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert steps == [0, 1, 2]


def test_cancelling_an_ended_job_is_a_conflict(project):
    job = _start(project)
    run_job(job.id, lambda job, reporter: None)
    with pytest.raises(ConflictError):
        cancel_job(job=job)


def test_a_job_whose_worker_went_silent_is_failed_not_running_forever(project, settings):
    settings.RAYLABEL_JOB_HEARTBEAT_TIMEOUT_S = 60
    job = _start(project)
    fresh = _start(project, target="capture:2")
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(seconds=61)
    )
    Job.objects.filter(pk=fresh.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    assert expire_stale_jobs() == 1
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == JobStatus.FAILED and "stopped responding" in job.error
    assert fresh.status == JobStatus.RUNNING


def test_a_second_delivery_of_a_job_running_elsewhere_does_nothing(project):
    job = _start(project)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now())
    ran = []
    run_job(job.id, lambda job, reporter: ran.append(1))
    job.refresh_from_db()
    assert ran == [] and job.status == JobStatus.RUNNING and job.attempts == 1


def test_a_job_whose_worker_died_restarts_then_gives_up_after_max_attempts(project, settings):
    settings.RAYLABEL_JOB_HEARTBEAT_TIMEOUT_S = 60
    job = _start(project)
    silent_since = timezone.now() - timedelta(seconds=120)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=1, heartbeat_at=silent_since)
    run_job(job.id, lambda job, reporter: {"ok": True})
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2

    stuck = _start(project, target="capture:9")
    Job.objects.filter(pk=stuck.pk).update(status=JobStatus.RUNNING, attempts=MAX_ATTEMPTS)
    run_job(stuck.id, lambda job, reporter: {"ok": True})
    stuck.refresh_from_db()
    assert stuck.status == JobStatus.FAILED and f"{MAX_ATTEMPTS} times" in stuck.error


def test_reporter_merges_partial_results_into_the_final_one(project):
    job = _start(project)

    def work(job, reporter):
        reporter.progress(0.2, force=True, curve=[[1, 20.0]])
        return {"psnr": 25.0}

    run_job(job.id, work)
    job.refresh_from_db()
    assert job.result == {"curve": [[1, 20.0]], "psnr": 25.0}


def test_reporter_throttles_database_writes(project):
    job = _start(project)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    reporter = JobReporter(job.id, min_interval_s=3600)
    reporter.progress(0.1, force=True)
    reporter.progress(0.9)
    assert Job.objects.get(pk=job.pk).progress == 0.1


def test_a_queued_job_no_worker_started_in_time_is_failed_with_a_reason(project, settings):
    settings.RAYLABEL_JOB_CLAIM_TIMEOUT_S = 120
    forgotten = _start(project)
    recent = _start(project, target="capture:2")
    Job.objects.filter(pk=forgotten.pk).update(created_at=timezone.now() - timedelta(seconds=121))
    assert expire_stale_jobs() == 1
    forgotten.refresh_from_db()
    recent.refresh_from_db()
    assert forgotten.status == JobStatus.FAILED
    assert forgotten.error.startswith("No worker started this job within 2 min")
    assert recent.status == JobStatus.QUEUED
    assert _start(project).id != forgotten.id  # its target is free again: no 409


def test_a_job_failed_as_silent_never_flips_to_succeeded(project, settings):
    settings.RAYLABEL_JOB_HEARTBEAT_TIMEOUT_S = 60
    job = _start(project)

    def work(job, reporter):
        # The worker is busy without reporting; meanwhile the web process fails the job as silent.
        Job.objects.filter(pk=job.id).update(heartbeat_at=timezone.now() - timedelta(seconds=61))
        assert expire_stale_jobs() == 1
        return {"round": 7}

    run_job(job.id, work)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "stopped responding" in job.error
    assert "round" not in job.result and job.progress < 1.0


def test_a_stale_attempt_stops_at_its_next_report_and_writes_nothing(project):
    job = _start(project)
    steps = []

    def work(job, reporter):
        for step in range(5):
            if step == 2:  # another worker restarted the job (attempt 2) after this one went quiet
                Job.objects.filter(pk=job.id).update(attempts=job.attempts + 1, message="Restarted (attempt 2).")
            reporter.progress(step / 5, f"step {step}", force=True)
            steps.append(step)
        return {"done": True}

    run_job(job.id, work)
    job.refresh_from_db()
    assert steps == [0, 1]
    assert (job.status, job.attempts, job.message, job.result) == (
        JobStatus.RUNNING, 2, "Restarted (attempt 2).", {}
    )


def test_a_stale_attempt_cannot_record_results_or_an_outcome(project):
    job = _start(project)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, attempts=2, heartbeat_at=timezone.now())
    stale = JobReporter(job.id, attempt=1)
    with pytest.raises(JobNoLongerOwned):
        stale.update_result(curve=[[1, 2.0]])
    with pytest.raises(JobNoLongerOwned):
        stale.ensure_owned()
    JobReporter(job.id, attempt=2).update_result(curve=[[1, 2.0]])
    job.refresh_from_db()
    assert job.result == {"curve": [[1, 2.0]]} and job.status == JobStatus.RUNNING


def test_a_long_step_without_progress_reports_keeps_its_heartbeat(transactional_db, project, settings):
    """A live worker whose one step outlasts the heartbeat timeout (a long feature extraction, a training
    step on a loaded machine) is not failed as silent: the job's heartbeat thread keeps it alive."""
    import threading

    from django.db import connections

    settings.RAYLABEL_JOB_HEARTBEAT_TIMEOUT_S = 1
    job = _start(project)
    stop, expired = threading.Event(), []

    def poll_like_the_web():
        try:
            while not stop.wait(0.1):
                expired.append(expire_stale_jobs())
        finally:
            connections.close_all()

    poller = threading.Thread(target=poll_like_the_web)
    poller.start()
    try:
        run_job(job.id, lambda job, reporter: time.sleep(3.5) or {"done": True})
    finally:
        stop.set()
        poller.join()
    job.refresh_from_db()
    assert (job.status, job.error, job.result) == (JobStatus.SUCCEEDED, "", {"done": True})
    assert len(expired) > 20 and sum(expired) == 0


def _in_thread(target):
    import threading

    from django.db import connections

    def run():
        try:
            target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_work_in_one_long_step_sees_a_cancel_through_the_heartbeat(transactional_db, project, settings):
    settings.RAYLABEL_JOB_HEARTBEAT_TIMEOUT_S = 1
    job = _start(project)
    seen_after = []

    def long_step(job, reporter):
        started = time.monotonic()
        while not reporter.stop_requested and time.monotonic() - started < 10:
            time.sleep(0.02)  # one step that never reports, e.g. a feature extraction
        seen_after.append(time.monotonic() - started)
        raise JobCancelled()

    canceller = _in_thread(lambda: (time.sleep(0.5), cancel_job(job=Job.objects.get(pk=job.pk))))
    run_job(job.id, long_step)
    canceller.join()
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert seen_after[0] < 2.0  # within a heartbeat interval or two of the cancel, not the step's 10 s


def test_work_stuck_in_a_step_is_ended_as_cancelled_when_asked(transactional_db, project, settings):
    settings.RAYLABEL_JOB_HEARTBEAT_TIMEOUT_S = 1
    job = _start(project)
    seen = {}

    def cancel_then_poll_like_the_web():
        time.sleep(0.3)
        cancel_job(job=Job.objects.get(pk=job.pk))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and Job.objects.get(pk=job.pk).status == JobStatus.RUNNING:
            expire_stale_jobs()
            time.sleep(0.1)
        seen["status"] = Job.objects.get(pk=job.pk).status

    web = _in_thread(cancel_then_poll_like_the_web)
    run_job(job.id, lambda job, reporter: time.sleep(4) or {"late": True})  # never looks at the cancel
    web.join()
    job.refresh_from_db()
    assert seen["status"] == JobStatus.CANCELLED  # ended while the stuck work still ran
    assert (job.status, job.message) == (JobStatus.CANCELLED, "Cancelled.") and "late" not in job.result
