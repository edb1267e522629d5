"""Batches of frames assigned to annotators, the next-frame queue, and frame reviews.

The queue hands each annotator the next unreviewed frame of a batch and locks it to them with
``select_for_update(skip_locked=True)``, so two annotators asking at once never get the same frame.
A lock older than :data:`LOCK_TIMEOUT` is given to the next annotator who asks. A live lock binds
reviews too: anyone else's review of that frame is refused, naming who holds it, unless they manage
the project (a manager's review overrides the lock and ends it).
"""
from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from annotate.errors import ConflictError, PermissionDeniedError, UserFacingError
from annotate.models import Batch, BatchFrame, Frame, FrameScore, Membership, Project, Review, Role
from annotate.models.review import ReviewDecision
from annotate.selectors import role_in

LOCK_TIMEOUT = timedelta(minutes=30)
REPEATED_BATCH_WINDOW = timedelta(seconds=10)  # an identical batch by the same user this recent is a repeat (409)


def review_frame(*, frame: Frame, user, decision: str, note: str = "") -> Review:
    """Record ``user``'s decision on ``frame``; it ends any batch lock on the frame.

    Raises :class:`ConflictError` when the queue has locked the frame to someone else and ``user`` is
    not a manager of the project, so two people never review one frame at once.
    """
    if decision not in ReviewDecision.values:
        raise UserFacingError(f"decision must be one of {', '.join(ReviewDecision.values)}.")
    if decision == ReviewDecision.REJECT and not note.strip():
        raise UserFacingError("Say why the frame is rejected: add a note.")
    with transaction.atomic():
        _refuse_if_locked_by_another(frame, user)
        review = Review.objects.create(frame=frame, reviewer=user, decision=decision, note=note.strip())
        Frame.objects.filter(pk=frame.pk).update(review_status=decision)
        BatchFrame.objects.filter(frame=frame).update(done=True, locked_by=None, locked_at=None)
    return review


def _live_lock_of_another(frame: Frame, user) -> BatchFrame | None:
    """The open batch item that locks ``frame`` to someone other than ``user``, locking the rows.

    Rows stay locked until the caller's transaction ends, so the queue cannot hand the frame out
    between this check and the review.
    """
    stale = timezone.now() - LOCK_TIMEOUT
    items = (
        BatchFrame.objects.select_for_update(of=("self",))
        .select_related("batch__project", "locked_by")
        .filter(frame=frame, done=False)
        .order_by("pk")
    )
    for item in items:
        if item.locked_by_id not in (None, user.pk) and item.locked_at and item.locked_at >= stale:
            return item
    return None


def _refuse_if_locked_by_another(frame: Frame, user) -> None:
    lock = _live_lock_of_another(frame, user)
    if lock is None:
        return
    if role_in(lock.batch.project, user) == Role.MANAGER:
        return
    until = timezone.localtime(lock.locked_at + LOCK_TIMEOUT)
    raise ConflictError(
        f"Frame {frame.index} is being reviewed by {lock.locked_by.username} (batch {lock.batch.name!r}) "
        f"until {until:%H:%M} {until.tzname()}; ask a manager to reassign it.",
        current={"lock": {"frame": frame.pk, "locked_by": lock.locked_by.username, "batch": lock.batch_id,
                          "until": until.isoformat()}},
    )


def _members(project: Project, usernames) -> list:
    users = []
    for username in usernames or []:
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not Membership.objects.filter(project=project, user=user).exists():
            raise UserFacingError(f"{username!r} is not a member of {project.name!r}.")
        users.append(user)
    return users


def create_batch(
    *, project: Project, user, name: str, frame_ids=None, al_round=None, size: int | None = None,
    assignees=(),
) -> Batch:
    """A batch of the given frames, or of the ``size`` best picks of an active-learning round."""
    name = (name or "").strip() or f"Batch {timezone.now():%Y-%m-%d %H:%M}"
    if al_round is not None:
        picks = FrameScore.objects.filter(al_round=al_round, rank__isnull=False).order_by("rank")
        if size is not None:
            picks = picks[: int(size)]
        items = [(pick.frame_id, pick.reason) for pick in picks]
    else:
        ids = [int(i) for i in frame_ids or []]
        found = set(Frame.objects.filter(pk__in=ids, capture__project=project).values_list("pk", flat=True))
        missing = [i for i in ids if i not in found]
        if missing:
            raise UserFacingError(f"Frames {missing[:10]} are not frames of this project.")
        items = [(frame_id, "") for frame_id in dict.fromkeys(ids)]
    if not items:
        raise UserFacingError("A batch needs at least one frame.")
    users = _members(project, assignees)
    frame_order = [frame_id for frame_id, _ in items]
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project.pk).first()  # one batch creation per project at a time
        _refuse_repeated_batch(project, user, frame_order)
        batch = Batch.objects.create(project=project, name=name[:200], al_round=al_round, created_by=user)
        BatchFrame.objects.bulk_create(
            BatchFrame(batch=batch, frame_id=frame_id, position=position, reason=reason[:500])
            for position, (frame_id, reason) in enumerate(items)
        )
        batch.assignees.set(users)
    return batch


