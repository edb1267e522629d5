"""Placed scene objects (3D boxes and aligned meshes) and the scene-objects JSON file.

World frame of the capture, metres, OpenGL-style world (+Z up), as everywhere in Raylabel. The file
format is documented in ``nerf_labeling/labels/README.md``; the platform's API and its
``import_objects`` / ``export_objects`` commands use the same shape.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Union

import numpy as np

from nerf_labeling.cameras import PoseError, check_rigid
from nerf_labeling.meshes.triangle_mesh import MeshFileError, TriangleMesh, box_mesh, load_mesh, save_mesh
from nerf_labeling.typed import FloatArray

#: tolerance on ``R^T R = I`` when reading rotations (browsers send float32 matrices)
ROTATION_ATOL = 1e-4
OBJECT_KINDS = ("box", "mesh")


class SceneObjectError(ValueError):
    """A scene object or scene-objects file that breaks the rules (says which object and why)."""


def nearest_rotation(rotation: FloatArray) -> np.ndarray:
    """The rotation matrix nearest to ``rotation`` (3, 3) in the Frobenius norm (SVD projection)."""
    u, _, vt = np.linalg.svd(np.asarray(rotation, dtype=np.float64))
    fixed = u @ vt
    if np.linalg.det(fixed) < 0:
        u[:, -1] *= -1
        fixed = u @ vt
    return fixed


def _checked_pose(pose: FloatArray, name: str) -> np.ndarray:
    try:
        matrix = check_rigid(pose, atol=ROTATION_ATOL, name=name)
    except PoseError as error:
        raise SceneObjectError(str(error)) from error
    matrix = matrix.copy()
    matrix[:3, :3] = nearest_rotation(matrix[:3, :3])
    return matrix


def _checked_size(size: FloatArray, name: str) -> np.ndarray:
    size = np.asarray(size, dtype=np.float64)
    if size.shape != (3,) or not np.all(np.isfinite(size)) or np.any(size <= 0):
        raise SceneObjectError(f"{name} size must be 3 positive finite extents in metres, got {size.tolist()}")
    return size


@dataclass(frozen=True, eq=False)
class _PlacedObject:
    instance_id: int
    class_id: int
    class_name: str
    object_to_world: np.ndarray

    def _check_common(self) -> None:
        name = f"object {self.instance_id}"
        if int(self.instance_id) < 1:
            raise SceneObjectError(f"instance_id must be >= 1 (0 is background), got {self.instance_id}")
        if int(self.class_id) < 1:
            raise SceneObjectError(f"{name}: class_id must be >= 1 (0 is background), got {self.class_id}")
        if not str(self.class_name):
            raise SceneObjectError(f"{name}: class name is empty")
        object.__setattr__(self, "instance_id", int(self.instance_id))
        object.__setattr__(self, "class_id", int(self.class_id))
        object.__setattr__(self, "object_to_world", _checked_pose(self.object_to_world, f"{name} pose"))

    @property
    def center(self) -> np.ndarray:
        """``(3,)`` world position of the object frame's origin."""
        return self.object_to_world[:3, 3].copy()

    @property
    def rotation(self) -> np.ndarray:
        """``(3, 3)`` object-to-world rotation."""
        return self.object_to_world[:3, :3].copy()

    @property
    def box_to_world(self) -> np.ndarray:
        """``(4, 4)`` pose of the object's 3D box (its centre and axes) in the world."""
        pose = self.object_to_world.copy()
        pose[:3, 3] = self.object_to_world[:3, :3] @ self.box_center_object + self.object_to_world[:3, 3]
        return pose

    @property
    def box_volume(self) -> float:
        """Cubic metres of the 3D box (decides overlaps: the smaller box wins)."""
        return float(np.prod(self.box_size))

    def box_corners(self) -> np.ndarray:
        """``(8, 3)`` world corners of the 3D box, ordered by sign pattern (x, y, z) from (-,-,-)."""
        signs = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float64)
        local = signs * self.box_size / 2.0 + self.box_center_object
        return local @ self.object_to_world[:3, :3].T + self.object_to_world[:3, 3]


