"""The voxel-grid field: interpolation, compositing, world-frame answers, exact save/load, registry."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nerf_labeling.cameras import Camera, Intrinsics, look_at
from nerf_labeling.fields import trilinear
from nerf_labeling.fields.base import RadianceField, render_view
from nerf_labeling.fields.normalisation import SceneNormalisation
from nerf_labeling.backends import BACKENDS, NerfBackend, field_class, register_backend
from nerf_labeling.fields.saved_field import load_field
from nerf_labeling.fields.volume_rendering import PackedSamples, composite, distortion_loss, segment_exclusive_cumsum
from nerf_labeling.fields.voxel_grid_field import VoxelGridField
from nerf_labeling.fields.voxel_grid_model import GridRenderSettings, VoxelGridModel


def random_model(seed: int = 0, resolution: int = 12, sh_degree: int = 1) -> VoxelGridModel:
    generator = torch.Generator().manual_seed(seed)
    model = VoxelGridModel(resolution, GridRenderSettings(sh_degree=sh_degree, background_degree=2))
    with torch.no_grad():
        model.density.copy_(torch.randn(model.density.shape, generator=generator) * 6.0)
        model.colour.copy_(torch.randn(model.colour.shape, generator=generator))
        model.background.copy_(torch.randn(model.background.shape, generator=generator))
    model.update_occupancy()
    return model


def slab_model(resolution: int = 17) -> VoxelGridModel:
    """Dense everywhere with x >= 0.5 (normalised), empty elsewhere."""
    model = VoxelGridModel(resolution, GridRenderSettings())
    x = torch.linspace(-1.0, 1.0, resolution)[:, None, None].expand(resolution, resolution, resolution)
    with torch.no_grad():
        model.density.copy_(torch.where(x >= 0.5, 40.0, -30.0).reshape(-1, 1))
    model.update_occupancy()
    return model


def test_trilinear_matches_grid_sample():
    table = torch.randn(9**3, 4, generator=torch.Generator().manual_seed(1))
    points = torch.rand(500, 3, generator=torch.Generator().manual_seed(2)) * 2.0 - 1.0
    volume = trilinear.table_to_volume(table, 9)
    # grid_sample takes (x, y, z) for the volume's (W, H, D) = (z, y, x) axes.
    expected = torch.nn.functional.grid_sample(volume, points.flip(-1)[None, :, None, None], align_corners=True)
    np.testing.assert_allclose(trilinear.interpolate(table, points, 9).numpy(), expected[0, :, :, 0, 0].T.numpy(), atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-1.0, 1.0), min_size=3, max_size=3), st.lists(st.floats(-3.0, 3.0), min_size=4, max_size=4))
def test_trilinear_reproduces_affine_functions(point, coefficients):
    resolution = 7
    axis = torch.linspace(-1.0, 1.0, resolution, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(axis, axis, axis, indexing="ij"), dim=-1).reshape(-1, 3)
    a, b, c, d = coefficients
    table = (grid @ torch.tensor([a, b, c], dtype=torch.float64) + d)[:, None]
    value = trilinear.interpolate(table, torch.tensor([point], dtype=torch.float64), resolution)
    assert float(value) == pytest.approx(a * point[0] + b * point[1] + c * point[2] + d, abs=1e-9)


def test_trilinear_gradient_lands_on_the_eight_corners():
    table = torch.zeros(4**3, 1, requires_grad=True)
    point = torch.tensor([[-1.0 + 2.0 / 3.0 * 0.25, -1.0, -1.0]])  # a quarter of the way along x
    trilinear.interpolate(table, point, 4).sum().backward()
    grad = table.grad[:, 0].reshape(4, 4, 4)
    assert grad[0, 0, 0] == pytest.approx(0.75) and grad[1, 0, 0] == pytest.approx(0.25)
    assert float(grad.sum()) == pytest.approx(1.0)


def test_segment_exclusive_cumsum_restarts_per_ray():
    values = torch.tensor([1.0, 2.0, 3.0, 10.0, 20.0, 5.0])
    index = torch.tensor([0, 0, 0, 2, 2, 3])
    assert segment_exclusive_cumsum(values, index, 4).tolist() == [0.0, 1.0, 3.0, 0.0, 10.0, 0.0]


def test_composite_of_an_opaque_sample_returns_its_distance():
    samples = PackedSamples(
        ray_index=torch.tensor([0, 0, 1]), t=torch.tensor([1.0, 2.0, 3.0]), points=torch.zeros(3, 3), ray_count=3
    )
    comp = composite(torch.tensor([0.0, 1e4, 0.0]), samples, step=0.1)
    assert comp.opacity.tolist() == [1.0, 0.0, 0.0]
    assert comp.distance.tolist() == [2.0, 0.0, 0.0]
    assert comp.distance_std.tolist() == [0.0, 0.0, 0.0]


def test_median_distance_is_where_a_constant_density_slab_hides_half_the_ray():
    # One ray through a slab of density 4 filling [1.0, 2.0): transmittance exp(-4 (t - 1)) is 1/2 at
    # t = 1 + ln 2 / 4, whatever the step.
    step = 0.1
    t = torch.arange(1.0 + step / 2, 2.0, step)
    samples = PackedSamples(ray_index=torch.zeros(len(t), dtype=torch.long), t=t, points=torch.zeros(len(t), 3), ray_count=1)
    comp = composite(torch.full((len(t),), 4.0), samples, step=step)
    assert float(comp.median_distance[0]) == pytest.approx(1.0 + np.log(2.0) / 4.0, abs=1e-5)


def test_median_distance_picks_the_first_surface_where_the_mean_lands_between_two():
    # Ray 0: a faint layer (alpha 0.3) at t = 1 in front of a solid wall at t = 3: the mean lands in the
    # air between them, the median on the wall. Ray 1 stays below opacity 1/2: the mean stands.
    step = 0.1
    faint = -np.log(1.0 - 0.3) / step
    samples = PackedSamples(
        ray_index=torch.tensor([0, 0, 1]), t=torch.tensor([1.0, 3.0, 2.0]), points=torch.zeros(3, 3), ray_count=2
    )
    comp = composite(torch.tensor([faint, 1e4, faint]), samples, step=step)
    assert 1.0 < float(comp.distance[0]) < 2.9
    assert float(comp.median_distance[0]) == pytest.approx(3.0 - step / 2, abs=1e-4)
    assert float(comp.median_distance[1]) == pytest.approx(float(comp.distance[1]))


def test_distortion_loss_matches_the_quadratic_definition():
    generator = torch.Generator().manual_seed(3)
    weights, t = torch.rand(7, generator=generator) / 7, torch.sort(torch.rand(7, generator=generator)).values
    samples = PackedSamples(ray_index=torch.zeros(7, dtype=torch.long), t=t, points=torch.zeros(7, 3), ray_count=1)
    brute = (weights[:, None] * weights[None, :] * (t[:, None] - t[None, :]).abs()).sum() + (weights**2).sum() * 0.05 / 3
    assert float(distortion_loss(weights, samples, 0.05)) == pytest.approx(float(brute), rel=1e-5)


def similarity(scale: float, yaw: float, centre) -> SceneNormalisation:
    rotation = np.array([[np.cos(yaw), -np.sin(yaw), 0.0], [np.sin(yaw), np.cos(yaw), 0.0], [0.0, 0.0, 1.0]])
    return SceneNormalisation(centre=np.asarray(centre, dtype=np.float64), rotation=rotation, scale=scale)


def slab_distance(norm: SceneNormalisation) -> tuple[float, float]:
    """Opacity and world distance along the normalised +x axis from the normalised origin."""
    field = VoxelGridField(slab_model(), norm)
    origin = norm.points_to_world(np.zeros((1, 3))).astype(np.float32)
    direction = (np.array([[1.0, 0.0, 0.0]]) @ norm.rotation).astype(np.float32)
    render = field.render_rays(origin, direction)
    return float(render.opacity[0]), float(render.distance[0])


def test_field_answers_in_the_capture_frame():
    opacity, reference = slab_distance(similarity(1.0, 0.0, (0, 0, 0)))
    # The slab's raw density crosses zero between the vertices at x = 0.375 and x = 0.5.
    assert opacity == pytest.approx(1.0, abs=1e-4) and 0.42 < reference < 0.5
    norm = similarity(7.5, 0.7, (3.0, -2.0, 10.0))
    opacity, distance = slab_distance(norm)
    assert opacity == pytest.approx(1.0, abs=1e-4)
    assert distance == pytest.approx(7.5 * reference, rel=1e-5)
    field = VoxelGridField(slab_model(), norm)
    inside = norm.points_to_world(np.array([[0.8, 0.0, 0.0], [0.0, 0.0, 0.0], [3.0, 0.0, 0.0]]))
    density = field.density(inside)
    assert density[0] > 100.0 / 7.5 and density[1] < 1e-3 and density[2] == 0.0
    np.testing.assert_allclose(field.bounds, norm.world_bounds())


def test_save_load_renders_bit_identically(tmp_path):
    norm = similarity(2.5, 0.3, (1.0, 2.0, 0.5))
    field = VoxelGridField(random_model(), norm)
    camera = Camera(Intrinsics(20.0, 20.0, 12.0, 8.0, 24, 16), look_at(norm.points_to_world(np.array([[0.0, -0.9, 0.3]]))[0], norm.centre))
    field.save(tmp_path / "field")
    loaded = load_field(tmp_path / "field")
    assert isinstance(loaded, VoxelGridField)
    before, after = render_view(field, camera), render_view(loaded, camera)
    for name in ("rgb", "depth", "opacity", "depth_std"):
        assert np.array_equal(getattr(before, name), getattr(after, name)), name
    assert before.opacity.max() > 0.5  # the view sees something, so the comparison means something
    points = np.random.default_rng(0).uniform(-3.0, 3.0, size=(200, 3))
    assert np.array_equal(field.density(points), loaded.density(points))
    assert np.array_equal(field.bounds, loaded.bounds)


def test_load_refuses_a_directory_without_a_manifest(tmp_path):
    with pytest.raises(FileNotFoundError, match="field.json"):
        load_field(tmp_path)


def test_backend_registry_refuses_duplicate_names():
    assert field_class("voxel-grid") is VoxelGridField and VoxelGridField.backend_name == "voxel-grid"
    with pytest.raises(ValueError, match="already registered"):
        register_backend(NerfBackend("voxel-grid", "tests.nerf_labeling.test_field_voxel_grid:VoxelGridField"))
    assert BACKENDS["voxel-grid"].field == "nerf_labeling.fields.voxel_grid_field:VoxelGridField"
    assert issubclass(VoxelGridField, RadianceField)


def test_render_rays_checks_shapes():
    field = VoxelGridField(random_model(), similarity(1.0, 0.0, (0, 0, 0)))
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        field.render_rays(np.zeros((4, 2), np.float32), np.zeros((4, 2), np.float32))
