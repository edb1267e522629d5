"""python manage.py import_capture PATH_OR_ZIP --project NAME [--name N] [--user U] [--wait]"""
import shutil
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotate.errors import UserFacingError
from annotate.management.commands._progress import wait_for_job
from annotate.management.commands._lookup import project_by_name, user_by_name
from annotate.services.captures import create_capture


class Command(BaseCommand):
    help = (
        "Import a capture (a folder or zip with transforms.json or a COLMAP model, and its images; a folder "
        "or zip of photos alone; or a video, .mp4/.mov/.webm) into a project; photos and videos get their "
        "poses by structure-from-motion. Prints the new capture's id; ingest runs as a job on a worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="A capture folder, a .zip of one, or a video file.")
        parser.add_argument("--project", required=True, help="Name of the project to import into.")
        parser.add_argument("--name", default="", help="Capture name (default: the file name).")
        parser.add_argument("--user", default=None, help="User recorded as the uploader.")
        parser.add_argument("--wait", action="store_true", help="Block until ingest ends, with progress.")

    def handle(self, *args, path, project, name, user, wait, **options):
        source = Path(path)
        if not source.exists():
            raise CommandError(f"{source} does not exist.")
        project_row = project_by_name(project)
        uploader = user_by_name(user)
        with tempfile.TemporaryDirectory(prefix="raylabel-import-") as workdir:
            archive = source
            if source.is_dir():
                archive = Path(shutil.make_archive(str(Path(workdir) / source.name), "zip", source))
            try:
                with open(archive, "rb") as handle, transaction.atomic():
                    capture, job = create_capture(
                        project=project_row, user=uploader, name=name or source.stem,
                        archive=File(handle, name=archive.name),
                    )
            except UserFacingError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(str(capture.pk))
        if wait:
            job = wait_for_job(job, stdout=self.stderr)
            self.stderr.write(f"Ingested {job.result.get('frames')} frames into capture {capture.pk}.")
