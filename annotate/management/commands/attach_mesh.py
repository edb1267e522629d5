"""python manage.py attach_mesh OBJECT_ID MESH_FILE [--user USERNAME]"""
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from annotate.errors import UserFacingError
from annotate.management.commands._lookup import object_by_id, user_by_name
from annotate.services.scene_objects import attach_mesh
from nerf_labeling.meshes import MESH_SUFFIXES


class Command(BaseCommand):
    help = (
        f"Make a scene object a mesh object with MESH_FILE ({', '.join(MESH_SUFFIXES)}), as the API's mesh upload "
        "does; its size becomes the mesh's extents. Refine its pose with refine_object."
    )

    def add_arguments(self, parser):
        parser.add_argument("object_id", type=int)
        parser.add_argument("mesh_file")
        parser.add_argument("--user", default=None)

    def handle(self, *args, object_id, mesh_file, user, **options):
        source = Path(mesh_file)
        if not source.is_file():
            raise CommandError(f"{source} does not exist.")
        obj = object_by_id(object_id)
        try:
            with source.open("rb") as handle:
                upload = File(handle, name=source.name)
                obj = attach_mesh(obj=obj, user=user_by_name(user), version=obj.version, upload=upload)
        except UserFacingError as error:
            raise CommandError(str(error)) from error
        extents = " x ".join(f"{v:.3g}" for v in obj.size)
        self.stdout.write(f"Object {obj.pk} (instance {obj.instance_id}) is now a mesh object, {extents} m.")
