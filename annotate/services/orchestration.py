"""What runs after what: a job's follow-up work, started once its own work has succeeded.

The one place where one kind of job starts another, so the services of each kind never import each
other to chain: a training asked to ``render_after`` queues the render of every frame's labels.
"""
from __future__ import annotations

from annotate.errors import USER_FACING_ERRORS
from annotate.models import Capture, FieldModel, Job
from annotate.services.field_quality import poor_field_reason
from annotate.services.jobs import JobReporter
from annotate.services.labels import start_render
from annotate.services.training import job_message, train_capture

#: How the reason for a follow-up render skipped because the field was judged poor begins.
POOR_FIELD_SKIPPED = "Labels were not rendered from this poor field"


def train_then_follow_up(*, job: Job, reporter: JobReporter) -> dict:
    """A training job's work: :func:`train_capture`, then the label render its ``render_after`` asks for.

    ``result.render`` holds the render's job id, or why there is none; a render skipped for a poor
    field is also said in the job's message (``result.render.reason`` says how to override).
    """
    result = train_capture(job=job, reporter=reporter)
    if job.params.get("render_after"):
        field_model = FieldModel.objects.select_related("capture").get(pk=result["field_model"])
        result["render"] = render_after_training(field_model.capture, job, field_model)
        if result["render"].get("reason", "").startswith(POOR_FIELD_SKIPPED):
            skipped = f"{POOR_FIELD_SKIPPED}; render them with allow_poor_field to override."
            result["message"] = job_message(result["message"], skipped)
    return result


def render_after_training(capture: Capture, job: Job, field_model: FieldModel) -> dict:
    """Queue the label render that ``render_after`` asked for: its job id, or why there is none.

    A field judged poor is never rendered from without the user's explicit override, so the render is
    skipped and the reason says how to override.
    """
    if not capture.scene_objects.exists():
        return {"job": None, "reason": "The capture has no objects yet; place some, then render labels."}
    if poor_field_reason(field_model):
        return {"job": None, "reason": f"{POOR_FIELD_SKIPPED}. {poor_field_reason(field_model)}"}
    try:
        return {"job": start_render(capture=capture, user=job.created_by).pk}
    except USER_FACING_ERRORS as error:  # already rendering, the queue unreachable: training still succeeded
        return {"job": None, "reason": str(error)}