def _refuse_repeated_batch(project: Project, user, frame_order: list[int]) -> None:
    """Refuse a batch of the same frames, in the same order, that ``user`` made moments ago.

    A double click or a retried request must not leave two identical batches for annotators to split;
    the caller holds the project's row lock, so two such requests at once are serialized here.
    """
    recent = Batch.objects.filter(
        project=project, created_by=user, created_at__gte=timezone.now() - REPEATED_BATCH_WINDOW,
    ).order_by("-created_at", "-id")
    for batch in recent:
        if list(batch.items.order_by("position").values_list("frame_id", flat=True)) == frame_order:
            raise ConflictError(
                f"You made the same batch ({batch.name!r}, {len(frame_order)} frames) a moment ago; "
                f"it was not made twice.",
                current={"batch": {"id": batch.pk, "name": batch.name}},
            )


def assign_batch(*, batch: Batch, assignees) -> Batch:
    """Set who works on ``batch``; frames locked to someone no longer assigned are released."""
    users = _members(batch.project, assignees)
    with transaction.atomic():
        batch.assignees.set(users)
        batch.items.filter(done=False).exclude(locked_by__in=users).update(locked_by=None, locked_at=None)
    return batch


def delete_batch(*, batch: Batch) -> None:
    """Delete a batch and its list of frames (with their locks); the frames and their reviews stay."""
    batch.delete()


def next_frame(*, batch: Batch, user) -> BatchFrame | None:
    """Lock and return the next frame of ``batch`` for ``user`` (theirs again if they hold one)."""
    if not batch.assignees.filter(pk=user.pk).exists():
        raise PermissionDeniedError(f"{user.username} is not assigned to batch {batch.name!r}.")
    stale = timezone.now() - LOCK_TIMEOUT
    with transaction.atomic():
        held = BatchFrame.objects.filter(batch=batch, done=False, locked_by=user).order_by("position").first()
        if held is not None:
            return held
        item = (
            BatchFrame.objects.select_for_update(skip_locked=True)
            .filter(batch=batch, done=False)
            .filter(Q(locked_by__isnull=True) | Q(locked_at__lt=stale))
            .exclude(frame_id__in=_frames_locked_to_others(user, stale))
            .order_by("position")
            .first()
        )
        if item is None:
            return None
        item.locked_by = user
        item.locked_at = timezone.now()
        item.save(update_fields=["locked_by", "locked_at"])
        return item


def _frames_locked_to_others(user, stale):
    """Frames someone else holds a live lock on in any batch: a frame may sit in several batches."""
    return (
        BatchFrame.objects.filter(done=False, locked_by__isnull=False, locked_at__gte=stale)
        .exclude(locked_by=user)
        .values("frame_id")
    )


def batch_progress(batch: Batch) -> dict:
    """Per assignee: frames they reviewed in this batch and frames they hold; plus the batch totals."""
    total = batch.items.count()
    done = batch.items.filter(done=True).count()
    frame_ids = batch.items.values("frame_id")
    reviewed = dict(
        Review.objects.filter(frame_id__in=frame_ids, created_at__gte=batch.created_at)
        .values_list("reviewer__username")
        .annotate(n=Count("frame_id", distinct=True))
    )
    holding = dict(
        batch.items.filter(done=False, locked_by__isnull=False).values_list("locked_by__username").annotate(n=Count("pk"))
    )
    people = {u.username for u in batch.assignees.all()} | set(reviewed) - {None}
    return {
        "total": total,
        "done": done,
        "by_annotator": {name: {"reviewed": reviewed.get(name, 0), "holding": holding.get(name, 0)} for name in sorted(people)},
    }
