"""The REST API: roles decide what each user sees and changes; jobs answer 202 / 409; frames are served."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotate.models import Job, JobStatus
from annotate.tasks import ingest_capture_task


def _upload(api, project, data, name="scene.zip"):
    return api.post(
        f"/api/projects/{project.pk}/captures/",
        {"file": SimpleUploadedFile(name, data, content_type="application/zip"), "name": "scene"},
        format="multipart",
    )


def test_anonymous_requests_are_refused():
    response = APIClient().get("/api/projects/")
    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_users_see_only_projects_they_belong_to(project, manager_api, outsider_api):
    assert [p["name"] for p in manager_api.get("/api/projects/").json()["results"]] == ["Kitchen"]
    assert outsider_api.get("/api/projects/").json()["results"] == []
    response = outsider_api.get(f"/api/projects/{project.pk}/")
    assert response.status_code == 404
    assert response.json()["error"] == f"Project {project.pk} not found."


def test_token_authentication(project, manager):
    client = APIClient()
    token = client.post("/api/auth/token/", {"username": "manager", "password": "pw-manager"}).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/me/").json()["projects"] == {str(project.pk): "manager"}


def test_creating_a_project_makes_its_creator_manager(outsider_api):
    response = outsider_api.post("/api/projects/", {"name": "Garage"})
    assert response.status_code == 201
    assert response.json()["role"] == "manager"
    assert outsider_api.post("/api/projects/", {"name": "Garage"}).status_code == 409


def test_only_managers_change_membership_and_classes(project, manager_api, annotator_api, outsider):
    members = f"/api/projects/{project.pk}/members/"
    refused = annotator_api.post(members, {"username": "outsider", "role": "annotator"})
    assert refused.status_code == 403
    assert refused.json()["error"] == "Only a manager of this project can do that."
    assert annotator_api.post(f"/api/projects/{project.pk}/classes/", {"name": "mug"}).status_code == 403

    assert manager_api.post(members, {"username": "outsider", "role": "annotator"}).status_code == 201
    usernames = {m["username"]: m["role"] for m in annotator_api.get(members).json()["results"]}
    assert usernames == {"manager": "manager", "annotator": "annotator", "outsider": "annotator"}

    created = manager_api.post(f"/api/projects/{project.pk}/classes/", {"name": "mug", "kitti_type": "Misc"})
    second = manager_api.post(f"/api/projects/{project.pk}/classes/", {"name": "plate"})
    assert (created.json()["class_id"], second.json()["class_id"]) == (1, 2)
    assert manager_api.post(f"/api/projects/{project.pk}/classes/", {"name": "mug"}).status_code == 409


def test_the_last_manager_cannot_be_removed(project, manager_api):
    response = manager_api.delete(f"/api/projects/{project.pk}/members/manager/")
    assert response.status_code == 400
    assert "at least one manager" in response.json()["error"]


def test_upload_answers_202_with_the_job_and_a_second_ingest_gets_409(
    project, annotator_api, manager_api, capture_zip
):
    response = _upload(annotator_api, project, capture_zip)
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["job"]["status"] == "queued" and body["job"]["kind"] == "ingest"
    capture_id = body["capture"]["id"]

    again = manager_api.post(f"/api/captures/{capture_id}/ingest/")
    assert again.status_code == 409
    assert again.json()["current"]["job"]["id"] == body["job"]["id"]

    ingest_capture_task(body["job"]["id"])
    job = annotator_api.get(f"/api/jobs/{body['job']['id']}/").json()
    assert (job["status"], job["progress"], job["result"]["frames"]) == ("succeeded", 1.0, 4)
    # Re-ingest would replace the frames and everything reviewed on them: only a manager may, and
    # only for a capture whose ingest failed.
    assert annotator_api.post(f"/api/captures/{capture_id}/ingest/").status_code == 403
    ready = manager_api.post(f"/api/captures/{capture_id}/ingest/")
    assert ready.status_code == 409 and "is ready with 4 frames" in ready.json()["error"]


def test_frames_are_listed_in_order_and_their_images_served(project, manager_api, capture_dir, capture_zip):
    body = _upload(manager_api, project, capture_zip).json()
    ingest_capture_task(body["job"]["id"])
    capture_id = body["capture"]["id"]
    page = manager_api.get(f"/api/captures/{capture_id}/frames/?limit=3").json()
    assert page["count"] == 4 and [f["index"] for f in page["results"]] == [0, 1, 2]
    frame = page["results"][1]
    assert len(frame["camera_to_world"]) == 4
    image = manager_api.get(frame["image_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == (capture_dir / frame["file_name"]).read_bytes()
    assert manager_api.get(frame["thumbnail_url"])["Content-Type"] == "image/jpeg"


def test_an_outsider_cannot_read_frames_or_jobs(project, manager_api, outsider_api, capture_zip):
    body = _upload(manager_api, project, capture_zip).json()
    ingest_capture_task(body["job"]["id"])
    frame_id = manager_api.get(f"/api/captures/{body['capture']['id']}/frames/").json()["results"][0]["id"]
    for url in (f"/api/frames/{frame_id}/image/", f"/api/jobs/{body['job']['id']}/",
                f"/api/captures/{body['capture']['id']}/frames/"):
        assert outsider_api.get(url).status_code == 404, url


def test_a_bad_upload_gets_a_readable_400(project, manager_api):
    response = _upload(manager_api, project, b"plain text", name="notes.txt")
    assert response.status_code == 400
    assert "notes.txt is not a zip archive" in response.json()["error"]
    missing = manager_api.post(f"/api/projects/{project.pk}/captures/", {}, format="multipart")
    assert missing.status_code == 400 and missing.json()["error"].startswith("file:")


def test_cancel_a_queued_job_through_the_api(project, manager_api, capture_zip):
    job_id = _upload(manager_api, project, capture_zip).json()["job"]["id"]
    response = manager_api.post(f"/api/jobs/{job_id}/cancel/")
    assert response.status_code == 202 and response.json()["status"] == "cancelled"
    assert manager_api.post(f"/api/jobs/{job_id}/cancel/").status_code == 409
    ingest_capture_task(job_id)
    assert Job.objects.get(pk=job_id).status == JobStatus.CANCELLED


def test_the_openapi_schema_is_served_and_documents_the_endpoints(manager_api):
    response = manager_api.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/projects/", "/api/projects/{project_id}/captures/", "/api/jobs/{job_id}/cancel/"):
        assert path in paths
    docs = manager_api.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_the_login_page_renders(client):
    assert client.get("/login/").status_code == 200
