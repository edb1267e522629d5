"""Schemathesis fuzzes the whole API on a live server (PostgreSQL, Redis) and must see no 5xx.

Path parameters are pinned to rows that exist (a project with a capture, frames, objects, a batch and
a queued job), so the generated query parameters and bodies reach the code behind the permission
checks instead of stopping at a 404. The run is bounded by ``FUZZ_SECONDS`` of fuzzing.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
FUZZ_SECONDS = int(os.environ.get("RAYLABEL_FUZZ_SECONDS", "150"))


def _seed_project() -> dict:
    """The demo project (small) with a batch and a queued job; answers the ids the fuzzer is pinned to."""
    from django.core.management import call_command

    from annotate.models import Capture, Project
    from annotate.services.review import create_batch
    from annotate.services.training import start_training

    call_command("load_demo", frames=6, width=64, height=48, train=False, stdout=open(os.devnull, "w"))
    project = Project.objects.get(name="Demo")
    capture = Capture.objects.get(project=project)
    manager = project.memberships.get(role="manager").user
    frames = list(capture.frames.order_by("index").values_list("pk", flat=True))
    batch = create_batch(project=project, user=manager, name="fuzz", frame_ids=frames[:3],
                         assignees=["demo-annotator"])
    job = start_training(capture=capture, user=manager)
    return {
        "token": Token.objects.get_or_create(user=manager)[0].key,
        "path": {
            "project_id": project.pk,
            "capture_id": capture.pk,
            "frame_id": frames[0],
            "object_id": capture.scene_objects.order_by("pk").first().pk,
            "batch_id": batch.pk,
            "job_id": job.pk,
            "class_pk": project.label_classes.order_by("pk").first().pk,
            "username": "demo-annotator",
            "layer": "instance",
        },
    }


def _config(tmp_path: Path, path_parameters: dict) -> Path:
    lines = ["[parameters]"] + [
        f'"path.{name}" = {json.dumps(value)}' for name, value in path_parameters.items()
    ]
    config = tmp_path / "schemathesis.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def test_fuzzing_the_api_finds_no_server_error(live_server, transactional_db, shared_media_root, tmp_path):
    """Every operation of /api/schema/, fuzzed with valid and invalid data, answers below 500."""
    seeded = _seed_project()
    report = tmp_path / "report"
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(_config(tmp_path, seeded["path"])),
        "run", f"{live_server.url}/api/schema/",
        "--checks", "not_a_server_error",
        "--header", f"Authorization: Token {seeded['token']}",
        "--phases", "examples,coverage,fuzzing",
        "--max-time", str(FUZZ_SECONDS),
        "--max-examples", "40",
        "--workers", "1",
        "--seed", "11",
        "--request-timeout", "30",
        "--report", "junit", "--report-dir", str(report),
    ]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=FUZZ_SECONDS * 3 + 120)
    output = run.stdout + run.stderr
    assert "API Operations" in output or "operations" in output.lower(), output[-4000:]
    print(output[-6000:])
    assert run.returncode == 0, f"schemathesis found server errors:\n{output[-12000:]}"
