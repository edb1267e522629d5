"""Schemathesis fuzzes the whole API on a live server (PostgreSQL, Redis): no 5xx, and every answer as documented.

Besides "no server error", every response must conform to /api/schema/: a documented status code, a
documented content type, a body that validates against the documented schema (lists are pages, errors
the one error body) and the documented headers.

Path parameters are pinned to rows that exist (a project whose capture has a field, objects and rendered
labels, a batch and a queued job), so the generated query parameters and bodies reach the code behind
the permission checks instead of stopping at a 404. The run is bounded by ``FUZZ_SECONDS`` of fuzzing
(``RAYLABEL_FUZZ_SECONDS``, 150 by default).
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

FUZZ_SECONDS = int(os.environ.get("RAYLABEL_FUZZ_SECONDS", "150"))
CHECKS = [
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
    "response_headers_conformance",
]


def _seed_project(root: Path) -> dict:
    """A project whose capture has a field, boxes and rendered labels, a batch, an active-learning round and
    a queued job.

    Answers the manager's token and the ids the fuzzer's path parameters are pinned to.
    """
    from django.contrib.auth import get_user_model

    from annotate.models import ActiveLearningRound, Role
    from annotate.services.labels import start_render
    from annotate.services.projects import create_project, set_membership
    from annotate.services.review import create_batch
    from annotate.services.training import start_training
    from annotate.tasks import render_labels_task
    from tests.annotate.scenes import exact_scene_capture

    users = get_user_model().objects
    manager = users.create_user("fuzz-manager", password="fuzz-password")
    users.create_user("fuzz-annotator", password="fuzz-password")
    project = create_project(name="Fuzzed", user=manager)
    set_membership(project=project, username="fuzz-annotator", role=Role.ANNOTATOR)
    capture, _ = exact_scene_capture(project, manager, root, n_frames=6)
    render_labels_task(start_render(capture=capture, user=manager).id)
    frames = list(capture.frames.order_by("index").values_list("pk", flat=True))
    batch = create_batch(project=project, user=manager, name="fuzz", frame_ids=frames[:3],
                         assignees=["fuzz-annotator"])
    al_round = ActiveLearningRound.objects.create(
        project=project, requested_method="random", method="random", reason="seeded", batch_size=3,
    )
    job = start_training(capture=capture, user=manager)
    return {
        "token": Token.objects.get_or_create(user=manager)[0].key,
        "path": {
            "project_id": project.pk,
            "capture_id": capture.pk,
            "frame_id": frames[0],
            "object_id": capture.scene_objects.order_by("pk").first().pk,
            "field_id": capture.field_models.get().pk,
            "batch_id": batch.pk,
            "round_id": al_round.pk,
            "job_id": job.pk,
            "class_pk": project.label_classes.order_by("pk").first().pk,
            "username": "fuzz-annotator",
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


def _fuzz(url: str, config: Path, token: str, seconds: int, report: Path, *selection: str) -> str:
    """Run schemathesis on the operations ``selection`` picks; answers its output, fails on any failed check."""
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
        "run", f"{url}/api/schema/",
        "--checks", ",".join(CHECKS),
        "--header", f"Authorization: Token {token}",
        "--phases", "examples,coverage,fuzzing",
        "--max-time", str(seconds),
        "--max-examples", "40",
        "--workers", "1",
        "--seed", "11",
        "--request-timeout", "30",
        "--report", "junit", "--report-dir", str(report),
        *selection,
    ]
    run = subprocess.run(command, cwd=config.parent, capture_output=True, text=True, timeout=seconds * 3 + 120)
    output = run.stdout + run.stderr
    assert "Tested:" in output, output[-4000:]
    assert run.returncode == 0, f"schemathesis found server errors or answers unlike the schema:\n{output[-12000:]}"
    return output


def test_fuzzing_the_api_finds_no_server_error_and_no_undocumented_answer(
    live_server, transactional_db, shared_media_root, tmp_path,
):
    """Every operation of /api/schema/, fuzzed with valid and invalid data, answers below 500 and as documented.

    Deletions run last, in a second pass, so that the rows the other operations are pinned to exist
    while those are fuzzed.
    """
    seeded = _seed_project(tmp_path)
    config = _config(tmp_path, seeded["path"])
    url, token = live_server.url, seeded["token"]
    kept = _fuzz(url, config, token, FUZZ_SECONDS * 4 // 5, tmp_path / "report", "--exclude-method", "DELETE")
    deleting = _fuzz(url, config, token, FUZZ_SECONDS // 5, tmp_path / "report", "--include-method", "DELETE")
    tested = [int(line.split()[-1]) for line in (kept + deleting).splitlines() if line.strip().startswith("Tested:")]
    assert sum(tested) >= 50, f"schemathesis tested only {tested} operations"
