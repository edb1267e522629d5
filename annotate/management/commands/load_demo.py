"""python manage.py load_demo: a demo project with a generated capture, a manager and an annotator."""
import shutil
import tempfile
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotate.models import Capture, CaptureStatus, LabelClass, Project, Role
from annotate.services.captures import create_capture
from annotate.services.projects import create_label_class, create_project, set_membership

DEMO_PROJECT = "Demo"
DEMO_USERS = {"demo-manager": Role.MANAGER, "demo-annotator": Role.ANNOTATOR}
DEMO_PASSWORD = "raylabel-demo"


class Command(BaseCommand):
    help = "Create (once) the demo project with a synthetic capture and demo users; prints credentials."

    def add_arguments(self, parser):
        parser.add_argument("--frames", type=int, default=60, help="Frames in the generated orbit.")
        parser.add_argument("--width", type=int, default=320)
        parser.add_argument("--height", type=int, default=240)
        parser.add_argument(
            "--no-train", dest="train", action="store_false",
            help="Do not queue the training of the demo capture's radiance field.",
        )
        parser.add_argument(
            "--no-objects", dest="objects", action="store_false",
            help="Leave the demo capture without objects (by default its five objects are boxed, as an "
                 "annotator would place them, and their labels render once the field is trained).",
        )

    def handle(self, *args, frames, width, height, train, objects, **options):
        users = {name: self._user(name) for name in DEMO_USERS}
        project = Project.objects.filter(name=DEMO_PROJECT).first()
        if project is None:
            project = create_project(
                name=DEMO_PROJECT, user=users["demo-manager"],
                description="A generated scene of five objects on a textured floor, seen from an orbit.",
            )
        for name, role in DEMO_USERS.items():
            set_membership(project=project, username=name, role=role)
        if not project.captures.filter(status=CaptureStatus.READY).exists():
            self._import_capture(project, users["demo-manager"], frames, width, height)
        capture = project.captures.filter(status=CaptureStatus.READY).first()
        if capture is None:
            raise CommandError(f"The demo capture did not ingest; its job's error says why: /api/projects/{project.pk}/jobs/")
        if objects and not capture.scene_objects.exists():
            self._place_objects(capture, users["demo-annotator"])
        if train:
            self._start_training(capture, users["demo-manager"], render_after=objects)
        self.stdout.write(self.style.SUCCESS(f"Demo project {DEMO_PROJECT!r} is ready."))
        for name, role in DEMO_USERS.items():
            self.stdout.write(f"  {role:<9} user: {name}  password: {DEMO_PASSWORD}")

    def _start_training(self, capture, user, *, render_after: bool) -> None:
        from annotate.selectors import current_field
        from annotate.services.training import start_training

        if current_field(capture) is not None or capture.project.jobs.filter(kind="train", status__in=["queued", "running"]).exists():
            return
        job = start_training(capture=capture, user=user, render_after=render_after)
        then = "; its labels render next" if render_after else ""
        self.stdout.write(f"Queued the training of capture {capture.pk}'s radiance field (job {job.pk}){then}; the worker runs it.")

    def _place_objects(self, capture, user) -> None:
        """Box the scene's objects where the generator put them, as an annotator would."""
        from nerf_labeling.synthetic import default_scene

        from annotate.services.scene_objects import import_objects

        boxes = [
            {"instance_id": obj.instance_id, "class": obj.class_name, "size": list(obj.size),
             "center": obj.object_to_world[:3, 3].tolist(), "rotation": obj.object_to_world[:3, :3].tolist()}
            for obj in default_scene().objects
        ]
        import_objects(capture=capture, user=user, data={"objects": boxes})
        self.stdout.write(f"Placed {len(boxes)} boxes in capture {capture.pk}.")

    def _user(self, username: str):
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _import_capture(self, project, user, frames: int, width: int, height: int) -> Capture:
        from nerf_labeling.synthetic import default_scene, write_synthetic_capture

        from annotate.tasks import ingest_capture_task

        scene = default_scene()
        for class_name in sorted({obj.class_name for obj in scene.objects}):
            if not LabelClass.objects.filter(project=project, name=class_name).exists():
                create_label_class(project=project, name=class_name)
        self.stdout.write(f"Generating a {frames}-frame synthetic capture at {width}x{height}…")
        with tempfile.TemporaryDirectory(prefix="raylabel-demo-") as workdir:
            root = Path(workdir) / "demo-orbit"
            write_synthetic_capture(root, n_frames=frames, width=width, height=height, scene=scene)
            archive = Path(shutil.make_archive(str(root), "zip", root))
            with open(archive, "rb") as handle, transaction.atomic():
                capture, job = create_capture(
                    project=project, user=user, name="demo-orbit", archive=File(handle, name=archive.name)
                )
        # Ingest here rather than wait for a worker; if a running worker took the job first, wait for it.
        ingest_capture_task(job.id)
        job.refresh_from_db()
        while job.is_active:
            time.sleep(0.5)
            job.refresh_from_db()
        capture.refresh_from_db()
        self.stdout.write(f"Capture {capture.pk}: {capture.status}, {capture.frames.count()} frames.")
        return capture
