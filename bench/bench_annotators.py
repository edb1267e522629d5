"""Benchmark: 40 simulated annotators on gunicorn and PostgreSQL, each working a shared batch.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379)::

    python -m bench.bench_annotators                   # 40 annotators for 60 s
    python -m bench.bench_annotators --annotators 10 --seconds 20   # a quick look
    python -m bench.bench_annotators --burst             # everyone starts at once on fresh workers

Set-up (not timed): a fresh ``raylabel_bench`` database, a project whose capture has its exact field,
ground-truth boxes and rendered labels, one batch of every frame assigned to every annotator. Then
gunicorn serves the app and each annotator loops as a person would, with think time between steps:
take the next frame of the batch (``POST /api/batches/<id>/next/``), read its labels
(``GET /api/frames/<id>/labels/``), nudge one object (``PATCH /api/objects/<id>/`` with the version
they last saw; a 409 is the expected answer when someone else edited it first, after which they
reload it), and accept the frame (``POST /api/frames/<id>/review/``). Before the clock starts every
annotator sends one untimed request (so each gunicorn worker has loaded the app), and each starts after
a think time of their own rather than all at one instant (``--burst`` skips both: every annotator's
first request lands on a fresh worker at the same moment). Reported per endpoint: count,
p50, p95 and max latency in milliseconds and the statuses seen; an error is a 5xx, a failed
connection or an unexpected status. The machine's load average is printed before and after.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "raylabel_bench"
EXPECTED = {"next": {200, 204}, "labels": {200}, "edit": {200, 409}, "reload": {200}, "review": {200}}


def _configure_environment(var_dir: Path, database_options: str) -> dict:
    query = f"?{database_options}" if database_options else ""
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}{query}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/8",
        "RAYLABEL_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    os.environ.update(env)
    return env


def _create_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def set_up(annotators: int, frames: int, workdir: Path) -> dict:
    """The project, users, capture with labels and one batch; answers what the simulation needs."""
    import django

    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"  # the render runs here, before the clock starts
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from annotate.models import Role
    from annotate.services.labels import start_render
    from annotate.services.projects import create_project, set_membership
    from annotate.services.review import create_batch
    from tests.annotate.scenes import exact_scene_capture

    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    manager = users.create_user("bench-manager", password="bench-password")
    project = create_project(name="Annotator load", user=manager)
    names = [f"annotator-{i:02d}" for i in range(annotators)]
    for name in names:
        users.create_user(name, password="bench-password")
        set_membership(project=project, username=name, role=Role.ANNOTATOR)
    capture, _ = exact_scene_capture(project, manager, workdir, n_frames=frames, width=64, height=48)
    job = start_render(capture=capture, user=manager)
    job.refresh_from_db()
    if job.status != "succeeded":
        raise SystemExit(f"the label render did not succeed: {job.status} {job.error}")
    frame_ids = list(capture.frames.order_by("index").values_list("pk", flat=True))
    batch = create_batch(project=project, user=manager, name="all frames", frame_ids=frame_ids, assignees=names)
    return {
        "batch": batch.pk,
        "objects": list(capture.scene_objects.order_by("pk").values_list("pk", flat=True)),
        "tokens": [Token.objects.create(user=users.get(username=name)).key for name in names],
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
         str(workers), "--threads", str(threads), "--worker-class", "gthread", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **env, "CELERY_TASK_ALWAYS_EAGER": "false"},
    )
    url = f"http://127.0.0.1:{port}"
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/api/me/", timeout=2)
            return server, url
        except requests.ConnectionError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start within 60 s")


class Annotator(threading.Thread):
    """One person working the batch: next frame, its labels, an object nudge, accept; with pauses."""

    def __init__(self, url: str, token: str, batch: int, objects: list[int], until: float, seed: int,
                 think_s: tuple[float, float], record, burst: bool = False):
        super().__init__(daemon=True)
        import requests

        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"
        self.url, self.batch, self.objects, self.until = url, batch, objects, until
        self.rng = random.Random(seed)
        self.think_s = think_s
        self.record = record
        self.burst = burst
        self.versions: dict[int, int] = {}

    def call(self, name: str, method: str, path: str, **kwargs):
        start = time.perf_counter()
        try:
            response = self.session.request(method, self.url + path, timeout=30, **kwargs)
        except Exception as error:  # a failed connection is an error of the run, not of the script
            self.record(name, f"exception {type(error).__name__}", time.perf_counter() - start)
            return None
        self.record(name, response.status_code, time.perf_counter() - start)
        return response

    def pause(self) -> None:
        time.sleep(self.rng.uniform(*self.think_s))

    def warm_up(self) -> None:
        """One untimed request, so every gunicorn worker has loaded the app before the clock starts."""
        self.session.get(f"{self.url}/api/me/", timeout=60)

    def run(self) -> None:
        if not self.burst:
            self.pause()  # people do not all click at the same instant
        while time.monotonic() < self.until:
            step = self.call("next", "POST", f"/api/batches/{self.batch}/next/")
            if step is None or step.status_code != 200:
                self.pause()
                continue
            frame = step.json()["id"]
            self.pause()
            self.call("labels", "GET", f"/api/frames/{frame}/labels/")
            self.pause()
            self.nudge(self.rng.choice(self.objects))
            self.pause()
            self.call("review", "POST", f"/api/frames/{frame}/review/", json={"decision": "accepted"})
            self.pause()

    def nudge(self, object_id: int) -> None:
        if object_id not in self.versions:
            self.reload(object_id)
        version = self.versions.get(object_id)
        if version is None:
            return
        center = self.center
        edit = self.call("edit", "PATCH", f"/api/objects/{object_id}/",
                         json={"center": center, "version": version})
        if edit is not None and edit.status_code == 200:
            self.versions[object_id] = edit.json()["version"]
        elif edit is not None and edit.status_code == 409:
            self.reload(object_id)

    @property
    def center(self) -> list[float]:
        return [self.rng.uniform(-0.01, 0.01), self.rng.uniform(-0.01, 0.01), 0.2]

    def reload(self, object_id: int) -> None:
        response = self.call("reload", "GET", f"/api/objects/{object_id}/")
        if response is not None and response.status_code == 200:
            self.versions[object_id] = response.json()["version"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def report(samples: dict, seconds: float, load_before, load_after, args) -> int:
    start = "all at once on fresh workers" if args.burst else "staggered, after one warm-up request each"
    print(f"# {args.annotators} annotators for {seconds:.0f} s; gunicorn {args.workers} workers x {args.threads} "
          f"threads (gthread); think time {args.think_min}-{args.think_max} s; start {start}; "
          f"database options: {args.database_options or 'none'}")
    print(f"# {platform.node()}: {os.cpu_count()} cores, load average before {load_before[0]:.2f}, "
          f"after {load_after[0]:.2f}")
    print("| endpoint | requests | p50 ms | p95 ms | max ms | statuses |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    errors = 0
    for name in ("next", "labels", "edit", "reload", "review"):
        rows = samples.get(name, [])
        if not rows:
            continue
        latencies = [latency * 1000 for _, latency in rows]
        statuses = defaultdict(int)
        for status, _ in rows:
            statuses[status] += 1
        errors += sum(count for status, count in statuses.items() if status not in EXPECTED[name])
        shown = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items(), key=str))
        print(f"| {name} | {len(rows)} | {percentile(latencies, 50):.0f} | {percentile(latencies, 95):.0f} "
              f"| {max(latencies):.0f} | {shown} |")
    print(f"errors (5xx, failed connections, unexpected statuses): {errors}")
    return errors


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--annotators", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--frames", type=int, default=900, help="Frames in the capture and the batch (enough for 60 s).")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes.")
    parser.add_argument("--threads", type=int, default=8, help="Threads per gunicorn worker.")
    parser.add_argument("--think-min", type=float, default=0.5)
    parser.add_argument("--think-max", type=float, default=1.5)
    parser.add_argument("--database-options", default="",
                        help="Query options of DATABASE_URL for the server, e.g. conn_max_age=60 (persistent connections).")
    parser.add_argument("--burst", action="store_true",
                        help="No warm-up request and no staggered start: all annotators hit fresh workers at once.")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="raylabel-bench-annotators-"))
    env = _configure_environment(workdir / "var", args.database_options)
    try:
        _create_database()
        print(f"Setting up {args.frames} frames with labels and {args.annotators} annotators…", flush=True)
        seeded = set_up(args.annotators, args.frames, workdir)
        server, url = start_gunicorn(env, args.workers, args.threads)
        try:
            samples: dict[str, list] = defaultdict(list)
            lock = threading.Lock()

            def record(name, status, latency):
                with lock:
                    samples[name].append((status, latency))

            people = [
                Annotator(url, token, seeded["batch"], seeded["objects"], 0.0, seed,
                          (args.think_min, args.think_max), record, burst=args.burst)
                for seed, token in enumerate(seeded["tokens"])
            ]
            if not args.burst:
                with ThreadPoolExecutor(len(people)) as pool:
                    list(pool.map(Annotator.warm_up, people))
            load_before = os.getloadavg()
            until = time.monotonic() + args.seconds
            for person in people:
                person.until = until
            for person in people:
                person.start()
            for person in people:
                person.join(timeout=args.seconds + 60)
            load_after = os.getloadavg()
        finally:
            server.terminate()
            server.wait(timeout=30)
        errors = report(samples, args.seconds, load_before, load_after, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
