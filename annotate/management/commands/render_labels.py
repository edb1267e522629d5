"""python manage.py render_labels CAPTURE_ID [--wait] [--allow-poor-field]"""
from django.core.management.base import BaseCommand, CommandError

from annotate.errors import UserFacingError
from annotate.management.commands._lookup import capture_by_id, user_by_name
from annotate.management.commands._progress import wait_for_job
from annotate.services.labels import start_render


class Command(BaseCommand):
    help = "Render every frame's labels from the capture's field and objects (only what changed)."

    def add_arguments(self, parser):
        parser.add_argument("capture_id", type=int)
        parser.add_argument("--user", default=None)
        parser.add_argument("--wait", action="store_true")
        parser.add_argument(
            "--allow-poor-field", action="store_true",
            help="Render even from a field whose quality verdict is poor (refused otherwise).",
        )

    def handle(self, *args, capture_id, user, wait, allow_poor_field, **options):
        try:
            job = start_render(
                capture=capture_by_id(capture_id), user=user_by_name(user), allow_poor_field=allow_poor_field,
            )
        except UserFacingError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(job.pk))
        if wait:
            job = wait_for_job(job, stdout=self.stderr)
            result = job.result
            self.stderr.write(
                f"{result['frames']} frames: {result['rendered']} rendered, {result['updated']} updated, "
                f"{result['unchanged']} unchanged; from a field judged {result.get('field_verdict') or 'never assessed'}."
            )
