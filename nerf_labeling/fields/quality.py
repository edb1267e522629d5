"""How far a trained radiance field can be trusted, measured from the field itself: a verdict per field.

Three measures, per evaluated frame and over the whole capture:

* ``held_out_psnr`` (dB): the field's colour against frames it never trained on, on a fixed random
  subset of their pixels. Does the field reproduce the scene from viewpoints it did not fit?
* ``depth_disagreement`` (fraction): the median relative disagreement of depth between a view A and a
  neighbouring camera B. Each surface pixel of A (opacity >= 1/2, the label rule's surface) is lifted
  to 3D with A's rendered depth; the ray from B's centre through that point is rendered, and where it
  meets a surface, ``|distance to the point - distance to the surface| / distance to the surface``.
  Fog, floaters and surfaces at the wrong depth move with the viewpoint; a consistent surface does
  not. Labels decide occlusion by this depth. (Occlusion seen from B also disagrees; the median
  ignores it while it stays under half the shared pixels, which a neighbour's small parallax keeps.)
* ``crisp_fraction`` (fraction): the share of surface pixels (as above) whose surface is crisp, opacity
  >= 0.9 and a depth spread (std) under :data:`CRISP_STD_FRACTION` of the depth. That is how much of what
  the field shows the label's occlusion test can rely on (pixels that see nothing, such as sky past the
  ground, are left out so that they do not count against a field).

:func:`assess_field` renders at a reduced resolution (:data:`MAX_RENDER_SIDE` pixels across) and a
bounded number of views and pixels, so it adds seconds, not minutes, to a CPU training job.

The verdict is ``good`` when every measure meets its good threshold and ``poor`` when any misses its
usable threshold; anything between is ``usable``. A measure that could not be taken (no held-out
frames, no pair of views sharing a surface) keeps the field from ``good``.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Mapping, Sequence

import numpy as np

from nerf_labeling.cameras import Camera, camera_rays, project_points
from nerf_labeling.fields.base import RadianceField, RenderedView, render_view

GOOD, USABLE, POOR = "good", "usable", "poor"
VERDICTS = (GOOD, USABLE, POOR)

# Thresholds, measured with ``python -m bench.bench_field_quality`` on the synthetic orbit capture
# (50 frames at 128x96, every 10th held out as the training job does; BENCHMARKS.md, "Field quality verdict").
# Held-out PSNR / depth disagreement / crisp share of surface pixels, by iterations of voxel-grid training:
#   exact synthetic field   59.6 dB / 0.00 % / 100 %   -> good
#   2,000 (grid-default)    25.8 dB / 0.19 % /  50 %   -> good
#     500                   25.2 dB / 0.19 % /  43 %   -> good
#     150                   21.8 dB / 0.31 % / 0.3 %   -> poor (its refined poses were all refused: BENCHMARKS.md)
#      60 (grid-fast)       18.5 dB / 3.16 % /   0 %   -> poor
# (grid-default at 128 vertices per axis. At 192, its schedule since 2026-12-08, random scenes 6421 / 3301
# gave 27.3 / 27.2 dB, 0.11 / 0.12 %, 57 / 53 %: good, further from the thresholds.)
#: Held-out PSNR (dB) a good field reaches (the project's training target), and below which it is poor.
GOOD_PSNR, USABLE_PSNR = 25.0, 20.0
#: Median relative depth disagreement between neighbouring views a good field stays under, and above
#: which it is poor: trained fields hold 0.2-0.3 %, grid-fast's 60 iterations 2-5 % per frame.
GOOD_DEPTH_DISAGREEMENT, USABLE_DEPTH_DISAGREEMENT = 0.01, 0.02
#: Share of crisp surface pixels a good field reaches, and below which it is poor: the crisp share is
#: what separates 150 iterations (0.3 %) from 500 and 2,000 (43 %, 50 %) when PSNR and depth agreement
#: barely do. Even a well-trained field is not crisp everywhere: the ground's far edge, outlines, and a
#: floater in front of one held-out camera (its frame 0 % crisp, 22.8 dB) keep 2,000 iterations at 50 %.
GOOD_CRISP_FRACTION, USABLE_CRISP_FRACTION = 0.4, 0.1

#: A pixel has a surface where opacity reaches this (the label rule's threshold: depth is defined there).
SURFACE_OPACITY = 0.5
#: A crisp pixel is nearly opaque ...
CRISP_OPACITY = 0.9
#: ... and the spread of its termination depth is under this share of the depth (at 1 % the crisp share
#: of 150 vs 2,000 iterations is 0.3 % vs 50 %; at 2 %, 34 % vs 55 %: too lenient to tell them apart).
CRISP_STD_FRACTION = 0.01
#: Views render with at most this many pixels along their longer side.
MAX_RENDER_SIDE = 64
#: Frames whose geometry is measured (each with one neighbour), spread evenly along the capture.
MAX_GEOMETRY_VIEWS = 8
#: Held-out frames measured, spread evenly, and the pixels drawn at random from each.
MAX_HELD_OUT_FRAMES = 8
HELD_OUT_PIXELS = 2048
#: A neighbour is chosen among cameras looking within this angle of the view's own axis (degrees) ...
MAX_AXIS_ANGLE_DEG = 60.0
#: ... as the one whose parallax on the view's central surface point is closest to this (degrees):
#: too small a baseline cannot tell a wrong depth from a right one.
TARGET_PARALLAX_DEG = 15.0
#: Fewer shared surface pixels than this leave a pair's disagreement unmeasured.
MIN_SHARED_PIXELS = 20
#: PSNR is capped here (a perfect render would otherwise give infinity, which JSON cannot hold).
MAX_PSNR = 100.0


@dataclass(frozen=True)
class FrameQuality:
    """The measures of one frame (``index``: its position in the cameras given); None where not measured."""

    index: int
    held_out_psnr: float | None = None
    depth_disagreement: float | None = None
    neighbour: int | None = None
    crisp_fraction: float | None = None


@dataclass(frozen=True)
class FieldQuality:
    """A field's measures over the capture, its verdict, and plain sentences saying why it is not good."""

    verdict: str
    reasons: tuple[str, ...]
    held_out_psnr: float | None
    depth_disagreement: float | None
    crisp_fraction: float | None
    frames: tuple[FrameQuality, ...]

    def as_dict(self) -> dict:
        """JSON-ready: the measures rounded, the thresholds the verdict was judged by included."""
        data = _rounded(asdict(self))
        data["reasons"] = list(self.reasons)
        data["thresholds"] = THRESHOLDS
        return data


