"""The exact field of a synthetic scene: renders, density, bounds and save/load."""
from __future__ import annotations

import numpy as np

from nerf_labeling.cameras import Camera, Intrinsics, camera_rays, look_at
from nerf_labeling.fields import RadianceField, render_view
from nerf_labeling.synthetic import SyntheticField, default_scene
from nerf_labeling.synthetic.field import GROUND_THICKNESS, SOLID_DENSITY

CAMERA = Camera(Intrinsics(30.0, 30.0, 20.0, 15.0, 40, 30), look_at((2.0, -1.0, 1.2), (0.0, 0.0, 0.25)))


def test_render_rays_is_exact_and_hard_edged():
    field = SyntheticField(default_scene())
    rays = camera_rays(CAMERA)
    render = field.render_rays(rays.origins, rays.directions)
    distance, _, rgb = default_scene().intersect(rays.origins, rays.directions)
    hit = np.isfinite(distance)
    assert hit.any() and (~hit).any()
    np.testing.assert_array_equal(render.opacity, hit.astype(np.float32))
    np.testing.assert_array_equal(render.distance[hit], distance[hit].astype(np.float32))
    assert np.all(render.distance[~hit] == 0) and np.all(render.distance_std == 0)
    np.testing.assert_array_equal(render.rgb, rgb)
    assert render.rgb.dtype == render.distance.dtype == np.float32


def test_render_view_depth_matches_scene_ground_truth():
    scene = default_scene()
    view = render_view(SyntheticField(scene), CAMERA)
    rgb, _, depth = scene.render(CAMERA)
    np.testing.assert_allclose(view.depth, depth, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(view.rgb, rgb)


def test_density_inside_solids_and_the_ground_slab_only():
    field = SyntheticField(default_scene())
    points = np.array(
        [
            [0.0, 0.0, 0.25],  # large box centre
            [0.55, 0.35, 0.45],  # inside the ball, near its top
            [0.0, 0.0, 0.51],  # just above the large box
            [1.5, 1.5, 0.01],  # just above the ground
            [1.5, 1.5, -GROUND_THICKNESS / 2],  # inside the ground slab
            [1.5, 1.5, -2 * GROUND_THICKNESS],  # under the slab
            [5.0, 0.0, -0.01],  # beside the ground square
        ]
    )
    expected = np.array([1, 1, 0, 0, 1, 0, 0]) * SOLID_DENSITY
    np.testing.assert_array_equal(field.density(points), expected.astype(np.float32))


def test_bounds_hold_the_ground_and_every_object():
    bounds = SyntheticField(default_scene()).bounds
    np.testing.assert_allclose(bounds[0], [-3.0, -3.0, -GROUND_THICKNESS])
    np.testing.assert_allclose(bounds[1], [3.0, 3.0, 0.6])  # the can is the tallest object


def test_save_load_round_trip_is_exact(tmp_path):
    field = SyntheticField(default_scene())
    field.save(tmp_path / "field")
    loaded = SyntheticField.load(tmp_path / "field")
    assert isinstance(loaded, RadianceField) and loaded.backend_name == "synthetic"
    assert loaded.scene == field.scene
    for obj, back in zip(field.scene.objects, loaded.scene.objects):
        np.testing.assert_array_equal(obj.object_to_world, back.object_to_world)
    rays = camera_rays(CAMERA)
    first = field.render_rays(rays.origins, rays.directions)
    second = loaded.render_rays(rays.origins, rays.directions)
    np.testing.assert_array_equal(first.rgb, second.rgb)
    np.testing.assert_array_equal(first.distance, second.distance)
