"""python manage.py add_class PROJECT NAME [--color #rrggbb] [--kitti-type TYPE] [--class-id N]"""
from django.core.management.base import BaseCommand, CommandError

from annotate.errors import UserFacingError
from annotate.management.commands._lookup import project_by_name
from annotate.services.projects import create_label_class


class Command(BaseCommand):
    help = "Add a label class to a project; its class id (the value in category masks) is the next free one."

    def add_arguments(self, parser):
        parser.add_argument("project")
        parser.add_argument("name")
        parser.add_argument("--color", default="#e6194b", help="Overlay colour, #rrggbb.")
        parser.add_argument("--kitti-type", default="", help="KITTI type written for this class (blank: DontCare).")
        parser.add_argument("--class-id", type=int, default=None, help="Use this class id instead of the next free one.")

    def handle(self, *args, project, name, color, kitti_type, class_id, **options):
        project = project_by_name(project)
        try:
            label_class = create_label_class(
                project=project, name=name, color=color, kitti_type=kitti_type, class_id=class_id
            )
        except UserFacingError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Added class {label_class.name!r} (class id {label_class.class_id}) to {project.name!r}.")
