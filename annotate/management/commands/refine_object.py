"""python manage.py refine_object OBJECT_ID [--wait] [--user USERNAME]"""
from django.core.management.base import BaseCommand, CommandError

from annotate.errors import UserFacingError
from annotate.management.commands._lookup import object_by_id, user_by_name
from annotate.management.commands._progress import wait_for_job
from annotate.services.labels import start_refine


class Command(BaseCommand):
    help = (
        "Refine a mesh object's pose against the capture's trained field (ICP), the job that "
        "POST /api/objects/<id>/refine/ starts; prints the job id. With --wait, prints the fit's residual, "
        "overlap and seen fraction, or why the fit was refused (the object then keeps its pose)."
    )

    def add_arguments(self, parser):
        parser.add_argument("object_id", type=int)
        parser.add_argument("--user", default=None)
        parser.add_argument("--wait", action="store_true", help="Block with a progress bar until the refinement ends.")

    def handle(self, *args, object_id, user, wait, **options):
        try:
            job = start_refine(obj=object_by_id(object_id), user=user_by_name(user))
        except UserFacingError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(job.pk))
        if wait:
            job = wait_for_job(job, stdout=self.stderr)
            self.stderr.write(describe_refinement(job.result))


def describe_refinement(result: dict) -> str:
    """The refine job's result in one line: the new version and the fit's measures."""
    line = (
        f"Refined object {result['object']} to version {result['version']}: RMSE {result['rmse'] * 1000:.1f} mm, "
        f"overlap {result['overlap']:.0%}, seen by the cameras {result['seen_fraction']:.0%}, "
        f"inliers {result['inlier_fraction']:.0%}, {result['points_used']} surface points"
    )
    offset = result.get("surface_offset", 0.0)
    if abs(offset) >= 0.00005:
        side = "inside" if offset < 0 else "outside"
        return line + f"; the field's surface lies {abs(offset) * 1000:.1f} mm {side} the mesh (allowed for in the fit)."
    return line + "."
