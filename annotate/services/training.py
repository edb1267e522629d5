"""Training a capture's radiance field as a job: progress with loss and held-out PSNR, cancel, preview."""
from __future__ import annotations

import time
from functools import partial

from django.db import transaction

from annotate.adapters import field_model_values, frame_camera, frame_image, store_field_files
from annotate.errors import ConflictError, JobCancelled, UserFacingError
from annotate.models import Capture, CaptureStatus, FieldModel, FrameRender, Job, JobKind
from annotate.services.field_quality import assess_capture_field, describe_quality
from annotate.services.jobs import JobReporter, start_job
from annotate.storage import StagedFiles, field_file_key, files_of_rows
from nerf_labeling.backends import preset_catalogue

DEFAULT_PRESET = "grid-default"
#: Every preset's backend, queue and description, from the library's registry (a leaf: no torch here).
PRESET_CATALOG = preset_catalogue()
#: Every n-th frame is held out of training to measure PSNR on views the field never saw.
HELD_OUT_EVERY = 10


def start_training(
    *, capture: Capture, user, preset: str = DEFAULT_PRESET, seed: int = 0, render_after: bool = False,
    max_seconds: float | None = None,
) -> Job:
    """Queue the training of ``capture``'s field on its preset's queue; with ``render_after``, a label render
    follows its success. ``max_seconds`` is an explicit wall-clock cap (presets train a fixed number of
    iterations); a run it stops early is reported as cut short."""
    if capture.status != CaptureStatus.READY:
        raise ConflictError(f"Capture {capture.pk} is {capture.status}; it can be trained once ingested.")
    preset = preset or DEFAULT_PRESET
    if preset not in PRESET_CATALOG:
        raise UserFacingError(f"Unknown preset {preset!r}; choose one of {', '.join(PRESET_CATALOG)}.")
    if max_seconds is not None and max_seconds <= 0:
        raise UserFacingError(f"max_seconds must be positive (got {max_seconds}); leave it out for no time cap.")
    with transaction.atomic():
        # A scale change holds this lock while it moves the poses: training starts before it or after it.
        Capture.objects.select_for_update().filter(pk=capture.pk).first()
        return start_job(
            kind=JobKind.TRAIN, target=f"capture:{capture.pk}", project=capture.project, user=user,
            params={"capture_id": capture.pk, "preset": preset, "seed": seed, "render_after": bool(render_after),
                    "max_seconds": max_seconds},
            work=JobKind.TRAIN, queue=preset_queue(preset),
        )


def field_queue(field_model: FieldModel) -> str:
    """The Celery queue whose workers can load ``field_model``: nerfacto fields need nerfstudio (GPU workers)."""
    queues = {spec["backend"]: spec["queue"] for spec in PRESET_CATALOG.values()}
    return queues.get(field_model.backend, PRESET_CATALOG[DEFAULT_PRESET]["queue"])


def preset_queue(preset: str | None) -> str:
    """The Celery queue whose workers train ``preset`` (``cpu`` or ``gpu``)."""
    return PRESET_CATALOG.get(preset or DEFAULT_PRESET, PRESET_CATALOG[DEFAULT_PRESET])["queue"]


