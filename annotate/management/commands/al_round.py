"""python manage.py al_round PROJECT --method auto|random|entropy|equal|bald|coreset --batch N [--wait]"""
from django.core.management.base import BaseCommand, CommandError

from annotate.errors import UserFacingError
from annotate.management.commands._lookup import project_by_name, user_by_name
from annotate.management.commands._progress import wait_for_job
from annotate.models import ActiveLearningRound
from annotate.services.active_learning import METHODS, round_payload, start_round


class Command(BaseCommand):
    help = "Run an active-learning round: update the scoring model, score the pool, rank the frames."

    def add_arguments(self, parser):
        parser.add_argument("project")
        parser.add_argument("--method", choices=METHODS, default="auto")
        parser.add_argument("--batch", type=int, default=10, help="How many frames to pick.")
        parser.add_argument("--from-scratch", action="store_true", help="Retrain the scoring model from fresh weights.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--user", default=None)
        parser.add_argument("--wait", action="store_true", help="Block until the round ends and print the ranking.")

    def handle(self, *args, project, method, batch, from_scratch, seed, user, wait, **options):
        try:
            job = start_round(project=project_by_name(project), user=user_by_name(user), method=method,
                              batch_size=batch, from_scratch=from_scratch, seed=seed)
        except UserFacingError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Started round job {job.pk}.")
        if not wait:
            return
        job = wait_for_job(job, stdout=self.stderr)
        payload = round_payload(ActiveLearningRound.objects.get(pk=job.result["round"]))
        self.stdout.write(f"Method: {payload['method']} ({payload['reason']})")
        self.stdout.write(f"Redundancy: {payload['redundancy']:.2f}; model {payload['model_version']}")
        self.stdout.write(f"{'rank':>4}  {'frame':>6}  {'capture':>7}  {'index':>5}  {'score':>9}  reason")
        for pick in payload["picks"]:
            self.stdout.write(
                f"{pick['rank']:>4}  {pick['frame']:>6}  {pick['capture']:>7}  {pick['index']:>5}  "
                f"{pick['score']:>9.4g}  {pick['reason']}"
            )
