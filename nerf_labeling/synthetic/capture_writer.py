"""Write a synthetic scene as a nerfstudio capture with exact ground truth, and read it back.

Layout under the capture root::

    transforms.json                     PINHOLE intrinsics at top level, frames[] with c2w (OpenGL)
    images/frame_00000.png              8-bit RGB
    ground_truth/instance_00000.png     uint16 instance ids (0 background and ground)
    ground_truth/depth_00000.npy        float32 z-depth in metres, 0 where nothing is hit
    ground_truth/objects.json           per object: id, class, centre, size, rotation, pose, mesh path
    ground_truth/scene.json             the scene spec (:meth:`SyntheticScene.to_dict`)
    meshes/<instance_id>.ply            object meshes in their own frames
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nerf_labeling.cameras import Camera, Intrinsics
from nerf_labeling.capture import CaptureData, CaptureFrame, read_transforms_json, write_transforms_json
from nerf_labeling.synthetic.meshes import object_mesh
from nerf_labeling.synthetic.presets import default_scene
from nerf_labeling.synthetic.scene import SyntheticScene
from nerf_labeling.synthetic.trajectories import orbit_poses, random_hemisphere_poses

TRAJECTORIES = ("orbit", "random")


@dataclass(frozen=True)
class SyntheticCapture:
    """A written synthetic capture: where its files are, its cameras and scene, and GT loaders."""

    root: Path
    scene: SyntheticScene
    cameras: tuple[Camera, ...]
    image_paths: tuple[Path, ...]

    @property
    def transforms_path(self) -> Path:
        return self.root / "transforms.json"

    @property
    def objects_path(self) -> Path:
        return self.root / "ground_truth" / "objects.json"

    def instance_path(self, index: int) -> Path:
        return self.root / "ground_truth" / f"instance_{index:05d}.png"

    def depth_path(self, index: int) -> Path:
        return self.root / "ground_truth" / f"depth_{index:05d}.npy"

    def mesh_path(self, instance_id: int) -> Path:
        return self.root / "meshes" / f"{instance_id}.ply"

    def image(self, index: int) -> np.ndarray:
        """``(H, W, 3)`` uint8 RGB of frame ``index``."""
        from PIL import Image

        with Image.open(self.image_paths[index]) as image:
            return np.asarray(image.convert("RGB"))

    def instance_mask(self, index: int) -> np.ndarray:
        """``(H, W)`` uint16 ground-truth instance ids of frame ``index``."""
        from PIL import Image

        with Image.open(self.instance_path(index)) as image:
            return np.asarray(image).astype(np.uint16)

    def depth(self, index: int) -> np.ndarray:
        """``(H, W)`` float32 ground-truth z-depth (metres, 0 where nothing is hit) of frame ``index``."""
        return np.load(self.depth_path(index))

    def objects(self) -> list[dict]:
        """The entries of ``ground_truth/objects.json``."""
        return json.loads(self.objects_path.read_text())

    @classmethod
    def open(cls, root: str | Path) -> "SyntheticCapture":
        """Read a capture written by :func:`write_synthetic_capture`."""
        root = Path(root)
        capture = read_transforms_json(root / "transforms.json")
        scene = SyntheticScene.from_dict(json.loads((root / "ground_truth" / "scene.json").read_text()))
        return cls(
            root=root,
            scene=scene,
            cameras=tuple(frame.camera for frame in capture.frames),
            image_paths=tuple(root / frame.file_path for frame in capture.frames),
        )


def pinhole_intrinsics(width: int, height: int, fov_x_degrees: float) -> Intrinsics:
    """Square-pixel pinhole intrinsics with the principal point at the image centre."""
    focal = 0.5 * width / np.tan(np.deg2rad(fov_x_degrees) / 2.0)
    return Intrinsics(fx=focal, fy=focal, cx=width / 2.0, cy=height / 2.0, width=width, height=height)


def _poses(trajectory: str, n_frames: int, seed: int) -> np.ndarray:
    if trajectory == "orbit":
        return orbit_poses(n_frames)
    if trajectory == "random":
        return random_hemisphere_poses(np.random.default_rng(seed), n_frames)
    raise ValueError(f"unknown trajectory {trajectory!r}; expected one of {TRAJECTORIES}")


def write_synthetic_capture(
    out_dir: str | Path,
    *,
    n_frames: int = 60,
    width: int = 128,
    height: int = 96,
    trajectory: str = "orbit",
    seed: int = 0,
    scene: SyntheticScene | None = None,
    fov_x_degrees: float = 60.0,
    workers: int = 1,
) -> SyntheticCapture:
    """Render ``scene`` (default: :func:`default_scene`) along ``trajectory`` into ``out_dir``.

    ``seed`` only drives the ``"random"`` trajectory; ``workers`` > 1 renders frames in that many
    processes (same files, sooner). See the module docstring for the layout.
    """
    root = Path(out_dir)
    scene = default_scene() if scene is None else scene
    intrinsics = pinhole_intrinsics(width, height, fov_x_degrees)
    cameras = tuple(Camera(intrinsics, pose) for pose in _poses(trajectory, n_frames, seed))
    for folder in ("images", "ground_truth", "meshes"):
        (root / folder).mkdir(parents=True, exist_ok=True)

    capture = SyntheticCapture(
        root=root,
        scene=scene,
        cameras=cameras,
        image_paths=tuple(root / "images" / f"frame_{i:05d}.png" for i in range(n_frames)),
    )
    jobs = [(capture, index) for index in range(n_frames)]
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_write_frame, *zip(*jobs)))
    else:
        for job in jobs:
            _write_frame(*job)
    _write_transforms(capture)
    _write_objects(capture)
    (root / "ground_truth" / "scene.json").write_text(json.dumps(scene.to_dict(), indent=1))
    return capture


def _write_frame(capture: SyntheticCapture, index: int) -> None:
    """Render frame ``index`` and write its image and exact ground truth."""
    from PIL import Image

    rgb, instance, depth = capture.scene.render(capture.cameras[index])
    Image.fromarray(np.round(rgb * 255.0).astype(np.uint8)).save(capture.image_paths[index])
    Image.fromarray(instance).save(capture.instance_path(index))
    np.save(capture.depth_path(index), depth)


def _write_transforms(capture: SyntheticCapture) -> None:
    frames = tuple(
        CaptureFrame(path.relative_to(capture.root).as_posix(), camera)
        for path, camera in zip(capture.image_paths, capture.cameras)
    )
    write_transforms_json(CaptureData(capture.root, frames, "nerfstudio"), capture.transforms_path)


def _write_objects(capture: SyntheticCapture) -> None:
    entries = []
    for obj in capture.scene.objects:
        mesh_path = capture.mesh_path(obj.instance_id)
        object_mesh(obj).export(mesh_path)
        entries.append(
            {
                "instance_id": obj.instance_id,
                "class_name": obj.class_name,
                "shape": obj.shape,
                "center": obj.center.tolist(),
                "size": list(obj.size),
                "rotation": obj.rotation.tolist(),
                "object_to_world": obj.object_to_world.tolist(),
                "mesh": mesh_path.relative_to(capture.root).as_posix(),
            }
        )
    capture.objects_path.write_text(json.dumps(entries, indent=1))