def train_capture(*, job: Job, reporter: JobReporter) -> dict:
    """The work of a training job: load frames, train, store checkpoint and preview, record metrics."""
    from nerf_labeling.training import TrainingCancelled, preset, train_field

    capture = Capture.objects.get(pk=job.params["capture_id"])
    try:
        config = preset(job.params["preset"])
    except KeyError as error:
        raise UserFacingError(str(error.args[0])) from None
    if job.params.get("max_seconds"):
        config.max_seconds = float(job.params["max_seconds"])
    frames = list(capture.frames.order_by("index"))
    if len(frames) < 2:
        raise UserFacingError(f"Capture {capture.pk} has {len(frames)} frames; training needs at least 2.")
    reporter.progress(0.0, f"Loading {len(frames)} frames", force=True)
    pairs = [(frame_image(frame), frame_camera(frame)) for frame in frames]
    held_out_positions = [i for i in range(len(pairs)) if i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1]
    held_out = [pairs[i] for i in held_out_positions]
    training = [pair for i, pair in enumerate(pairs) if i % HELD_OUT_EVERY != HELD_OUT_EVERY - 1]

    curve: list[list] = []
    cancel_check = _throttled_cancel_check(job.pk)

    def on_progress(report) -> None:
        curve.append([report.iteration, round(report.loss, 6),
                      None if report.held_out_psnr is None else round(report.held_out_psnr, 3)])
        psnr = f", held-out PSNR {report.held_out_psnr:.2f} dB" if report.held_out_psnr is not None else ""
        done = report.iteration / max(report.total, 1)
        reporter.progress(
            0.95 * min(done, 1.0),
            f"Iteration {report.iteration}/{report.total}, loss {report.loss:.4f}{psnr}",
            force=report.held_out_psnr is not None, curve=curve[-500:],
            elapsed_s=round(report.elapsed_s, 1), eta_s=estimate_time_left(report, getattr(config, "max_seconds", None)),
        )

    try:
        field, metrics = train_field(
            training, config, held_out=held_out, progress=on_progress, should_stop=cancel_check,
            seed=int(job.params.get("seed", 0)),
        )
    except TrainingCancelled:
        raise JobCancelled() from None
    reporter.progress(0.95, "Measuring the field's quality", force=True)
    quality = assess_capture_field(field, frames, pairs, held_out_positions)
    reporter.progress(0.96, "Saving the field and its preview", force=True)
    field_model = store_field(job, capture, field, [camera for _, camera in pairs], metrics, quality)
    result = {"field_model": field_model.pk, "metrics": field_model.metrics, "quality": field_model.quality,
              "verdict": field_model.verdict, "curve": curve[-500:], "elapsed_s": round(metrics.seconds, 1),
              "eta_s": 0.0, **_cut_short_report(metrics, config.max_seconds)}
    verdict = f"Field quality {describe_quality(field_model.quality)}."
    result["message"] = job_message(result.get("message", "Done."), verdict)
    return result


#: Room the job row has for its message.
JOB_MESSAGE_LIMIT = 500


def job_message(*parts: str) -> str:
    """A job's last message from its non-empty ``parts`` (done or cut short, the field's verdict, ...), cut to fit."""
    return " ".join(filter(None, parts))[:JOB_MESSAGE_LIMIT]


def estimate_time_left(report, max_seconds: float | None) -> float | None:
    """Seconds left at the pace so far (iterations per second since the start); None before any iteration.

    An explicit ``max_seconds`` cap bounds the estimate, since training stops there.
    """
    if report.iteration <= 0 or report.elapsed_s <= 0:
        return None
    left = (report.total - report.iteration) * report.elapsed_s / report.iteration
    if max_seconds:
        left = min(left, max(max_seconds - report.elapsed_s, 0.0))
    return round(max(left, 0.0), 1)


def _cut_short_report(metrics, max_seconds: float | None) -> dict:
    """``cut_short`` with iterations done and planned; a cut-short run also says so in the job's message."""
    planned = metrics.planned_iterations or metrics.iterations
    report = {"cut_short": bool(metrics.cut_short), "iterations": metrics.iterations, "planned_iterations": planned}
    if metrics.cut_short:
        report["message"] = (
            f"Done, but cut short by the {max_seconds:g} s time cap after {metrics.iterations} of "
            f"{planned} iterations: the field is less trained than the preset intends."
        )
    return report


def _throttled_cancel_check(job_id: int, interval_s: float = 1.0):
    last = [0.0]

    def should_stop() -> bool:
        now = time.monotonic()
        if now - last[0] < interval_s:
            return False
        last[0] = now
        return Job.objects.filter(pk=job_id, cancel_requested=True).exists()

    return should_stop


def store_field(job: Job, capture: Capture, field, cameras, metrics, quality: dict) -> FieldModel:
    """Store the field trained (or imported) by ``job`` and record it as the capture's newest field."""
    key = partial(field_file_key, project_id=capture.project_id, capture_id=capture.pk, job_id=job.pk)
    with StagedFiles() as staged:
        files = store_field_files(field, cameras, key, staged)
        with transaction.atomic():
            FieldModel.objects.filter(job=job).delete()  # a rerun of the same job replaces its row
            field_model = FieldModel.objects.create(
                capture=capture, job=job, preset=job.params["preset"], **files, **field_model_values(metrics, quality)
            )
            staged.supersede(*_drop_renders_of_older_fields(capture, field_model))
    return field_model


def _drop_renders_of_older_fields(capture: Capture, newest: FieldModel) -> list[str]:
    """Cached field renders are read only for the newest field: once it exists, older ones go; their files' names.

    The older fields themselves stay (their metrics and previews are the capture's training history).
    """
    stale = FrameRender.objects.filter(frame__capture=capture).exclude(field_model=newest)
    names = files_of_rows(stale)
    stale.delete()
    return names
