"""python manage.py train_nerf CAPTURE_ID [--preset NAME] [--wait]"""
from django.core.management.base import BaseCommand, CommandError

from annotate.errors import UserFacingError
from annotate.management.commands._lookup import capture_by_id, user_by_name
from annotate.management.commands._progress import wait_for_job
from annotate.services.field_quality import describe_quality
from annotate.services.training import DEFAULT_PRESET, PRESET_CATALOG, start_training


def _psnr(job) -> str:
    curve = [point for point in job.result.get("curve", []) if point[2] is not None]
    return f"PSNR {curve[-1][2]:.2f} dB" if curve else job.message[:40]


def _presets_help() -> str:
    """The presets as the catalogue describes them, so ``--help`` never drifts from what runs."""
    described = "; ".join(
        f"{name} ({entry['backend']}): {entry['description'].rstrip('.')}" for name, entry in PRESET_CATALOG.items()
    )
    return f"Training preset (default {DEFAULT_PRESET}). {described}."


class Command(BaseCommand):
    help = "Train the radiance field of an ingested capture (a job on the queue its preset names: cpu or gpu)."

    def add_arguments(self, parser):
        parser.add_argument("capture_id", type=int)
        parser.add_argument(
            "--preset", default=DEFAULT_PRESET, choices=sorted(PRESET_CATALOG), help=_presets_help(),
        )
        parser.add_argument("--backend", default=None, help="Backend name; must match the preset's.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--max-seconds", type=float, default=None,
            help="Optional wall-clock cap; a run it stops early is reported as cut short (presets have none).",
        )
        parser.add_argument("--user", default=None)
        parser.add_argument("--wait", action="store_true", help="Block with a progress bar until training ends.")
        parser.add_argument(
            "--render-after", action="store_true", help="Queue the render of every frame's labels once training succeeds."
        )

    def handle(self, *args, capture_id, preset, backend, seed, max_seconds, user, wait, render_after, **options):
        if backend and PRESET_CATALOG[preset]["backend"] != backend:
            raise CommandError(f"Preset {preset!r} uses backend {PRESET_CATALOG[preset]['backend']!r}, not {backend!r}.")
        capture = capture_by_id(capture_id)
        try:
            job = start_training(
                capture=capture, user=user_by_name(user), preset=preset, seed=seed, render_after=render_after,
                max_seconds=max_seconds,
            )
        except UserFacingError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(job.pk))
        if wait:
            job = wait_for_job(job, stdout=self.stderr, describe=_psnr)
            metrics = job.result.get("metrics", {})
            if job.result.get("cut_short"):
                self.stderr.write(job.message)
            self.stderr.write(
                "Trained: " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items())
            )
            self._write_verdict(job.result)

    def _write_verdict(self, result: dict) -> None:
        """The field's quality verdict with its figures, the reasons it is not good, and a skipped render."""
        quality = result.get("quality", {})
        self.stderr.write(f"Field quality {describe_quality(quality)}")
        for reason in quality.get("reasons", []):
            self.stderr.write(f"  - {reason}")
        render = result.get("render") or {}
        if render.get("job") is None and render.get("reason"):
            self.stderr.write(render["reason"])