@dataclass(frozen=True, eq=False)
class BoxObject(_PlacedObject):
    """A 3D box placed by an annotator: the box pipeline labels what the field shows inside it.

    object_to_world : (4, 4) rigid; its origin is the box centre, its axes the box axes
    size : (3,) metres, extents along the box's own x, y, z
    mesh : the object's surface extracted from the field inside the box (object frame), or None
    mesh_path : where ``mesh`` is stored, relative to the scene-objects file, or None
    version : edit counter kept by the platform (a changed object gets a higher version)
    """

    size: np.ndarray = None
    mesh: TriangleMesh | None = None
    mesh_path: str | None = None
    version: int = 1

    kind = "box"

    def __post_init__(self) -> None:
        self._check_common()
        object.__setattr__(self, "size", _checked_size(self.size, f"object {self.instance_id}"))

    @property
    def box_size(self) -> np.ndarray:
        return self.size.copy()

    @property
    def box_center_object(self) -> np.ndarray:
        return np.zeros(3)

    @property
    def shape_mesh(self) -> TriangleMesh:
        """What the object's silhouette and depth are cast against: the extracted mesh, else the box."""
        return self.mesh if self.mesh is not None else _cached_box_mesh(tuple(self.size))


@dataclass(frozen=True, eq=False)
class MeshObject(_PlacedObject):
    """A mesh aligned by an annotator: the mesh pipeline casts it and tests occlusion with the field.

    object_to_world : (4, 4) rigid pose of the mesh's own frame
    mesh : vertices in the object frame, metres
    mesh_path : the mesh file, relative to the scene-objects file (or absolute), or None
    version : edit counter kept by the platform
    """

    mesh: TriangleMesh = None
    mesh_path: str | None = None
    version: int = 1

    kind = "mesh"

    def __post_init__(self) -> None:
        self._check_common()
        if not isinstance(self.mesh, TriangleMesh):
            raise SceneObjectError(f"object {self.instance_id}: a mesh object needs a TriangleMesh")
        _checked_size(self.mesh.extents, f"object {self.instance_id} mesh")

    @property
    def size(self) -> np.ndarray:
        """``(3,)`` metres, extents of the mesh in its own frame."""
        return self.mesh.extents

    @property
    def box_size(self) -> np.ndarray:
        return self.mesh.extents

    @property
    def box_center_object(self) -> np.ndarray:
        """``(3,)`` centre of the mesh's axis-aligned box in its own frame (zero for a centred mesh)."""
        return self.mesh.bounds.mean(axis=0)

    @property
    def shape_mesh(self) -> TriangleMesh:
        return self.mesh


SceneObject = Union[BoxObject, MeshObject]

_BOX_MESHES: dict[tuple[float, float, float], TriangleMesh] = {}


def _cached_box_mesh(size: tuple[float, float, float]) -> TriangleMesh:
    # One mesh per size keeps the raycaster cache (keyed by mesh identity) warm across frames.
    if size not in _BOX_MESHES:
        _BOX_MESHES[size] = box_mesh(size)
    return _BOX_MESHES[size]


def check_unique_ids(objects) -> None:
    """Raise :class:`SceneObjectError` when two objects share an instance id or a class id disagrees."""
    seen: set[int] = set()
    class_of_id: dict[int, str] = {}
    id_of_class: dict[str, int] = {}
    for obj in objects:
        if obj.instance_id in seen:
            raise SceneObjectError(f"duplicate instance_id {obj.instance_id}")
        seen.add(obj.instance_id)
        if class_of_id.setdefault(obj.class_id, obj.class_name) != obj.class_name:
            raise SceneObjectError(
                f"class_id {obj.class_id} names two classes: {class_of_id[obj.class_id]!r} and {obj.class_name!r}"
            )
        if id_of_class.setdefault(obj.class_name, obj.class_id) != obj.class_id:
            raise SceneObjectError(f"class {obj.class_name!r} has two class ids: {id_of_class[obj.class_name]} and {obj.class_id}")


def _fill_class_ids(items: list[dict]) -> dict[str, int]:
    """Class name -> id: ids given in the file first, then free ids in sorted name order."""
    given: dict[str, int] = {}
    for item in items:
        if item.get("class_id") is not None:
            given.setdefault(str(item["class"]), int(item["class_id"]))
    next_id = max(given.values(), default=0) + 1
    for name in sorted({str(item["class"]) for item in items} - set(given)):
        given[name] = next_id
        next_id += 1
    return given


