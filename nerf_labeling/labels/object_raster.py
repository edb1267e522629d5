"""Per-object, per-frame pixel work: where an object's shape lies and which pixels it claims.

Two rules decide whether a pixel shows an object (``tolerance`` τ in metres, the same for both):

- box pipeline (:class:`BoxObject`): the field's surface point along the pixel's ray, pushed a little
  further along the ray, lies inside the object's oriented box. With the ray crossing the box on
  ``[t_in, t_out]`` and the surface at distance ``t``, the pixel is claimed when
  ``t_in - τ <= t <= t_out - min(τ, (t_out - t_in) / 2)``: a surface on the box's near faces (the object's
  own faces) counts, a surface on its far faces (the floor under a ball, a wall behind) does not.
  The claim's depth is the field's depth. A field's stray density (a floater inside the box, a patch
  of floor drawn a little too high) claims specks apart from the object: pieces of the claim smaller
  than ``SPECK_SHARE`` of its largest piece (8-connected, in this frame) are dropped, unless something
  cut them off: they touch a pixel whose surface lies in front of the box (an occluder splitting the
  object) or the image border.
- mesh pipeline (:class:`MeshObject`): the mesh's own z-depth along the pixel is at most the field's
  z-depth plus τ (NeRF occlusion); where the field has no surface the mesh is visible.

The *silhouette* of an object is where its shape mesh is hit (mesh objects: their mesh; box objects:
their extracted mesh, else the box), with nothing else in front: it gives the object depth map and
the denominator of ``visible_fraction``.
"""
from __future__ import annotations

import importlib.util
import weakref
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.special import erf

from nerf_labeling.cameras import Camera, camera_rays
from nerf_labeling.fields.base import RenderedView
from nerf_labeling.labels.projection import BoxProjection, project_box
from nerf_labeling.labels.scene_objects import BoxObject, SceneObject
from nerf_labeling.meshes.raycast import MeshRaycaster
from nerf_labeling.meshes.triangle_mesh import TriangleMesh


@dataclass(frozen=True)
class FrameGeometry:
    """A frame's rays and the field's cached render, in the shapes the rules need.

    origins, directions : (H, W, 3) float64, world, unit directions
    z_per_distance : (H, W) float64, z-depth per metre along the ray
    field_depth : (H, W) float64 z-depth of the field's surface, ``inf`` where opacity < threshold
    field_distance : (H, W) float64 the same along the ray
    depth_std : (H, W) float64, metres along the optical axis
    """

    camera: Camera
    origins: np.ndarray
    directions: np.ndarray
    z_per_distance: np.ndarray
    field_depth: np.ndarray
    field_distance: np.ndarray
    depth_std: np.ndarray


def frame_geometry(
    camera: Camera, view: RenderedView, *, opacity_threshold: float, device: str = "cpu"
) -> FrameGeometry:
    """Combine ``camera``'s rays with its cached field render ``view`` (depth and opacity (H, W)).

    Off the CPU the rays are made on ``device`` and copied back (faster than numpy; the same numbers).
    """
    height, width = camera.intrinsics.height, camera.intrinsics.width
    if view.depth.shape != (height, width) or view.opacity.shape != (height, width):
        raise ValueError(f"field render is {view.depth.shape}, camera is {(height, width)}")
    if str(device).split(":")[0] == "cpu":
        rays = camera_rays(camera)
    else:
        from nerf_labeling.fields.device_rays import camera_rays_made_on  # torch only where it is used

        rays = camera_rays_made_on(camera, device)
    z_per_distance = rays.z_per_distance.reshape(height, width).astype(np.float64)
    surface = view.opacity >= opacity_threshold
    field_depth = np.where(surface, view.depth.astype(np.float64), np.inf)
    return FrameGeometry(
        camera=camera,
        origins=rays.origins.reshape(height, width, 3).astype(np.float64),
        directions=rays.directions.reshape(height, width, 3).astype(np.float64),
        z_per_distance=z_per_distance,
        field_depth=field_depth,
        field_distance=field_depth / z_per_distance,
        depth_std=view.depth_std.astype(np.float64),
    )


