"""python manage.py add_member PROJECT USERNAME --role manager|annotator  (or --remove)"""
from django.core.management.base import BaseCommand, CommandError

from annotate.errors import UserFacingError
from annotate.management.commands._lookup import project_by_name, user_by_name
from annotate.models import Role
from annotate.services.projects import remove_member, set_membership


class Command(BaseCommand):
    help = "Add a user to a project with a role, change their role, or (--remove) take them off it."

    def add_arguments(self, parser):
        parser.add_argument("project")
        parser.add_argument("username")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--role", choices=Role.values, help="The member's role.")
        action.add_argument("--remove", action="store_true", help="Take the user off the project.")

    def handle(self, *args, project, username, role, remove, **options):
        project = project_by_name(project)
        user = user_by_name(username)
        try:
            if remove:
                remove_member(project=project, username=user.username)
                self.stdout.write(f"Removed {user.username} from {project.name!r}.")
                return
            set_membership(project=project, username=user.username, role=role)
        except UserFacingError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{user.username} is now {role} of {project.name!r}.")
