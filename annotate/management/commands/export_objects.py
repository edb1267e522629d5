"""python manage.py export_objects CAPTURE_ID FILE.json"""
from pathlib import Path

from django.core.management.base import BaseCommand

from annotate.management.commands._lookup import capture_by_id
from annotate.services.scene_objects import export_objects


class Command(BaseCommand):
    help = (
        "Write a capture's objects as an objects file (nerf_labeling/labels/README.md: world frame, metres); "
        "meshes go to <stem>_meshes/ beside it. import_objects reads it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("capture_id", type=int)
        parser.add_argument("path")

    def handle(self, *args, capture_id, path, **options):
        data = export_objects(capture_by_id(capture_id), Path(path))
        self.stdout.write(f"Wrote {len(data['objects'])} objects to {path}.")
