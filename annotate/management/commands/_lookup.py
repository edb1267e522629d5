"""Rows named on the command line, with errors that say what was not found."""
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from annotate.models import Capture, Project, SceneObject


def capture_by_id(capture_id) -> Capture:
    capture = Capture.objects.select_related("project").filter(pk=capture_id).first()
    if capture is None:
        raise CommandError(f"No capture with id {capture_id}.")
    return capture


def object_by_id(object_id) -> SceneObject:
    obj = SceneObject.objects.select_related("capture__project").filter(pk=object_id).first()
    if obj is None:
        raise CommandError(f"No scene object with id {object_id} (the 'id' export_objects and the API show).")
    return obj


def project_by_name(name: str) -> Project:
    project = Project.objects.filter(name=name).first()
    if project is None:
        raise CommandError(f"No project named {name!r}.")
    return project


def user_by_name(username: str | None):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named {username!r}.")
    return user
