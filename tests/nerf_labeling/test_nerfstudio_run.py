"""nerfacto runs as fields: a reload renders exactly as trained; a run directory without its images imports.

One 2-step CPU run on 16x12 frames serves every test (nerfacto trains at seconds per step on the CPU).
"""
from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pytest

from nerf_labeling.cameras import camera_rays
from nerf_labeling.fields.saved_field import load_field
from nerf_labeling.training import preset, train_field
from tests.nerf_labeling.test_field_toy_scene import toy_frames

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("nerfstudio") is None,
                       reason="nerfstudio is not installed (GPU workers install requirements-gpu.txt)"),
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """``(field, frames, work_dir)`` of a 2-step nerfacto run on the CPU."""
    work_dir = tmp_path_factory.mktemp("nerfacto")
    config = preset("nerfacto")
    config.max_iterations, config.progress_every, config.eval_every = 2, 1, None
    config.device, config.rays_per_batch, config.work_dir = "cpu", 256, str(work_dir)
    frames = toy_frames(4, width=16, height=12)
    field, _ = train_field([(image, camera) for image, camera, _ in frames], config)
    return field, frames, work_dir


def renders(field, camera):
    rays = camera_rays(camera)
    return field.render_rays(rays.origins, rays.directions)


def assert_same_render(a, b):
    for name in ("rgb", "distance", "opacity", "distance_std"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=0, atol=1e-6, err_msg=name)


def test_a_saved_and_reloaded_short_run_renders_exactly_as_the_trained_field(trained, tmp_path):
    field, frames, _ = trained
    field.save(tmp_path / "saved")
    loaded = load_field(tmp_path / "saved")
    assert loaded.model.proposal_sampler._anneal == field.model.proposal_sampler._anneal < 1.0
    assert_same_render(renders(field, frames[1][1]), renders(loaded, frames[1][1]))


def test_a_saved_field_keeps_the_run_files_only_not_the_training_images(trained, tmp_path):
    field, _, _ = trained
    field.save(tmp_path / "saved")
    kept = sorted(str(p.relative_to(tmp_path / "saved")) for p in (tmp_path / "saved").rglob("*") if p.is_file())
    assert kept == ["field.json", "run/config.yml", "run/dataparser_transforms.json",
                    f"run/nerfstudio_models/{field.run.checkpoint_path.name}"]


def test_a_field_saved_in_the_old_layout_still_loads_and_renders_as_trained(trained, tmp_path):
    """Fields stored before: a copy of the whole training directory (data/ and run/), no dataparser_transforms.json."""
    import json

    field, frames, work_dir = trained
    shutil.copytree(work_dir, tmp_path / "old")
    next((tmp_path / "old").rglob("dataparser_transforms.json")).unlink()
    (tmp_path / "old" / "field.json").write_text(json.dumps({
        "backend": "nerfacto", "transform": field.transform.tolist(), "scale": field.scale,
        "scene_box": field.scene_box.tolist()}))
    assert_same_render(renders(field, frames[0][1]), renders(load_field(tmp_path / "old"), frames[0][1]))


def test_a_run_directory_without_its_images_imports_rendering_the_capture_frame_as_its_field(trained, tmp_path):
    from nerf_labeling.fields.nerfacto_field import load_nerfstudio_run

    field, frames, work_dir = trained
    shutil.copytree(work_dir / "run", tmp_path / "elsewhere")  # the run only: its data/ stays behind
    imported = load_nerfstudio_run(tmp_path / "elsewhere")
    np.testing.assert_allclose(imported.transform, field.transform, atol=1e-6)
    assert imported.scale == pytest.approx(field.scale)
    assert_same_render(renders(field, frames[2][1]), renders(imported, frames[2][1]))


def test_an_applied_transform_of_the_dataset_is_undone_so_the_frame_is_the_transforms_json_one():
    from nerf_labeling.fields.nerfstudio_run import capture_frame_transform

    rng = np.random.default_rng(3)
    orient = np.eye(4)
    orient[:3, :3] = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    orient[:3, 3] = rng.normal(size=3)
    applied = np.array([[0.0, 1.0, 0.0, 0.5], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, -1.0, 2.0]])
    # What nerfstudio's dataparser saves: the orientation composed with the dataset's applied transform.
    saved = (orient @ np.vstack([applied, [0, 0, 0, 1]]))[:3]
    transform, scale = capture_frame_transform(saved, 0.8, applied_transform=applied, applied_scale=2.0)
    np.testing.assert_allclose(transform, orient[:3], atol=1e-12)
    assert scale == pytest.approx(0.4)


def copy_run(work_dir, target):
    shutil.copytree(work_dir / "run", target)
    return next(target.rglob("config.yml")).parent


@pytest.mark.parametrize("damage, message", [
    (lambda run: shutil.rmtree(run / "nerfstudio_models"), "has no checkpoint"),
    (lambda run: (run / "dataparser_transforms.json").unlink(), "has no dataparser_transforms.json"),
    (lambda run: (run / "config.yml").unlink(), "holds no config.yml"),
    (lambda run: next((run / "nerfstudio_models").glob("*.ckpt")).write_bytes(b"weights"),
     "not a readable torch checkpoint"),
])
def test_an_incomplete_run_directory_is_refused_naming_what_is_missing(trained, tmp_path, damage, message):
    from nerf_labeling.fields.nerfacto_field import load_nerfstudio_run
    from nerf_labeling.fields.nerfstudio_run import NerfstudioRunError

    damage(copy_run(trained[2], tmp_path / "run"))
    with pytest.raises(NerfstudioRunError, match=message):
        load_nerfstudio_run(tmp_path / "run")


def test_a_run_of_another_method_is_refused_naming_it(trained, tmp_path):
    from nerf_labeling.fields.nerfacto_field import load_nerfstudio_run
    from nerf_labeling.fields.nerfstudio_run import NerfstudioRunError

    config = copy_run(trained[2], tmp_path / "run") / "config.yml"
    config.write_text(config.read_text().replace("method_name: nerfacto", "method_name: vanilla-nerf").replace(
        "nerfstudio.models.nerfacto.NerfactoModelConfig", "nerfstudio.models.vanilla_nerf.VanillaModelConfig"))
    with pytest.raises(NerfstudioRunError, match="method is 'vanilla-nerf'"):
        load_nerfstudio_run(tmp_path / "run")


def test_a_run_config_cannot_run_code_when_read(trained, tmp_path):
    from nerf_labeling.fields.nerfacto_field import load_nerfstudio_run
    from nerf_labeling.fields.nerfstudio_run import NerfstudioRunError

    config = copy_run(trained[2], tmp_path / "run") / "config.yml"
    marker = tmp_path / "ran"
    config.write_text(config.read_text().replace(
        "method_name: nerfacto", f"method_name: !!python/object/apply:os.system ['touch {marker}']"))
    with pytest.raises(NerfstudioRunError, match="refusing to build 'os.system'"):
        load_nerfstudio_run(tmp_path / "run")
    assert not marker.exists()