@dataclass(frozen=True)
class ObjectRaster:
    """One object in one frame, over its pixel window ``(row_start, row_stop, col_start, col_stop)``.

    silhouette_depth : (h, w) float64 z-depth of the object's shape, ``inf`` off the silhouette
    claim : (h, w) bool, pixels whose rule says they show the object
    claim_depth : (h, w) float64 z-depth of a claim (ranks claims of several objects)
    certainty : (h, w) float64 in [0, 1], how clearly the rule decided (1 where it did not apply)
    """

    obj: SceneObject
    projection: BoxProjection
    window: tuple[int, int, int, int]
    silhouette_depth: np.ndarray
    claim: np.ndarray
    claim_depth: np.ndarray
    certainty: np.ndarray


#: box-rule claims smaller than this share of the object's largest claimed piece are dropped as specks
SPECK_SHARE = 0.1

_RAYCASTERS: "weakref.WeakKeyDictionary[TriangleMesh, dict]" = weakref.WeakKeyDictionary()


def raycaster_for(mesh: TriangleMesh, device: str = "cpu"):
    """The (cached) raycaster of ``mesh`` on ``device``; built once per mesh and device, reused for every frame.

    On the CPU it is Open3D's Embree BVH (:class:`MeshRaycaster`); on any other torch device, and on a
    CPU without Open3D (a GPU worker's image), the torch caster of
    :mod:`nerf_labeling.labels.device_raycast`, which answers the same ``distances`` call.
    """
    casters = _RAYCASTERS.setdefault(mesh, {})
    if device not in casters:
        if str(device).split(":")[0] == "cpu" and importlib.util.find_spec("open3d") is not None:
            casters[device] = MeshRaycaster(mesh)
        else:
            from nerf_labeling.labels.device_raycast import TorchMeshRaycaster  # torch only where it is used

            casters[device] = TorchMeshRaycaster(mesh, device)
    return casters[device]


def rasterize_object(
    obj: SceneObject, frame: FrameGeometry, *, tolerance: float, device: str = "cpu"
) -> ObjectRaster | None:
    """The object's silhouette and claimed pixels in ``frame``; None when its box misses the image.

    A mesh is ray cast on ``device`` (a torch device name, see :func:`raycaster_for`); a box without an
    extracted mesh is its own silhouette, found exactly by the slab test the box rule uses anyway.
    """
    projection = project_box(frame.camera, obj.box_corners())
    if projection.pixel_window is None:
        return None
    r0, r1, c0, c1 = projection.pixel_window
    origins = frame.origins[r0:r1, c0:c1]
    directions = frame.directions[r0:r1, c0:c1]
    z_scale = frame.z_per_distance[r0:r1, c0:c1]
    if isinstance(obj, BoxObject):
        t_in, t_out = _box_interval(obj, origins, directions)
    if isinstance(obj, BoxObject) and obj.mesh is None:
        distance = np.where((t_in <= t_out) & (t_out > 0), np.where(t_in > 0, t_in, t_out), np.inf)
    else:
        distance = raycaster_for(obj.shape_mesh, device).distances(
            origins.reshape(-1, 3), directions.reshape(-1, 3), object_to_world=obj.object_to_world
        ).reshape(z_scale.shape)
    silhouette_depth = distance.astype(np.float64) * z_scale
    field_depth = frame.field_depth[r0:r1, c0:c1]
    sigma = frame.depth_std[r0:r1, c0:c1]
    if isinstance(obj, BoxObject):
        claim, margin, hidden = _box_rule(t_in, t_out, frame.field_distance[r0:r1, c0:c1], tolerance)
        claim = without_specks(claim, SPECK_SHARE, cut=hidden | _image_border(projection.pixel_window, frame))
        claim_depth = field_depth
        sigma = sigma / z_scale  # the box rule's margin is along the ray
    else:
        with np.errstate(invalid="ignore"):  # inf - inf off the silhouette where the field is empty
            margin = field_depth + tolerance - silhouette_depth
        claim = np.isfinite(silhouette_depth) & (margin >= 0)
        claim_depth = silhouette_depth
    return ObjectRaster(
        obj=obj,
        projection=projection,
        window=projection.pixel_window,
        silhouette_depth=silhouette_depth,
        claim=claim,
        claim_depth=claim_depth,
        certainty=decision_certainty(margin, sigma),
    )


