"""A real Celery worker process on the real broker (Redis) and database (PostgreSQL) of the suite."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("integration tests need PostgreSQL: run them with `make test` (DATABASE_URL)")
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def celery_worker_process(transactional_db, media_root, tmp_path):
    broker = django_settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        pytest.fail("integration tests need the Redis broker: run them with `make test` (CELERY_BROKER_URL)")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "RAYLABEL_MEDIA_ROOT": str(media_root),
        "PYTHONUNBUFFERED": "1",
    }
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    subprocess.run([*celery, "purge", "-f", "-Q", "cpu,gpu"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=60)
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [*celery, "worker", "-Q", "cpu,gpu", "--pool", "solo", "-n", f"test-{uuid.uuid4().hex[:8]}@%h",
             "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(lambda: "ready." in log_path.read_text() or process.poll() is not None, 90)
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited at start:\n{log_path.read_text()}")
        process.log_path = log_path
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for(condition, timeout_s: float, interval_s: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval_s)
    return False


def wait_for_job(api, job_id: int, timeout_s: float = 120) -> dict:
    job = {}

    def ended() -> bool:
        nonlocal job
        job = api.get(f"/api/jobs/{job_id}/").json()
        return job["status"] not in ("queued", "running")

    assert _wait_for(ended, timeout_s, 0.3), f"job {job_id} still {job.get('status')} after {timeout_s}s"
    return job
