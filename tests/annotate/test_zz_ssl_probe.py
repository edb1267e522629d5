import time
from annotate.services import jobs
from tests.annotate.test_active_learning_heartbeat import test_a_round_that_trains_longer_than_the_heartbeat_timeout_is_not_failed as inner

def test_probe(transactional_db, project, manager, tmp_path, settings, monkeypatch):
    original = jobs.JobReporter.progress
    log = []
    def progress(self, fraction, message="", *, force=False, **result):
        log.append((time.monotonic(), fraction, message, force))
        return original(self, fraction, message, force=force, **result)
    monkeypatch.setattr(jobs.JobReporter, "progress", progress)
    from annotate.services import active_learning as al
    orig_mask = al._small_mask
    def small_mask(frame):
        r = orig_mask(frame); log.append((time.monotonic(), -1, "mask", True)); return r
    monkeypatch.setattr(al, "_small_mask", small_mask)
    try:
        inner(transactional_db, project, manager, tmp_path, settings)
    finally:
        prev = log[0][0] if log else 0
        for t, f, m, force in log:
            if t - prev > 0.5 or force:
                print(f"{t-prev:6.2f} {f:.3f} {force} {m}")
            prev = t
