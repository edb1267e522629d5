"""Objects placed in a capture's scene: create, edit with optimistic concurrency, meshes, import/export.

An edit names the version it started from; if the object has moved on since, the edit is refused
with a 409 carrying the object as it is now, never applied over someone else's change.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from annotate.errors import ConflictError, NotFoundError, UserFacingError
from annotate.models import Capture, LabelClass, SceneObject, SceneObjectKind
from annotate.services.projects import create_label_class
from annotate.storage import StagedFiles, delete_files, files_of_rows, object_mesh_key

EDITABLE_FIELDS = ("center", "size", "rotation", "label_class")


def object_payload(obj: SceneObject) -> dict:
    """The object as the API and the objects file show it (world frame, metres)."""
    pose = np.asarray(obj.object_to_world, dtype=np.float64)
    return {
        "id": obj.pk,
        "instance_id": obj.instance_id,
        "kind": obj.kind,
        "label_class": obj.label_class_id,
        "class_name": obj.label_class.name,
        "center": pose[:3, 3].tolist(),
        "size": list(obj.size),
        "rotation": pose[:3, :3].tolist(),
        "mesh_url": f"/api/objects/{obj.pk}/mesh/" if obj.mesh_file else None,
        "fit": obj.fit,
        "version": obj.version,
        "updated_by": obj.updated_by.username if obj.updated_by_id else None,
        "updated_at": obj.updated_at.isoformat() if obj.updated_at else None,
    }


def _pose(center, rotation) -> list[list[float]]:
    """A checked rigid 4x4 pose from a centre and a rotation (UserFacingError when it is not one)."""
    from nerf_labeling.cameras import PoseError, check_rigid

    try:
        rotation = np.asarray(rotation, dtype=np.float64).reshape(3, 3)
        center = np.asarray(center, dtype=np.float64).reshape(3)
    except (TypeError, ValueError):
        raise UserFacingError("center must be 3 numbers and rotation a 3x3 matrix.") from None
    pose = np.eye(4)
    pose[:3, :3], pose[:3, 3] = rotation, center
    try:
        return check_rigid(pose, name="rotation").tolist()
    except PoseError as error:
        raise UserFacingError(str(error)) from None


def _size(size) -> list[float]:
    try:
        values = [float(v) for v in size]
    except (TypeError, ValueError):
        raise UserFacingError("size must be 3 positive numbers (metres).") from None
    if len(values) != 3 or not all(np.isfinite(v) and v > 0 for v in values):
        raise UserFacingError(f"size must be 3 positive numbers (metres), got {size}.")
    return values


def _label_class(capture: Capture, label_class) -> LabelClass:
    row = LabelClass.objects.filter(project_id=capture.project_id, pk=label_class).first()
    if row is None:
        raise UserFacingError(f"Label class {label_class} is not a class of this project.")
    return row


def create_object(
    *, capture: Capture, user, label_class, center, size, rotation=None, kind=SceneObjectKind.BOX,
    instance_id: int | None = None,
) -> SceneObject:
    """Place a new object; its instance id is the capture's next free one unless given."""
    if kind not in SceneObjectKind.values:
        raise UserFacingError(f"kind must be one of {', '.join(SceneObjectKind.values)}.")
    rotation = np.eye(3) if rotation is None else rotation
    fields = dict(
        label_class=_label_class(capture, label_class), object_to_world=_pose(center, rotation),
        size=_size(size), kind=kind, created_by=user, updated_by=user,
    )
    with transaction.atomic():
        Capture.objects.select_for_update().get(pk=capture.pk)  # serialise instance-id allocation
        if instance_id is None:
            instance_id = (capture.scene_objects.aggregate(m=Max("instance_id"))["m"] or 0) + 1
        elif capture.scene_objects.filter(instance_id=instance_id).exists():
            raise ConflictError(f"Instance id {instance_id} is already used in this capture.")
        return SceneObject.objects.create(capture=capture, instance_id=instance_id, **fields)


def _locked(obj: SceneObject, version) -> SceneObject:
    """The object's row, locked, with its class and last editor read after the lock is held.

    The lock is taken on the bare row, without joins: when PostgreSQL makes a ``FOR UPDATE`` wait on
    another edit, it re-checks only the locked row's new version against the joined rows it read before,
    so a join on ``updated_by`` comes back empty once another user has saved the object.
    """
    current = SceneObject.objects.select_for_update().filter(pk=obj.pk).first()
    if current is None:
        raise NotFoundError(f"Object {obj.pk} no longer exists.")
    if version is None:
        raise UserFacingError("Say which version you edited: include 'version'.")
    if int(version) != current.version:
        who = current.updated_by.username if current.updated_by_id else "someone"
        raise ConflictError(
            f"Object {current.instance_id} was changed by {who} (version {current.version}) since "
            f"your version {version}; reload it and apply your change again.",
            current={"object": object_payload(current)},
        )
    return current


