"""A scene of analytic solids on a finite textured ground plane, with exact ray casting.

World frame: +Z up, the ground is the square ``|x|, |y| <= ground_half_extent`` of the plane ``z = 0``;
rays that hit nothing see a constant sky colour. Objects carry stable instance ids ``1..n``; the
ground is background (instance 0). Shading is Lambertian under one fixed directional light, with no
shadows, so every surface point has one colour from every viewpoint.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from nerf_labeling.cameras import Camera, camera_rays, check_rigid
from nerf_labeling.synthetic.primitives import INTERSECTORS, check_size, inside
from nerf_labeling.synthetic.textures import TEXTURES


@dataclass(frozen=True, eq=False)
class SceneObject:
    """One solid object.

    instance_id : stable id >= 1
    class_name : category, e.g. ``"box"``, ``"ball"``, ``"can"``
    shape : ``"box"``, ``"sphere"`` or ``"cylinder"`` (see :mod:`nerf_labeling.synthetic.primitives`)
    size : (3,) metres, extents of the tight oriented bounding box in the object's own frame
    object_to_world : (4, 4) rigid transform; the object frame's origin is the box centre
    color : (3,) base albedo in [0, 1]
    tiles_per_metre : frequency of the object's solid checker texture
    """

    instance_id: int
    class_name: str
    shape: str
    size: tuple[float, float, float]
    object_to_world: np.ndarray
    color: tuple[float, float, float] = (0.8, 0.3, 0.2)
    tiles_per_metre: float = 8.0

    def __post_init__(self) -> None:
        if int(self.instance_id) < 1:
            raise ValueError(f"instance_id must be >= 1 (0 is background), got {self.instance_id}")
        check_size(self.shape, self.size)
        pose = check_rigid(self.object_to_world, atol=1e-6, name=f"object {self.instance_id} pose")
        object.__setattr__(self, "object_to_world", pose)
        object.__setattr__(self, "size", tuple(float(s) for s in self.size))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SceneObject) and self.to_dict() == other.to_dict()

    __hash__ = None  # mutable array inside

    @property
    def center(self) -> np.ndarray:
        """``(3,)`` world position of the bounding box centre."""
        return self.object_to_world[:3, 3].copy()

    @property
    def rotation(self) -> np.ndarray:
        """``(3, 3)`` object-to-world rotation."""
        return self.object_to_world[:3, :3].copy()

    def to_local(self, points: np.ndarray) -> np.ndarray:
        """``(N, 3)`` world points -> the same points in the object frame."""
        return (points - self.object_to_world[:3, 3]) @ self.object_to_world[:3, :3]

    def box_corners(self) -> np.ndarray:
        """``(8, 3)`` world corners of the oriented bounding box."""
        signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], float)
        local = signs * np.asarray(self.size) / 2.0
        return local @ self.rotation.T + self.center

    def to_dict(self) -> dict:
        return {
            "instance_id": int(self.instance_id),
            "class_name": self.class_name,
            "shape": self.shape,
            "size": list(self.size),
            "object_to_world": self.object_to_world.tolist(),
            "color": list(self.color),
            "tiles_per_metre": float(self.tiles_per_metre),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "SceneObject":
        return cls(
            instance_id=int(data["instance_id"]),
            class_name=str(data["class_name"]),
            shape=str(data["shape"]),
            size=tuple(data["size"]),
            object_to_world=np.asarray(data["object_to_world"], dtype=np.float64),
            color=tuple(data["color"]),
            tiles_per_metre=float(data["tiles_per_metre"]),
        )


@dataclass(frozen=True)
class RayHits:
    """What each ray hits first.

    distance : (N,) float64 metres along the unit ray, ``inf`` where nothing is hit
    instance_id : (N,) int32, the object's id, 0 for the ground and for misses
    rgb : (N, 3) float32 in [0, 1], shaded colour (sky colour on a miss)
    """

    distance: np.ndarray
    instance_id: np.ndarray
    rgb: np.ndarray


@dataclass(frozen=True)
class SyntheticScene:
    """Objects on a finite ground square under a sky; see the module docstring for conventions."""

    objects: tuple[SceneObject, ...]
    ground_half_extent: float = 3.0
    sky_color: tuple[float, float, float] = (0.62, 0.76, 0.94)
    light_direction: tuple[float, float, float] = (0.4, 0.25, 0.88)
    ambient: float = 0.35
    name: str = field(default="synthetic")
    #: a name in :data:`~nerf_labeling.synthetic.textures.TEXTURES`: the look of the ground and objects
    texture: str = "checker"

    def __post_init__(self) -> None:
        if self.texture not in TEXTURES:
            raise ValueError(f"unknown texture {self.texture!r}; expected one of {sorted(TEXTURES)}")
        object.__setattr__(self, "objects", tuple(self.objects))
        ids = [obj.instance_id for obj in self.objects]
        if len(set(ids)) != len(ids):
            raise ValueError(f"instance ids must be unique, got {ids}")

    def object(self, instance_id: int) -> SceneObject:
        """The object with ``instance_id`` (``KeyError`` if there is none)."""
        for obj in self.objects:
            if obj.instance_id == instance_id:
                return obj
        raise KeyError(f"no object with instance id {instance_id}")

    def only(self, instance_ids, *, ground: bool = False) -> "SyntheticScene":
        """The same scene keeping only ``instance_ids`` (and the ground only if ``ground``)."""
        kept = tuple(obj for obj in self.objects if obj.instance_id in set(instance_ids))
        return replace(self, objects=kept, ground_half_extent=self.ground_half_extent if ground else 0.0)

    def intersect(self, origins: np.ndarray, directions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """First hit of ``(N, 3)`` world rays with unit ``directions``: ``(distance, instance_id, rgb)``.

        See :class:`RayHits` for the arrays (``inf`` distance and instance 0 on a miss; the ground
        is instance 0 with a finite distance).
        """
        hits = self.cast(origins, directions)
        return hits.distance, hits.instance_id, hits.rgb

    def cast(self, origins: np.ndarray, directions: np.ndarray) -> RayHits:
        """Same as :meth:`intersect`, returned as a :class:`RayHits`."""
        origins = np.asarray(origins, dtype=np.float64)
        directions = np.asarray(directions, dtype=np.float64)
        if origins.ndim != 2 or origins.shape[1] != 3 or directions.shape != origins.shape:
            raise ValueError(f"origins and directions must both be (N, 3), got {origins.shape}, {directions.shape}")
        count = len(origins)
        distance = np.full(count, np.inf)
        instance = np.zeros(count, dtype=np.int32)
        rgb = np.tile(np.asarray(self.sky_color, dtype=np.float64), (count, 1))
        self._cast_ground(origins, directions, distance, rgb)
        for obj in self.objects:
            self._cast_object(obj, origins, directions, distance, instance, rgb)
        return RayHits(distance=distance, instance_id=instance, rgb=rgb.astype(np.float32))

    def _shade(self, albedo: np.ndarray, normals: np.ndarray) -> np.ndarray:
        light = np.asarray(self.light_direction, dtype=np.float64)
        light = light / np.linalg.norm(light)
        lambert = np.clip(normals @ light, 0.0, 1.0)
        return albedo * (self.ambient + (1.0 - self.ambient) * lambert)[:, None]

    def _cast_ground(self, origins, directions, distance, rgb) -> None:
        if self.ground_half_extent <= 0:
            return
        with np.errstate(divide="ignore", invalid="ignore"):
            t = -origins[:, 2] / directions[:, 2]
        points = origins + np.where(np.isfinite(t), t, 0.0)[:, None] * directions
        hit = (t > 0) & np.all(np.abs(points[:, :2]) <= self.ground_half_extent, axis=1)
        hit &= t < distance
        normals = np.tile([0.0, 0.0, 1.0], (int(hit.sum()), 1))
        distance[hit] = t[hit]
        rgb[hit] = self._shade(TEXTURES[self.texture][0](points[hit]), normals)

    def _cast_object(self, obj, origins, directions, distance, instance, rgb) -> None:
        rotation = obj.object_to_world[:3, :3]
        local_origins = obj.to_local(origins)
        local_directions = directions @ rotation
        t, local_normals = INTERSECTORS[obj.shape](local_origins, local_directions, obj.size)
        closer = t < distance
        if not np.any(closer):
            return
        t = t[closer]
        local_points = local_origins[closer] + t[:, None] * local_directions[closer]
        albedo = TEXTURES[self.texture][1](local_points, obj.color, obj.tiles_per_metre)
        distance[closer] = t
        instance[closer] = obj.instance_id
        rgb[closer] = self._shade(albedo, local_normals[closer] @ rotation.T)

    def solid_mask(self, points: np.ndarray, *, ground_thickness: float) -> np.ndarray:
        """``(N,)`` bool: world ``points`` inside an object or the ground slab ``-thickness <= z <= 0``."""
        points = np.asarray(points, dtype=np.float64)
        in_ground = (
            (points[:, 2] <= 0.0)
            & (points[:, 2] >= -ground_thickness)
            & np.all(np.abs(points[:, :2]) <= self.ground_half_extent, axis=1)
        )
        solid = in_ground
        for obj in self.objects:
            solid = solid | inside(obj.shape, obj.size, obj.to_local(points))
        return solid

    def bounds(self, *, ground_thickness: float = 0.0) -> np.ndarray:
        """``(2, 3)`` axis-aligned world bounds of the ground square and every object's box."""
        half = self.ground_half_extent
        corners = [np.array([[-half, -half, -ground_thickness], [half, half, 0.0]])]
        corners += [obj.box_corners() for obj in self.objects]
        stacked = np.concatenate(corners, axis=0)
        return np.stack([stacked.min(axis=0), stacked.max(axis=0)])

    def render(self, camera: Camera) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Exact ground truth of one view.

        Returns
        -------
        rgb : (H, W, 3) float32 in [0, 1]
        instance : (H, W) uint16, 0 for ground and sky
        depth : (H, W) float32 z-depth in metres, 0 where nothing is hit
        """
        rays = camera_rays(camera)
        hits = self.cast(rays.origins, rays.directions)
        height, width = camera.intrinsics.height, camera.intrinsics.width
        finite = np.isfinite(hits.distance)
        depth = np.where(finite, hits.distance * rays.z_per_distance, 0.0).astype(np.float32)
        return (
            hits.rgb.reshape(height, width, 3),
            hits.instance_id.astype(np.uint16).reshape(height, width),
            depth.reshape(height, width),
        )

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "ground_half_extent": float(self.ground_half_extent),
            "sky_color": list(self.sky_color),
            "light_direction": list(self.light_direction),
            "ambient": float(self.ambient),
            "objects": [obj.to_dict() for obj in self.objects],
            "texture": self.texture,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "SyntheticScene":
        return cls(
            objects=tuple(SceneObject.from_dict(item) for item in data["objects"]),
            ground_half_extent=float(data["ground_half_extent"]),
            sky_color=tuple(data["sky_color"]),
            light_direction=tuple(data["light_direction"]),
            ambient=float(data["ambient"]),
            name=str(data["name"]),
            texture=str(data.get("texture", "checker")),
        )
