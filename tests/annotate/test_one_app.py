"""One app: logging in lands in the browser app, the server's old pages redirect into it, and an annotator's
tasks (their batches across projects, with progress) are one request away."""
import pytest
from django.test import Client

from annotate.services.projects import remove_member
from annotate.services.review import create_batch, review_frame


def test_logging_in_lands_in_the_browser_app(annotator):
    response = Client().post("/login/", {"username": "annotator", "password": "pw-annotator"})
    assert response.status_code == 302 and response["Location"] == "/app/"


@pytest.mark.parametrize("old, new", [
    ("/", "/app/"), ("/projects/7/", "/app/projects/7"), ("/captures/9/", "/app/captures/9/review"),
])
def test_the_old_server_pages_redirect_to_the_same_page_in_the_app(annotator, old, new):
    client = Client()
    client.force_login(annotator)
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == new


def test_an_annotator_sees_the_batches_assigned_to_them_with_progress(
    project, frames, manager, annotator, annotator_api, manager_api,
):
    mine = create_batch(project=project, user=manager, name="mine", frame_ids=[f.pk for f in frames[:3]],
                        assignees=["annotator"])
    create_batch(project=project, user=manager, name="not mine", frame_ids=[frames[3].pk], assignees=[])
    review_frame(frame=frames[0], user=annotator, decision="accepted")

    page = annotator_api.get("/api/me/tasks/").json()
    assert page["count"] == 1
    [task] = page["results"]
    assert task["id"] == mine.pk and task["name"] == "mine"
    assert (task["project"], task["project_name"]) == (project.pk, "Kitchen")
    assert (task["total"], task["done"]) == (3, 1)
    assert manager_api.get("/api/me/tasks/").json()["count"] == 0


def test_tasks_leave_the_list_when_the_annotator_leaves_the_project(project, frames, manager, annotator_api):
    create_batch(project=project, user=manager, name="kitchen batch", frame_ids=[frames[0].pk], assignees=["annotator"])
    remove_member(project=project, username="annotator")
    assert annotator_api.get("/api/me/tasks/").json()["results"] == []


def test_tasks_need_a_login():
    assert Client().get("/api/me/tasks/").status_code in (401, 403)