def update_object(*, obj: SceneObject, user, version, **changes) -> SceneObject:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise UserFacingError(f"Cannot change {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE_FIELDS)}.")
    with StagedFiles() as staged, transaction.atomic():
        current = _locked(obj, version)
        pose = np.asarray(current.object_to_world)
        if "center" in changes or "rotation" in changes:
            current.object_to_world = _pose(
                changes.get("center", pose[:3, 3]), changes.get("rotation", pose[:3, :3])
            )
        if "size" in changes:
            if current.kind == SceneObjectKind.MESH:
                raise UserFacingError("A mesh object's size is its mesh's extents; upload another mesh to change it.")
            current.size = _size(changes["size"])
        if "label_class" in changes:
            current.label_class = _label_class(current.capture, changes["label_class"])
        if current.kind == SceneObjectKind.BOX and current.mesh_file and set(changes) & {"center", "rotation", "size"}:
            staged.supersede(current.mesh_file.name)  # re-extracted at the next render
            current.mesh_file = ""
        current.version += 1
        current.updated_by = user
        current.save()
    return current


def delete_object(*, obj: SceneObject, version) -> None:
    with transaction.atomic():
        current = _locked(obj, version)
        names = files_of_rows(SceneObject.objects.filter(pk=current.pk))
        current.delete()
    delete_files(names)


def _checked_mesh(name: str, data: bytes):
    """The mesh in ``data`` (a file called ``name``), or a UserFacingError saying why it cannot be read."""
    from nerf_labeling.meshes import MeshFileError, load_mesh_bytes

    try:
        return load_mesh_bytes(data, name=name)
    except MeshFileError as error:
        raise UserFacingError(str(error)) from None


def _store_mesh(obj: SceneObject, suffix: str, data: bytes, staged: StagedFiles) -> str:
    key = object_mesh_key(project_id=obj.capture.project_id, capture_id=obj.capture_id, instance_id=obj.instance_id,
                          suffix=suffix)
    return staged.save(key, ContentFile(data))


def attach_mesh(*, obj: SceneObject, user, version, upload) -> SceneObject:
    """Turn ``obj`` into a mesh object with the uploaded mesh file (OBJ, PLY, STL or GLB)."""
    upload_name = Path(upload.name or "mesh").name  # the user's file name, never a server path
    data = upload.read()
    mesh = _checked_mesh(upload_name, data)
    with StagedFiles() as staged:
        stored = _store_mesh(obj, Path(upload_name).suffix.lower(), data, staged)
        with transaction.atomic():
            current = _locked(obj, version)
            staged.supersede(current.mesh_file.name)
            current.mesh_file = stored
            current.kind = SceneObjectKind.MESH
            current.size = [float(v) for v in mesh.extents]
            current.version += 1
            current.updated_by = user
            current.save()
    return current


def export_objects(capture: Capture, path: Path) -> dict:
    """Write ``capture``'s objects file (``nerf_labeling/labels/README.md``) to ``path``; return it.

    Meshes are copied beside it to ``<stem>_meshes/<instance_id><suffix>`` and named relative to the
    file, as the format says, so the file and its folder import anywhere.
    """
    rows = capture.scene_objects.select_related("label_class", "updated_by").order_by("instance_id")
    document = {
        "units": "metres", "frame": "world", "capture": capture.pk,
        "objects": [_file_entry(row, _export_mesh(row, path)) for row in rows],
    }
    path.write_text(json.dumps(document, indent=1))
    return document


def _export_mesh(row: SceneObject, path: Path) -> str | None:
    if not row.mesh_file:
        return None
    relative = f"{path.stem}_meshes/{row.instance_id}{Path(row.mesh_file.name).suffix.lower()}"
    (path.parent / relative).parent.mkdir(parents=True, exist_ok=True)
    with row.mesh_file.open("rb") as source:
        (path.parent / relative).write_bytes(source.read())
    return relative


def _file_entry(row: SceneObject, mesh: str | None) -> dict:
    payload = object_payload(row)
    return {
        "instance_id": row.instance_id, "class": row.label_class.name, "class_id": row.label_class.class_id,
        "kind": row.kind, "center": payload["center"], "size": payload["size"], "rotation": payload["rotation"],
        "mesh": mesh, "version": row.version,
    }


#: The keys an entry of an objects file may have (nerf_labeling/labels/README.md); any other is refused.
OBJECT_FILE_KEYS = ("instance_id", "class", "class_id", "kind", "center", "size", "rotation", "mesh", "version")