def _image_border(window, frame: FrameGeometry) -> np.ndarray:
    """(h, w) bool over ``window``: its pixels on the image's outermost rows and columns."""
    r0, r1, c0, c1 = window
    height, width = frame.field_depth.shape
    border = np.zeros((r1 - r0, c1 - c0), dtype=bool)
    border[0, :], border[-1, :] = r0 == 0, r1 == height
    border[:, 0] |= c0 == 0
    border[:, -1] |= c1 == width
    return border


def _box_interval(obj: BoxObject, origins, directions) -> tuple[np.ndarray, np.ndarray]:
    """Where each ray crosses the object's box: ``(t_in, t_out)`` (h, w) float64 metres along the ray.

    The ray misses the box where ``t_in > t_out``; the box lies behind the origin where ``t_out <= 0``.
    """
    rotation, center = obj.object_to_world[:3, :3], obj.object_to_world[:3, 3]
    local_origins = (origins - center) @ rotation
    local_directions = directions @ rotation
    # Slab test; a direction component of exactly zero becomes tiny so the slab bounds stay infinite.
    safe = np.where(np.abs(local_directions) < 1e-12, 1e-12, local_directions)
    half = obj.size / 2.0
    near, far = (-half - local_origins) / safe, (half - local_origins) / safe
    entries, exits = np.minimum(near, far), np.maximum(near, far)
    # Elementwise over the three axes: several times faster than a reduction along a length-3 axis.
    t_in = np.maximum(np.maximum(entries[..., 0], entries[..., 1]), entries[..., 2])
    t_out = np.minimum(np.minimum(exits[..., 0], exits[..., 1]), exits[..., 2])
    return t_in, t_out


def _box_rule(t_in, t_out, surface_distance, tolerance):
    """The box rule (see the module docstring) on the box interval ``[t_in, t_out]``: ``(claim, margin, hidden)``.

    margin : signed metres by which each decision was made; hidden : pixels whose surface lies in front
    of the box (nearer than its entry minus the tolerance), where something hides what is inside it
    """
    low = t_in - tolerance
    high = t_out - np.minimum(tolerance, (t_out - t_in) / 2.0)
    crosses = (t_in <= t_out) & (t_out > 0)
    margin = np.where(crosses, np.minimum(surface_distance - low, high - surface_distance), -np.inf)
    margin = np.where(np.isfinite(surface_distance), margin, -np.inf)
    hidden = crosses & (surface_distance < low)
    return margin >= 0, margin, hidden


def without_specks(mask: np.ndarray, share: float, *, cut: np.ndarray | None = None) -> np.ndarray:
    """``mask`` without its 8-connected pieces smaller than ``share`` of its largest piece.

    A small piece that touches ``cut`` (same shape, bool; 8-neighbours count) is kept: something cut it
    off the rest of the object rather than it being a speck.
    """
    eight = np.ones((3, 3), dtype=bool)
    pieces, count = ndimage.label(mask, structure=eight)
    if count <= 1:
        return mask
    sizes = np.bincount(pieces.ravel())
    sizes[0] = 0
    keep = sizes >= share * sizes.max()
    if cut is not None and cut.any():
        keep[np.unique(pieces[ndimage.binary_dilation(cut, structure=eight) & mask])] = True
    keep[0] = False
    return keep[pieces]


def decision_certainty(margin: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``|erf(margin / (sqrt(2) sigma))|``: how sure a threshold decision is under Gaussian depth noise.

    1 where ``sigma`` is 0 (an exact field) or the decision did not depend on depth (infinite margin).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        certainty = np.abs(erf(margin / (np.sqrt(2.0) * sigma)))
    return np.where((sigma > 0) & np.isfinite(margin), certainty, 1.0)
