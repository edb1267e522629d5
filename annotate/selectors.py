"""Reads: what a user may see, in the order the UI lists it."""
from django.db.models import Count, QuerySet

from annotate.errors import NotFoundError, PermissionDeniedError
from annotate.models import Capture, Frame, Job, Membership, Project, Role


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