def import_objects(*, capture: Capture, user, data: dict | str, base_dir: Path | None = None) -> list[SceneObject]:
    """Create the objects of an objects file in ``capture``; all or nothing.

    Classes are matched by name and created when missing, with the file's ``class_id`` when it gives
    one. Mesh paths are relative to ``base_dir`` (the file's folder) or absolute. An entry with a key the
    format does not have is refused (a ``yaw`` silently dropped would import the box unrotated).
    ``version`` is read but not kept: an imported object is a new object, at version 1.
    """
    items = _object_items(data)
    for position, item in enumerate(items):
        _check_entry(f"objects[{position}]", item)
    meshes = {
        position: _entry_mesh(f"objects[{position}]", item["mesh"], base_dir)
        for position, item in enumerate(items) if item.get("mesh")
    }
    with StagedFiles() as staged, transaction.atomic():
        classes = _file_classes(capture.project, items)
        return [
            _import_entry(f"objects[{position}]", capture, user, item, classes, meshes.get(position), staged)
            for position, item in enumerate(items)
        ]


def _object_items(data: dict | str) -> list:
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as error:
            raise UserFacingError(f"The objects file is not valid JSON: {error}") from None
    items = data.get("objects") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise UserFacingError('The objects file must hold {"objects": [...]}.')
    return items


def _check_entry(where: str, item) -> None:
    if not isinstance(item, dict):
        raise UserFacingError(f"{where}: an entry is a JSON object.")
    unknown = sorted(set(item) - set(OBJECT_FILE_KEYS))
    if unknown:
        raise UserFacingError(
            f"{where}: unknown key {unknown[0]!r}; an entry has only {', '.join(OBJECT_FILE_KEYS)} "
            "(give orientation as 'rotation', a 3x3 matrix)."
        )
    kind = item.get("kind", SceneObjectKind.BOX)
    if kind not in SceneObjectKind.values:
        raise UserFacingError(f"{where}: kind must be one of {', '.join(SceneObjectKind.values)}, got {kind!r}.")
    needed = {"class", "center"} | ({"mesh"} if kind == SceneObjectKind.MESH else {"size"})
    missing = sorted(key for key in needed if item.get(key) in (None, ""))
    if missing:
        raise UserFacingError(f"{where}: a {kind} entry needs {', '.join(repr(key) for key in missing)}.")
    class_id = item.get("class_id")
    if class_id is not None and (isinstance(class_id, bool) or not isinstance(class_id, int) or class_id < 1):
        raise UserFacingError(f"{where}: class_id must be an integer >= 1, got {class_id!r}.")


def _entry_mesh(where: str, mesh_path, base_dir: Path | None) -> tuple[str, bytes, object]:
    """The suffix, bytes and mesh of an entry's mesh file, read and checked before anything is written."""
    path = Path(str(mesh_path))
    if not path.is_absolute():
        if base_dir is None:
            raise UserFacingError(
                f"{where}: mesh {mesh_path!r} is relative, but there is no objects file to resolve it against."
            )
        path = base_dir / path
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UserFacingError(f"{where}: cannot read mesh {path}: {error.strerror or error}.") from None
    try:
        mesh = _checked_mesh(path.name, data)
    except UserFacingError as error:
        raise UserFacingError(f"{where}: {error}") from None
    return path.suffix.lower(), data, mesh


def _file_classes(project, items: list[dict]) -> dict[str, LabelClass]:
    """Class name -> the project's class, creating missing ones: ids the file gives first, then free ids in
    sorted name order (the format's rule); a file id that disagrees with the project's is refused."""
    given: dict[str, int] = {}
    for position, item in enumerate(items):
        name = str(item["class"]).strip()
        if item.get("class_id") is not None and given.setdefault(name, item["class_id"]) != item["class_id"]:
            raise UserFacingError(
                f"objects[{position}]: class {name!r} has two class ids in the file: "
                f"{given[name]} and {item['class_id']}."
            )
    names = sorted({str(item["class"]).strip() for item in items}, key=lambda name: (name not in given, name))
    classes = {}
    for name in names:
        row = LabelClass.objects.filter(project=project, name=name).first()
        if row is None:
            row = create_label_class(project=project, name=name, class_id=given.get(name))
        elif name in given and row.class_id != given[name]:
            raise ConflictError(
                f"Class {name!r} has class id {row.class_id} in project {project.name!r}; the file says {given[name]}."
            )
        classes[name] = row
    return classes


def _import_entry(where, capture, user, item, classes, mesh, staged: StagedFiles) -> SceneObject:
    kind = item.get("kind", SceneObjectKind.BOX)
    size = item.get("size")
    if kind == SceneObjectKind.MESH:  # the mesh decides a mesh object's size
        size = [float(v) for v in mesh[2].extents]
    try:
        obj = create_object(
            capture=capture, user=user, label_class=classes[str(item["class"]).strip()].pk, center=item["center"],
            size=size, rotation=item.get("rotation"), kind=kind, instance_id=item.get("instance_id"),
        )
    except UserFacingError as error:
        raise type(error)(f"{where}: {error}") from None
    if mesh is not None:
        obj.mesh_file = _store_mesh(obj, mesh[0], mesh[1], staged)
        obj.save(update_fields=["mesh_file"])
    return obj