#: The documented thresholds, as stored beside each assessment.
THRESHOLDS = {
    "held_out_psnr": {"good": GOOD_PSNR, "usable": USABLE_PSNR},
    "depth_disagreement": {"good": GOOD_DEPTH_DISAGREEMENT, "usable": USABLE_DEPTH_DISAGREEMENT},
    "crisp_fraction": {"good": GOOD_CRISP_FRACTION, "usable": USABLE_CRISP_FRACTION},
}


def assess_field(
    field: RadianceField,
    cameras: Sequence[Camera],
    held_out: Mapping[int, np.ndarray] | None = None,
    *,
    seed: int = 0,
) -> FieldQuality:
    """Measure ``field`` on the capture's ``cameras`` and judge it.

    Parameters
    ----------
    field : the trained field
    cameras : every frame's camera, in capture order (held-out frames included)
    held_out : position in ``cameras`` -> that frame's image, (H, W, 3) uint8 or float in [0, 1], for
        the frames the field never trained on
    seed : draws the held-out pixels; the same field and seed give the same figures
    """
    if len(cameras) == 0:
        raise ValueError("need at least one camera to assess a field")
    frames: dict[int, dict] = {}
    rng = np.random.default_rng(seed)
    psnrs = []
    for index in _spread(sorted(held_out or {}), MAX_HELD_OUT_FRAMES):
        score = _held_out_psnr(field, cameras[index], held_out[index], rng)
        frames.setdefault(index, {})["held_out_psnr"] = score
        psnrs.append(score)
    disagreements, surface_pixels, crisp_pixels = [], 0, 0
    for index in _spread(list(range(len(cameras))), MAX_GEOMETRY_VIEWS):
        camera = _reduced(cameras[index])
        view = render_view(field, camera)
        surface, crisp = _surface(view), _crisp(view)
        surface_pixels, crisp_pixels = surface_pixels + int(surface.sum()), crisp_pixels + int(crisp.sum())
        entry = frames.setdefault(index, {})
        entry["crisp_fraction"] = float(crisp.sum() / surface.sum()) if surface.any() else 0.0
        partner = _neighbour(cameras, index, _central_point(view, camera, field))
        if partner is None:
            continue
        relative = _relative_disagreement(field, view, camera, cameras[partner])
        if len(relative) >= MIN_SHARED_PIXELS:
            entry.update(depth_disagreement=float(np.median(relative)), neighbour=partner)
            disagreements.append(relative)
    measures = {
        "held_out_psnr": float(np.mean(psnrs)) if psnrs else None,
        "depth_disagreement": float(np.median(np.concatenate(disagreements))) if disagreements else None,
        "crisp_fraction": crisp_pixels / surface_pixels if surface_pixels else 0.0,
    }
    verdict, reasons = judge(**measures)
    return FieldQuality(
        verdict=verdict, reasons=tuple(reasons), **measures,
        frames=tuple(FrameQuality(index=i, **frames[i]) for i in sorted(frames)),
    )


