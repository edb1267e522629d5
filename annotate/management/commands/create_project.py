"""python manage.py create_project NAME --manager USERNAME [--description TEXT]"""
from django.core.management.base import BaseCommand, CommandError

from annotate.errors import UserFacingError
from annotate.management.commands._lookup import user_by_name
from annotate.services.projects import create_project


class Command(BaseCommand):
    help = "Create a project; USERNAME becomes its first manager (a project always keeps one)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--manager", required=True, help="Username of the first manager (an existing user).")
        parser.add_argument("--description", default="")

    def handle(self, *args, name, manager, description, **options):
        user = user_by_name(manager)
        try:
            project = create_project(name=name, user=user, description=description)
        except UserFacingError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Created project {project.name!r} (id {project.pk}), managed by {user.username}.")
