"""python manage.py import_objects CAPTURE_ID FILE.json"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotate.errors import UserFacingError
from annotate.management.commands._lookup import capture_by_id, user_by_name
from annotate.services.scene_objects import import_objects


class Command(BaseCommand):
    help = (
        "Add the objects (boxes and meshes) of an objects file to a capture, all or nothing; the format is "
        "nerf_labeling/labels/README.md's: mesh paths relative to the file, class_id honoured, unknown keys refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("capture_id", type=int)
        parser.add_argument("path")
        parser.add_argument("--user", default=None)

    def handle(self, *args, capture_id, path, user, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"{source} does not exist.")
        try:
            created = import_objects(
                capture=capture_by_id(capture_id), user=user_by_name(user), data=source.read_text(),
                base_dir=source.resolve().parent,
            )
        except UserFacingError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Imported {len(created)} objects: instance ids {[o.instance_id for o in created]}.")
