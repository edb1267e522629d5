"""Writes to projects, memberships and label classes."""
import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError

from annotate.errors import ConflictError, UserFacingError
from annotate.models import LabelClass, Membership, Project, Role

CLASS_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def create_project(*, name: str, user, description: str = "") -> Project:
    """Create a project with ``user`` as its first manager."""
    name = name.strip()
    if not name:
        raise UserFacingError("A project needs a name.")
    try:
        with transaction.atomic():
            project = Project.objects.create(name=name, description=description, created_by=user)
            Membership.objects.create(project=project, user=user, role=Role.MANAGER)
    except IntegrityError:
        raise ConflictError(f"A project named {name!r} already exists.") from None
    return project


def set_membership(*, project: Project, username: str, role: str) -> Membership:
    """Add ``username`` to ``project`` with ``role``, or change their role."""
    if role not in Role.values:
        raise UserFacingError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.")
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise UserFacingError(f"No user named {username!r}.")
    with transaction.atomic():
        membership, _ = Membership.objects.select_for_update().update_or_create(
            project=project, user=user, defaults={"role": role}
        )
        _require_a_manager(project)
    return membership


def remove_member(*, project: Project, username: str) -> None:
    with transaction.atomic():
        deleted, _ = Membership.objects.filter(project=project, user__username=username).delete()
        if not deleted:
            raise UserFacingError(f"{username!r} is not a member of {project.name!r}.")
        _require_a_manager(project)


def _require_a_manager(project: Project) -> None:
    if not Membership.objects.filter(project=project, role=Role.MANAGER).exists():
        raise UserFacingError("A project must keep at least one manager.")


def create_label_class(
    *, project: Project, name: str, color: str = "#e6194b", kitti_type: str = "", class_id: int | None = None
) -> LabelClass:
    """Add a class; its ``class_id`` is the one given (an objects file may name it) or the next free one."""
    name = name.strip()
    if not name:
        raise UserFacingError("A label class needs a name.")
    _check_color(color)
    if class_id is not None and (isinstance(class_id, bool) or not isinstance(class_id, int) or class_id < 1):
        raise UserFacingError(f"A class id is an integer >= 1 (0 is background), got {class_id!r}.")
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)  # serialise class-id allocation
        if LabelClass.objects.filter(project=project, name=name).exists():
            raise ConflictError(f"Project {project.name!r} already has a class named {name!r}.")
        taken = LabelClass.objects.filter(project=project, class_id=class_id).first() if class_id else None
        if taken is not None:
            raise ConflictError(f"Class id {class_id} of project {project.name!r} is already {taken.name!r}.")
        if class_id is None:
            class_id = (LabelClass.objects.filter(project=project).aggregate(m=Max("class_id"))["m"] or 0) + 1
        return LabelClass.objects.create(
            project=project, name=name, class_id=class_id, color=color, kitti_type=kitti_type
        )


def delete_label_class(*, label_class: LabelClass) -> None:
    """Delete a class no object uses; a class in use is a 409 that says how many objects carry it.

    The database refuses the delete (objects protect their class), so an object added meanwhile is safe too.
    """
    try:
        with transaction.atomic():
            label_class.delete()
    except ProtectedError as error:
        raise ConflictError(
            f"Class {label_class.name!r} is used by {len(error.protected_objects)} object(s); delete those "
            "objects or give them another class first."
        ) from None


def _check_color(color) -> None:
    """Overlays and the browser draw the class in this colour: it must parse as ``#rrggbb``."""
    if not isinstance(color, str) or not CLASS_COLOR.fullmatch(color):
        raise UserFacingError(f"A class color is # and six hex digits (#rrggbb), got {color!r}.")


def update_label_class(*, label_class: LabelClass, **fields) -> LabelClass:
    allowed = {"name", "color", "kitti_type"}
    unknown = set(fields) - allowed
    if unknown:
        raise UserFacingError(f"Cannot change {', '.join(sorted(unknown))} of a label class.")
    if "color" in fields:
        _check_color(fields["color"])
    for name, value in fields.items():
        setattr(label_class, name, value.strip() if isinstance(value, str) else value)
    try:
        with transaction.atomic():
            label_class.save()
    except IntegrityError:
        raise ConflictError(f"A class named {label_class.name!r} already exists.") from None
    return label_class
