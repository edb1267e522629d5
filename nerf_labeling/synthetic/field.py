"""The exact radiance field of a synthetic scene, for testing label rendering without training a NeRF."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from nerf_labeling.fields.base import RadianceField, RayRender
from nerf_labeling.synthetic.scene import SyntheticScene

#: volume density (1/metre) inside every solid: opaque within a millimetre
SOLID_DENSITY = 1.0e4
#: the ground is modelled as a slab this thick (metres) under the plane z = 0
GROUND_THICKNESS = 0.05
#: manifest written inside the directory given to :meth:`SyntheticField.save`, as every backend does
MANIFEST_FILE = "field.json"


class SyntheticField(RadianceField):
    """A :class:`RadianceField` that answers exactly from a :class:`SyntheticScene`.

    Surfaces are hard: opacity is 1 on a hit and 0 on a miss, ``distance_std`` is 0.
    """

    backend_name = "synthetic"

    def __init__(self, scene: SyntheticScene) -> None:
        self.scene = scene

    @property
    def bounds(self) -> np.ndarray:
        return self.scene.bounds(ground_thickness=GROUND_THICKNESS)

    def render_rays(self, origins: np.ndarray, directions: np.ndarray) -> RayRender:
        hits = self.scene.cast(origins, directions)
        hit = np.isfinite(hits.distance)
        return RayRender(
            rgb=hits.rgb.astype(np.float32),
            distance=np.where(hit, hits.distance, 0.0).astype(np.float32),
            opacity=hit.astype(np.float32),
            distance_std=np.zeros(len(hit), dtype=np.float32),
        )

    def density(self, points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 3:
            raise ValueError(f"points must be (N, 3), got {points.shape}")
        solid = self.scene.solid_mask(points, ground_thickness=GROUND_THICKNESS)
        return np.where(solid, SOLID_DENSITY, 0.0).astype(np.float32)

    def save(self, path: str | Path) -> None:
        """Write ``field.json`` (backend name and scene spec) into the directory ``path`` (created if needed)."""
        directory = Path(path)
        directory.mkdir(parents=True, exist_ok=True)
        manifest = {"backend": self.backend_name, "scene": self.scene.to_dict()}
        (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1))

    @classmethod
    def load(cls, path: str | Path) -> "SyntheticField":
        manifest = json.loads((Path(path) / MANIFEST_FILE).read_text())
        if manifest.get("backend") != cls.backend_name:
            raise ValueError(f"{path} holds a {manifest.get('backend')!r} field, not a synthetic one")
        return cls(SyntheticScene.from_dict(manifest["scene"]))
