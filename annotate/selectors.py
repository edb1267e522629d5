"""Reads: what a user may see, in the order the UI lists it; a capture's current field, its frames' labels."""
from django.db.models import Count, Q, QuerySet

from annotate.errors import NotFoundError, PermissionDeniedError
from annotate.models import Batch, Capture, CaptureStatus, FieldModel, Frame, FrameLabel, Job, Membership, Project, Role
from annotate.models.captures import ReviewStatus


def projects_for(user) -> QuerySet[Project]:
    return Project.objects.filter(memberships__user=user).annotate(
        capture_count=Count("captures", distinct=True)
    )


def role_in(project: Project, user) -> str | None:
    membership = Membership.objects.filter(project=project, user=user).only("role").first()
    return membership.role if membership else None


def project_for(user, project_id: int, *, manager: bool = False) -> Project:
    """The project if ``user`` is a member (a manager when ``manager``), else a 404 / 403 error.

    A non-member gets "not found", so project ids do not leak.
    """
    project = Project.objects.filter(pk=project_id).first()
    role = role_in(project, user) if project else None
    if role is None:
        raise NotFoundError(f"Project {project_id} not found.")
    if manager and role != Role.MANAGER:
        raise PermissionDeniedError("Only a manager of this project can do that.")
    return project


def capture_for(user, capture_id: int, *, manager: bool = False) -> Capture:
    capture = Capture.objects.select_related("project").filter(pk=capture_id).first()
    if capture is None or role_in(capture.project, user) is None:
        raise NotFoundError(f"Capture {capture_id} not found.")
    if manager:
        project_for(user, capture.project_id, manager=True)
    return capture


def frame_for(user, frame_id: int) -> Frame:
    frame = Frame.objects.select_related("capture__project").filter(pk=frame_id).first()
    if frame is None or role_in(frame.capture.project, user) is None:
        raise NotFoundError(f"Frame {frame_id} not found.")
    return frame


def job_for(user, job_id: int) -> Job:
    job = Job.objects.select_related("project").filter(pk=job_id).first()
    if job is None or role_in(job.project, user) is None:
        raise NotFoundError(f"Job {job_id} not found.")
    return job


def job_to_cancel(user, job_id: int) -> Job:
    """The job if ``user`` may cancel it: whoever started it, or any manager of its project.

    An annotator must not be able to stop a manager's active-learning round or a colleague's training.
    """
    job = job_for(user, job_id)
    if job.created_by_id == user.pk or role_in(job.project, user) == Role.MANAGER:
        return job
    starter = job.created_by.username if job.created_by_id else "the platform"
    raise PermissionDeniedError(
        f"Job {job.pk} ({job.get_kind_display().lower()}) was started by {starter}; only they or a "
        "manager of this project can cancel it."
    )


def frames_of(capture: Capture, *, review_status: str | None = None) -> QuerySet[Frame]:
    frames = capture.frames.all()
    if review_status:
        frames = frames.filter(review_status=review_status)
    return frames.order_by("index")


def current_field(capture: Capture) -> FieldModel | None:
    """The newest trained field of ``capture``, which labels are rendered from."""
    return capture.field_models.exclude(checkpoint="").order_by("-created_at", "-id").first()


def read_frame_labels(frame: Frame):
    """The stored :class:`~nerf_labeling.labels.records.FrameLabels` of ``frame``, or None."""
    from nerf_labeling.labels.records import FrameLabels  # the label library loads scipy: not in every web request

    row = FrameLabel.objects.filter(frame=frame).first()
    if row is None:
        return None
    with row.data.open("rb") as handle:
        return FrameLabels.from_bytes(handle.read())


def labels_are_stale(frame: Frame) -> bool:
    """Whether objects or the field changed since ``frame``'s labels were rendered."""
    row = FrameLabel.objects.filter(frame=frame).first()
    if row is None:
        return True
    current = {str(i): v for i, v in frame.capture.scene_objects.values_list("instance_id", "version")}
    field_model = current_field(frame.capture)
    return row.object_versions != current or (field_model is not None and row.field_model_id != field_model.pk)


def _ready_frames(project: Project) -> QuerySet[Frame]:
    return Frame.objects.filter(capture__project=project, capture__status=CaptureStatus.READY)


def pool_frames(project: Project) -> QuerySet[Frame]:
    """The active-learning pool: ``project``'s frames still to review, in capture and sequence order."""
    return _ready_frames(project).filter(review_status=ReviewStatus.PENDING).order_by("capture_id", "index")


def labelled_frames(project: Project) -> QuerySet[Frame]:
    """``project``'s accepted frames that have rendered labels (what the scoring model learns from), in order."""
    return (_ready_frames(project).filter(review_status=ReviewStatus.ACCEPTED, labels__isnull=False)
            .order_by("capture_id", "index"))


def tasks_of(user) -> QuerySet[Batch]:
    """The batches ``user`` is assigned to, in projects they still belong to, newest first, with their counts."""
    return (
        Batch.objects.filter(assignees=user, project__memberships__user=user)
        .select_related("project")
        .annotate(total=Count("items", distinct=True), done=Count("items", filter=Q(items__done=True), distinct=True))
        .order_by("-created_at", "-id")
    )