def judge(
    *, held_out_psnr: float | None, depth_disagreement: float | None, crisp_fraction: float | None
) -> tuple[str, list[str]]:
    """The verdict from the measures and the documented thresholds, with one sentence per shortfall."""
    poor, short = [], []
    checks = [
        ("held-out PSNR", held_out_psnr, GOOD_PSNR, USABLE_PSNR, True, lambda v: f"{v:.1f} dB"),
        ("depth disagreement between neighbouring views", depth_disagreement, GOOD_DEPTH_DISAGREEMENT,
         USABLE_DEPTH_DISAGREEMENT, False, lambda v: f"{v:.1%}"),
        ("share of surface pixels with a crisp surface", crisp_fraction, GOOD_CRISP_FRACTION,
         USABLE_CRISP_FRACTION, True, lambda v: f"{v:.0%}"),
    ]
    for name, value, good, usable, higher_is_better, show in checks:
        if value is None:
            short.append(f"the {name} could not be measured")
            continue
        relation = "below" if higher_is_better else "above"
        if not _meets(value, usable, higher_is_better):
            poor.append(f"the {name} is {show(value)}, {relation} the {show(usable)} a usable field needs")
        elif not _meets(value, good, higher_is_better):
            short.append(f"the {name} is {show(value)}, {relation} the {show(good)} of a good field")
    if poor:
        return POOR, poor + short
    return (USABLE, short) if short else (GOOD, [])


def _meets(value: float, limit: float, higher_is_better: bool) -> bool:
    return value >= limit if higher_is_better else value <= limit


def _spread(indices: list[int], limit: int) -> list[int]:
    """At most ``limit`` of ``indices``, evenly spaced, first and last included."""
    if len(indices) <= limit:
        return list(indices)
    return [indices[round(i)] for i in np.linspace(0, len(indices) - 1, limit)]


def _reduced(camera: Camera) -> Camera:
    """``camera`` with at most :data:`MAX_RENDER_SIDE` pixels along its longer side."""
    intrinsics = camera.intrinsics
    factor = MAX_RENDER_SIDE / max(intrinsics.width, intrinsics.height)
    return camera if factor >= 1.0 else Camera(intrinsics.scaled(factor), camera.camera_to_world)


def _held_out_psnr(field: RadianceField, camera: Camera, image: np.ndarray, rng: np.random.Generator) -> float:
    """PSNR (dB) of the field against ``image`` on up to :data:`HELD_OUT_PIXELS` random pixels."""
    image = np.asarray(image)
    rgb = image[..., :3].astype(np.float32) / 255.0 if image.dtype == np.uint8 else image[..., :3].astype(np.float32)
    height, width = camera.intrinsics.height, camera.intrinsics.width
    if rgb.shape[:2] != (height, width):
        raise ValueError(f"held-out image is {rgb.shape[1]}x{rgb.shape[0]}, its camera {width}x{height}")
    pixels = rng.choice(height * width, size=min(HELD_OUT_PIXELS, height * width), replace=False)
    rays = camera_rays(camera)
    rendered = field.render_rays(rays.origins[pixels], rays.directions[pixels]).rgb
    mse = float(np.mean((np.clip(rendered, 0.0, 1.0) - rgb.reshape(-1, 3)[pixels]) ** 2))
    return min(MAX_PSNR, -10.0 * math.log10(max(mse, 10.0 ** (-MAX_PSNR / 10.0))))


