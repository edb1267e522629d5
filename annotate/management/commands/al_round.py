"""python manage.py al_round PROJECT [--scoring-model segmentation|detection3d] [--method NAME] --batch N [--wait]

The scoring model ranks the frames: the small segmentation model (methods auto, random, entropy, equal, bald,
coreset), or a PointPillars 3D detector trained on each frame's point cloud from the field's depth (methods
auto, random, detection_entropy; it needs the frames' labels rendered, and --detector-size picks small for a
CPU worker or base for a GPU worker). Each round continues from the last model of the same kind unless
--from-scratch.
"""
from django.core.management.base import BaseCommand, CommandError

from annotate.errors import UserFacingError
from annotate.management.commands._lookup import project_by_name, user_by_name
from annotate.management.commands._progress import wait_for_job
from annotate.models import ActiveLearningRound
from annotate.services.active_learning import (
    DETECTOR_SIZES, SCORING_MODELS, method_names, round_payload, start_round,
)


class Command(BaseCommand):
    help = ("Run an active-learning round: update the scoring model (segmentation, or the 3D detector with "
            "--scoring-model detection3d), score the pool, rank the frames.")

    def add_arguments(self, parser):
        parser.add_argument("project")
        parser.add_argument("--method", choices=method_names(), default="auto",
                            help="How to pick frames; each works with some scoring models (auto with both).")
        parser.add_argument("--scoring-model", choices=SCORING_MODELS, default="segmentation",
                            help="Rank frames with the segmentation model or the 3D detector (detection3d).")
        parser.add_argument("--detector-size", choices=DETECTOR_SIZES, default="small",
                            help="The 3D detector's size (detection3d): small for a CPU worker, base for a GPU one.")
        parser.add_argument("--train-steps", type=int, default=None,
                            help="Training steps of the scoring model this round (default: the service's).")
        parser.add_argument("--batch", type=int, default=10, help="How many frames to pick.")
        parser.add_argument("--from-scratch", action="store_true", help="Retrain the scoring model from fresh weights.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--user", default=None)
        parser.add_argument("--wait", action="store_true", help="Block until the round ends and print the ranking.")

    def handle(self, *args, project, method, scoring_model, detector_size, train_steps, batch, from_scratch, seed,
               user, wait, **options):
        steps = {} if train_steps is None else {"train_steps": train_steps}
        try:
            job = start_round(project=project_by_name(project), user=user_by_name(user), method=method,
                              batch_size=batch, from_scratch=from_scratch, seed=seed, scoring_model=scoring_model,
                              detector_size=detector_size, **steps)
        except UserFacingError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Started round job {job.pk}.")
        if not wait:
            return
        job = wait_for_job(job, stdout=self.stderr)
        payload = round_payload(ActiveLearningRound.objects.get(pk=job.result["round"]))
        self.stdout.write(f"Method: {payload['method']} ({payload['reason']})")
        redundancy = "" if payload["redundancy"] is None else f"Redundancy: {payload['redundancy']:.2f}; "
        self.stdout.write(f"{redundancy}{payload['scoring_model']} model version {payload['model_version']}")
        self.stdout.write(f"{'rank':>4}  {'frame':>6}  {'capture':>7}  {'index':>5}  {'score':>9}  reason")
        for pick in payload["picks"]:
            self.stdout.write(
                f"{pick['rank']:>4}  {pick['frame']:>6}  {pick['capture']:>7}  {pick['index']:>5}  "
                f"{pick['score']:>9.4g}  {pick['reason']}"
            )
