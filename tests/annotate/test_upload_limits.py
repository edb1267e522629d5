"""Upload limits per kind, enforced before and while the body streams: 413 naming the limit, body left unread."""
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import Client, RequestFactory
from django.test.client import BOUNDARY, encode_multipart
from django.urls import resolve

from annotate.models import Capture, CaptureStatus
from annotate.services.projects import create_label_class
from annotate.uploads import LimitedUploadHandler, UploadTooLargeError

LIMIT = 64 * 1024
# Equal to Django's MULTIPART_CONTENT but not the same object, so the test client sends the body as given.
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
BIG = 1024 * 1024


class CountingStream(io.BytesIO):
    """A request body that remembers how many bytes the server read from it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def _multipart(**fields) -> bytes:
    return encode_multipart(BOUNDARY, fields)


def _post(client: Client, url: str, body: bytes):
    """POST ``body`` as the real multipart bytes it is, through a stream that counts what is read."""
    stream = CountingStream(body)
    response = client.post(url, data=body, content_type=MULTIPART, **{"wsgi.input": stream})
    return response, stream


@pytest.fixture
def browser(manager):
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def big_file():
    return SimpleUploadedFile("big.zip", b"\0" * BIG)


def _stored_files(media_root) -> list[Path]:
    return [p for p in Path(media_root).rglob("*") if p.is_file()]


def test_a_capture_upload_over_the_limit_gets_413_before_its_body_is_read(
    browser, project, settings, big_file, media_root
):
    settings.RAYLABEL_MAX_UPLOAD_BYTES = LIMIT
    body = _multipart(file=big_file, name="big")
    response, stream = _post(browser, f"/api/projects/{project.pk}/captures/", body)
    assert response.status_code == 413, response.content
    error = response.json()["error"]
    assert "64.0 KiB" in error and "RAYLABEL_MAX_UPLOAD_BYTES" in error and "capture archive" in error
    assert stream.bytes_read == 0 < len(body)  # refused on Content-Length, the body never read
    assert not Capture.objects.exists() and _stored_files(media_root) == []


def test_a_capture_upload_under_the_limit_is_accepted(browser, project, settings, capture_zip):
    body = _multipart(file=SimpleUploadedFile("capture.zip", capture_zip), name="ok")
    settings.RAYLABEL_MAX_UPLOAD_BYTES = len(body)
    response, stream = _post(browser, f"/api/projects/{project.pk}/captures/", body)
    assert response.status_code == 202, response.content
    assert stream.bytes_read == len(body)


def test_a_mesh_upload_over_its_own_limit_gets_413(browser, project, settings, big_file):
    settings.RAYLABEL_MAX_MESH_BYTES = LIMIT
    capture = Capture.objects.create(project=project, name="scene", status=CaptureStatus.READY)
    mug = create_label_class(project=project, name="mug")
    created = browser.post(
        f"/api/captures/{capture.pk}/objects/", {"label_class": mug.pk, "center": [0, 0, 0], "size": [1, 1, 1]},
        content_type="application/json",
    ).json()
    body = _multipart(file=SimpleUploadedFile("mug.obj", b"v 0 0 0\n" * (BIG // 8)), version=1)
    response, stream = _post(browser, f"/api/objects/{created['id']}/mesh/", body)
    assert response.status_code == 413, response.content
    assert "mesh file" in response.json()["error"] and "RAYLABEL_MAX_MESH_BYTES" in response.json()["error"]
    assert stream.bytes_read == 0


def test_a_coco_reference_over_its_own_limit_gets_413(browser, project, settings):
    settings.RAYLABEL_MAX_REFERENCE_BYTES = LIMIT
    body = _multipart(file=SimpleUploadedFile("refs.json", b" " * BIG))
    response, stream = _post(browser, f"/api/projects/{project.pk}/coco-check/", body)
    assert response.status_code == 413, response.content
    assert "COCO reference" in response.json()["error"] and "RAYLABEL_MAX_REFERENCE_BYTES" in response.json()["error"]
    assert stream.bytes_read == 0


def test_an_endpoint_that_takes_no_file_refuses_a_big_multipart_body(browser, settings, big_file):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = LIMIT
    body = _multipart(file=big_file, name="x")
    response, stream = _post(browser, "/api/projects/", body)
    assert response.status_code == 413 and "DATA_UPLOAD_MAX_MEMORY_SIZE" in response.json()["error"]
    assert stream.bytes_read == 0


def test_the_handler_stops_a_body_longer_than_declared_at_the_limit(project, settings, big_file):
    """A body whose Content-Length understates it (a lying client, a server that does not enforce it)
    still stops at the limit: the handler counts the file bytes as they stream past."""
    settings.RAYLABEL_MAX_UPLOAD_BYTES = LIMIT
    body = _multipart(file=big_file, name="big")
    url = f"/api/projects/{project.pk}/captures/"
    request = RequestFactory().post(url, data=body, content_type=MULTIPART)
    request.resolver_match = resolve(url)
    meta = {**request.META, "CONTENT_LENGTH": "1000"}
    stream = CountingStream(body)
    handlers = [LimitedUploadHandler(request)]
    with pytest.raises(UploadTooLargeError, match=r"capture archive is 64\.0 KiB"):
        MultiPartParser(meta, stream, handlers, "utf-8").parse()
    assert stream.bytes_read < len(body) // 4  # stopped within a chunk or two of the limit