def _surface(view: RenderedView) -> np.ndarray:
    """``(H, W)`` bool: the pixels where the field shows a surface (the label rule's opacity, a depth)."""
    return (view.opacity >= SURFACE_OPACITY) & (view.depth > 0)


def _crisp(view: RenderedView) -> np.ndarray:
    """``(H, W)`` bool: nearly opaque with a depth spread under :data:`CRISP_STD_FRACTION` of the depth."""
    return _surface(view) & (view.opacity >= CRISP_OPACITY) & (view.depth_std <= CRISP_STD_FRACTION * view.depth)


def _central_point(view: RenderedView, camera: Camera, field: RadianceField) -> np.ndarray:
    """``(3,)`` world point on the view's axis at its median surface depth (the field's centre if none)."""
    surface = _surface(view)
    if not surface.any():
        return np.asarray(field.bounds, dtype=np.float64).mean(axis=0)
    axis = -np.asarray(camera.camera_to_world[:3, 2], dtype=np.float64)
    return camera.center + axis * float(np.median(view.depth[surface]))


def _neighbour(cameras: Sequence[Camera], index: int, point: np.ndarray) -> int | None:
    """The camera that sees ``point`` from within :data:`MAX_AXIS_ANGLE_DEG` of camera ``index``'s axis
    with the parallax closest to :data:`TARGET_PARALLAX_DEG`; None when no other camera qualifies."""
    own = cameras[index]
    own_axis = -own.camera_to_world[:3, 2]
    own_ray = point - own.center
    best, best_gap = None, math.inf
    for other_index, other in enumerate(cameras):
        if other_index == index or own_axis @ -other.camera_to_world[:3, 2] < math.cos(math.radians(MAX_AXIS_ANGLE_DEG)):
            continue
        (u, v), z = (value[0] for value in project_points(other, point[None]))
        if not (z > 0 and 0 <= u < other.intrinsics.width and 0 <= v < other.intrinsics.height):
            continue
        other_ray = point - other.center
        cosine = own_ray @ other_ray / max(np.linalg.norm(own_ray) * np.linalg.norm(other_ray), 1e-12)
        gap = abs(math.degrees(math.acos(float(np.clip(cosine, -1.0, 1.0)))) - TARGET_PARALLAX_DEG)
        if gap < best_gap:
            best, best_gap = other_index, gap
    return best


def _relative_disagreement(field: RadianceField, view: RenderedView, camera: Camera, other: Camera) -> np.ndarray:
    """``(N,)`` relative disagreement of ``view``'s surface points with what the field shows from ``other``.

    Each surface point that ``other`` frames is looked at along the ray from ``other``'s centre; where
    that ray meets a surface, ``|surface distance - point distance| / surface distance`` (equal to the
    relative z-depth difference, as both lie on one ray). Rays are rendered, not read from a rendered
    image, so no pixel grid blurs the comparison.
    """
    rays = camera_rays(camera)
    surface = _surface(view).ravel()
    distance = view.depth.ravel()[surface] / rays.z_per_distance[surface]
    points = rays.origins[surface] + rays.directions[surface] * distance[:, None]
    uv, z = project_points(other, points)
    width, height = other.intrinsics.width, other.intrinsics.height
    framed = (z > 0) & (uv[:, 0] >= 0) & (uv[:, 0] < width) & (uv[:, 1] >= 0) & (uv[:, 1] < height)
    offsets = points[framed] - other.center
    reach = np.linalg.norm(offsets, axis=1)
    origins = np.broadcast_to(other.center, offsets.shape).astype(np.float32)
    seen = field.render_rays(origins, (offsets / reach[:, None]).astype(np.float32))
    hit = (seen.opacity >= SURFACE_OPACITY) & (seen.distance > 0)
    return np.abs(reach[hit] - seen.distance[hit]) / seen.distance[hit]


def _rounded(value):
    """Floats rounded to 4 significant decimals for storage, recursively."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(item) for item in value]
    return value
