"""Malformed input is refused with a 400 (or 413) that says what is wrong, never a 500.

Every query parameter is read through a serializer that the OpenAPI schema declares, so a fuzzer that
reads the schema sends them too.
"""
import json

import pytest
import trimesh
from django.core.files.uploadedfile import SimpleUploadedFile

from annotate.models import ActiveLearningRound, Capture, CaptureStatus, Frame, FrameScore
from annotate.services.projects import create_label_class
from annotate.services.scene_objects import create_object

IDENTITY = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]


@pytest.fixture
def scene(project, manager):
    """A capture with a frame, a class, an object and an active-learning round that picked the frame."""
    capture = Capture.objects.create(project=project, name="scene", status=CaptureStatus.READY)
    frame = Frame.objects.create(
        capture=capture, index=0, file_name="0.png", image="x.png", thumbnail="x.jpg", width=4, height=3,
        fx=1, fy=1, cx=2, cy=1.5, camera_to_world=IDENTITY,
    )
    mug = create_label_class(project=project, name="mug")
    obj = create_object(capture=capture, user=manager, label_class=mug.pk, center=[0, 0, 0], size=[1, 1, 1])
    al_round = ActiveLearningRound.objects.create(project=project, requested_method="random", batch_size=1)
    FrameScore.objects.create(al_round=al_round, frame=frame, score=0.5, rank=1)
    return {"project": project, "capture": capture, "frame": frame, "class": mug, "object": obj, "round": al_round}


def _mesh_upload(version):
    data = trimesh.creation.box(extents=(0.1, 0.2, 0.3)).export(file_type="ply")
    return {"file": SimpleUploadedFile("mug.ply", data), "version": version}


def _nested_brackets(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# (name, request, words the error message must hold); each request is (method, url, body, format).
MALFORMED_REQUESTS = [
    ("frames batch not a number", lambda s: ("get", f"/api/captures/{s['capture'].pk}/frames/?batch=abc", None, None), "batch"),
    ("frames batch beyond bigint", lambda s: ("get", f"/api/captures/{s['capture'].pk}/frames/?batch={2**64}", None, None), "batch"),
    ("frames review_status NUL", lambda s: ("get", f"/api/captures/{s['capture'].pk}/frames/?review_status=%00", None, None), "review_status"),
    ("frames review_status unknown", lambda s: ("get", f"/api/captures/{s['capture'].pk}/frames/?review_status=maybe", None, None), "review_status"),
    ("frames max_confidence not a number", lambda s: ("get", f"/api/captures/{s['capture'].pk}/frames/?max_confidence=abc", None, None), "max_confidence"),
    ("frames offset beyond bigint", lambda s: ("get", f"/api/captures/{s['capture'].pk}/frames/?offset={10**30}", None, None), "offset"),
    ("projects offset beyond bigint", lambda s: ("get", f"/api/projects/?offset={10**30}", None, None), "offset"),
    ("jobs kind NUL", lambda s: ("get", f"/api/projects/{s['project'].pk}/jobs/?kind=%00", None, None), "kind"),
    ("object delete version not a number", lambda s: ("delete", f"/api/objects/{s['object'].pk}/?version=abc", None, None), "version"),
    ("object delete version 1e3", lambda s: ("delete", f"/api/objects/{s['object'].pk}/?version=1e3", None, None), "version"),
    ("object delete without version", lambda s: ("delete", f"/api/objects/{s['object'].pk}/", None, None), "version"),
    ("mesh upload version not a number", lambda s: ("post", f"/api/objects/{s['object'].pk}/mesh/", _mesh_upload("abc"), "multipart"), "version"),
    ("batch size beyond integer", lambda s: ("post", f"/api/projects/{s['project'].pk}/batches/", {"al_round": s["round"].pk, "size": 10**20}, "json"), "size"),
    ("batch size 1e20", lambda s: ("post", f"/api/projects/{s['project'].pk}/batches/", {"al_round": s["round"].pk, "size": 1e20}, "json"), "size"),
    ("batch frame id beyond bigint", lambda s: ("post", f"/api/projects/{s['project'].pk}/batches/", {"frames": [2**64]}, "json"), "frames"),
    ("export kitti_types a list", lambda s: ("post", f"/api/projects/{s['project'].pk}/exports/", {"format": "kitti", "options": {"kitti_types": ["Car"]}}, "json"), "kitti_types"),
    ("export kitti_types a string", lambda s: ("post", f"/api/projects/{s['project'].pk}/exports/", {"format": "kitti", "options": {"kitti_types": "Car"}}, "json"), "kitti_types"),
    ("coco file nested too deep", lambda s: ("post", f"/api/projects/{s['project'].pk}/coco-check/", {"file": SimpleUploadedFile("refs.json", _nested_brackets(100_000))}, "multipart"), "nested"),
    ("class colour not hex", lambda s: ("post", f"/api/projects/{s['project'].pk}/classes/", {"name": "cup", "color": "#zzzzzz"}, "json"), "color"),
    ("class colour change not hex", lambda s: ("patch", f"/api/projects/{s['project'].pk}/classes/{s['class'].pk}/", {"color": "red"}, "json"), "color"),
]


@pytest.mark.parametrize("make_request, words", [(r, w) for _, r, w in MALFORMED_REQUESTS],
                         ids=[name for name, _, _ in MALFORMED_REQUESTS])
def test_malformed_input_is_a_400_with_a_message(manager_api, scene, make_request, words):
    method, url, body, body_format = make_request(scene)
    kwargs = {"format": body_format} if body_format else {}
    response = getattr(manager_api, method)(url, body, **kwargs) if body is not None else getattr(manager_api, method)(url)
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert words in response.json()["error"], response.json()


def test_a_json_body_over_the_size_limit_is_a_413_naming_the_limit(manager_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = manager_api.post("/api/projects/", {"name": "big", "description": "x" * 2000}, format="json")
    assert response.status_code == 413, response.content[:300]
    assert "1000 bytes" in response.json()["error"]


def test_a_well_formed_list_query_still_filters(manager_api, scene):
    url = f"/api/captures/{scene['capture'].pk}/frames/?review_status=pending&batch=999&limit=5&offset=0"
    response = manager_api.get(url)
    assert response.status_code == 200 and response.json()["results"] == []
    jobs = manager_api.get(f"/api/projects/{scene['project'].pk}/jobs/?kind=train")
    assert jobs.status_code == 200 and jobs.json()["results"] == []


def test_deleting_an_object_with_its_version_still_works(manager_api, scene):
    response = manager_api.delete(f"/api/objects/{scene['object'].pk}/?version=1")
    assert response.status_code == 204


def test_a_hex_class_colour_is_accepted(manager_api, scene):
    response = manager_api.post(f"/api/projects/{scene['project'].pk}/classes/", {"name": "cup", "color": "#A0b1C2"})
    assert response.status_code == 201 and response.json()["color"] == "#A0b1C2"


def _query_parameters(schema: dict, path: str, method: str) -> set[str]:
    return {p["name"] for p in schema["paths"][path][method].get("parameters", []) if p["in"] == "query"}


def test_the_schema_declares_the_query_parameters(manager_api):
    response = manager_api.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    frames = _query_parameters(schema, "/api/captures/{capture_id}/frames/", "get")
    assert {"batch", "review_status", "max_confidence", "limit", "offset"} <= frames
    assert {"kind", "limit", "offset"} <= _query_parameters(schema, "/api/projects/{project_id}/jobs/", "get")
    assert {"version"} <= _query_parameters(schema, "/api/objects/{object_id}/", "delete")
    assert {"limit", "offset"} <= _query_parameters(schema, "/api/projects/", "get")