def object_from_dict(item: dict, *, base_dir: str | Path = ".", class_id: int | None = None) -> SceneObject:
    """One entry of the file's ``objects`` list -> :class:`BoxObject` or :class:`MeshObject`."""
    label = f"object {item.get('instance_id', '?')}"
    for key in ("instance_id", "class", "kind", "center", "rotation"):
        if key not in item:
            raise SceneObjectError(f"{label}: missing key {key!r}")
    if item["kind"] not in OBJECT_KINDS:
        raise SceneObjectError(f"{label}: kind must be one of {OBJECT_KINDS}, got {item['kind']!r}")
    rotation = np.asarray(item["rotation"], dtype=np.float64)
    center = np.asarray(item["center"], dtype=np.float64)
    if rotation.shape == (9,):
        rotation = rotation.reshape(3, 3)
    if rotation.shape != (3, 3) or center.shape != (3,):
        raise SceneObjectError(f"{label}: rotation must be 3x3 and center 3 numbers, got {rotation.shape}, {center.shape}")
    pose = np.eye(4)
    pose[:3, :3], pose[:3, 3] = rotation, center
    mesh_path = item.get("mesh")
    mesh = _load_object_mesh(base_dir, mesh_path, label) if mesh_path else None
    common = dict(
        instance_id=int(item["instance_id"]),
        class_id=int(item["class_id"] if item.get("class_id") is not None else class_id or 0),
        class_name=str(item["class"]),
        object_to_world=pose,
        mesh=mesh,
        mesh_path=mesh_path,
        version=int(item.get("version", 1)),
    )
    if item["kind"] == "box":
        if "size" not in item:
            raise SceneObjectError(f"{label}: a box object needs 'size'")
        return BoxObject(size=_checked_size(item["size"], label), **common)
    if mesh is None:
        raise SceneObjectError(f"{label}: a mesh object needs a 'mesh' file path")
    if item.get("size") is not None:
        _checked_size(item["size"], label)  # informative for meshes: the mesh's own extents win
    return MeshObject(**common)


def _load_object_mesh(base_dir: str | Path, mesh_path: str, label: str) -> TriangleMesh:
    path = Path(mesh_path)
    try:
        return load_mesh(path if path.is_absolute() else Path(base_dir) / path)
    except MeshFileError as error:
        raise SceneObjectError(f"{label}: {error}") from error


def object_to_dict(obj: SceneObject) -> dict:
    """The file's JSON entry for ``obj`` (mesh path as stored on the object)."""
    return {
        "instance_id": obj.instance_id,
        "class": obj.class_name,
        "class_id": obj.class_id,
        "kind": obj.kind,
        "center": obj.center.tolist(),
        "size": [float(s) for s in obj.box_size],
        "rotation": obj.rotation.tolist(),
        "mesh": obj.mesh_path,
        "version": int(obj.version),
    }


def objects_from_dict(data: dict, *, base_dir: str | Path = ".") -> list[SceneObject]:
    """Parse a whole scene-objects document ``{"objects": [...]}``; mesh paths relative to ``base_dir``."""
    if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
        raise SceneObjectError('a scene-objects document is {"objects": [...]}')
    for index, item in enumerate(data["objects"]):
        if not isinstance(item, dict) or "class" not in item:
            raise SceneObjectError(f"objects[{index}] must be an object with a 'class'")
    class_ids = _fill_class_ids(data["objects"])
    objects = [
        object_from_dict(item, base_dir=base_dir, class_id=class_ids[str(item["class"])]) for item in data["objects"]
    ]
    check_unique_ids(objects)
    return objects


def objects_to_dict(objects) -> dict:
    """The scene-objects document for ``objects`` (meshes must already have a ``mesh_path``)."""
    check_unique_ids(objects)
    return {"units": "metres", "frame": "world", "objects": [object_to_dict(obj) for obj in objects]}


def read_scene_objects(path: str | Path) -> list[SceneObject]:
    """Read a scene-objects JSON file; relative mesh paths are resolved against its directory."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise SceneObjectError(f"{path}: cannot read scene objects ({error})") from error
    return objects_from_dict(data, base_dir=path.parent)


def write_scene_objects(path: str | Path, objects) -> list[SceneObject]:
    """Write ``objects`` to ``path``; meshes without a file go to ``<stem>_meshes/<instance_id>.ply``.

    Returns the objects as written (with their ``mesh_path`` filled in).
    """
    path = Path(path)
    written = []
    for obj in objects:
        if obj.mesh is not None and obj.mesh_path is None:
            relative = f"{path.stem}_meshes/{obj.instance_id}.ply"
            save_mesh(obj.mesh, path.parent / relative)
            obj = replace(obj, mesh_path=relative)
        written.append(obj)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(objects_to_dict(written), indent=1))
    return written
