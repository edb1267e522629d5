"""python manage.py export_dataset PROJECT --format coco|kitti|nerfstudio|bop [--frames all|accepted|batch:ID] --out PATH.zip"""
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotate.errors import USER_FACING_ERRORS
from annotate.management.commands._lookup import project_by_name, user_by_name
from annotate.management.commands._progress import wait_for_job
from annotate.services.exports import FRAME_SELECTIONS, start_export


class Command(BaseCommand):
    help = "Export a project's labelled frames as a dataset zip (runs as a job on a worker; waits for it)."

    def add_arguments(self, parser):
        parser.add_argument("project")
        parser.add_argument("--format", required=True, help="coco, kitti, nerfstudio or bop.")
        parser.add_argument("--frames", default="all", help=f"Which frames: {FRAME_SELECTIONS}.")
        parser.add_argument("--out", required=True, help="Where to write the zip.")
        parser.add_argument("--masks", choices=["rle", "polygon"], default="rle", help="COCO mask encoding.")
        parser.add_argument("--depth", action="store_true", help="Include depth maps (16-bit PNG, mm).")
        parser.add_argument("--user", default=None)

    def handle(self, *args, project, format, frames, out, masks, depth, user, **options):
        target = Path(out)
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a folder.")
        try:
            job = start_export(
                project=project_by_name(project), user=user_by_name(user), format_name=format,
                selection=frames, options={"coco_masks": masks, "include_depth": depth},
            )
        except USER_FACING_ERRORS as error:
            raise CommandError(str(error)) from error
        job = wait_for_job(job, stdout=self.stderr)
        partial = target.with_name(f".{target.name}.part")
        try:
            with job.artifact.open("rb") as source, open(partial, "wb") as sink:
                shutil.copyfileobj(source, sink)
            partial.replace(target)
        except BaseException:  # a full disk or Ctrl-C must not leave a half copy beside the target
            partial.unlink(missing_ok=True)
            raise
        self.stdout.write(f"Wrote {job.result['frames']} frames as {format} to {target} ({job.result['bytes']} bytes).")
