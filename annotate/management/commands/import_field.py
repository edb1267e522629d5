"""python manage.py import_field --capture ID RUN_DIR_OR_ZIP [--wait]"""
from django.core.management.base import BaseCommand, CommandError

from annotate.errors import UserFacingError
from annotate.management.commands._lookup import capture_by_id, user_by_name
from annotate.management.commands._progress import wait_for_job
from annotate.services.field_import import IMPORT_MIN_PSNR, import_nerfstudio_run


class Command(BaseCommand):
    help = (
        "Import a nerfstudio nerfacto run trained elsewhere (its directory, or a zip of it: config.yml, "
        "nerfstudio_models/step-*.ckpt, dataparser_transforms.json) as the field of an ingested capture. "
        f"A job on the gpu queue checks it against the capture's frames (PSNR >= {IMPORT_MIN_PSNR:g} dB) first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--capture", type=int, required=True, dest="capture_id", help="The capture's id.")
        parser.add_argument("run", help="The nerfstudio run directory (or a zip of it).")
        parser.add_argument("--user", default=None)
        parser.add_argument("--wait", action="store_true", help="Block with a progress bar until the import ends.")

    def handle(self, *args, capture_id, run, user, wait, **options):
        capture = capture_by_id(capture_id)
        try:
            job = import_nerfstudio_run(capture=capture, source=run, user=user_by_name(user))
        except UserFacingError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(job.pk))
        if wait:
            job = wait_for_job(job, stdout=self.stderr)
            self.stderr.write(job.result.get("message", job.message))
