"""Scene objects and their JSON file: round trips and the errors a bad file gets."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from nerf_labeling.labels.scene_objects import (
    BoxObject,
    MeshObject,
    SceneObjectError,
    objects_from_dict,
    read_scene_objects,
    write_scene_objects,
)
from nerf_labeling.meshes import TriangleMesh, box_mesh


def pose(rotvec=(0.0, 0.0, 0.3), center=(0.1, -0.2, 0.5)) -> np.ndarray:
    matrix = np.eye(4)
    matrix[:3, :3] = Rotation.from_rotvec(rotvec).as_matrix()
    matrix[:3, 3] = center
    return matrix


def box_entry(**changes) -> dict:
    entry = {
        "instance_id": 1, "class": "chair", "kind": "box", "center": [0.0, 0.0, 0.5],
        "size": [0.4, 0.5, 1.0], "rotation": np.eye(3).tolist(), "mesh": None, "version": 3,
    }
    entry.update(changes)
    return entry


def test_box_and_mesh_objects_round_trip_through_the_file(tmp_path):
    offset_mesh = box_mesh([0.2, 0.3, 0.4]).transformed(pose(rotvec=(0, 0, 0), center=(0.0, 0.0, 0.2)))
    objects = [
        BoxObject(1, 2, "chair", pose(), size=np.array([0.4, 0.5, 1.0]), version=3),
        MeshObject(7, 5, "mug", pose((0.1, 0.2, 0.3), (1.0, 2.0, 0.0)), mesh=offset_mesh),
    ]
    path = tmp_path / "objects.json"
    write_scene_objects(path, objects)
    loaded = read_scene_objects(path)

    assert [o.kind for o in loaded] == ["box", "mesh"]
    for before, after in zip(objects, loaded):
        assert (after.instance_id, after.class_id, after.class_name, after.version) == (
            before.instance_id, before.class_id, before.class_name, before.version)
        np.testing.assert_allclose(after.object_to_world, before.object_to_world, atol=1e-12)
        np.testing.assert_allclose(after.box_size, before.box_size, atol=1e-12)
    np.testing.assert_allclose(loaded[1].mesh.vertices, offset_mesh.vertices, atol=1e-6)
    # The mesh's box is centred 0.2 m up its own z axis, so its 3D box centre is off the object origin.
    np.testing.assert_allclose(loaded[1].box_center_object, [0.0, 0.0, 0.2], atol=1e-9)
    stored = json.loads(path.read_text())["objects"][1]
    assert stored["kind"] == "mesh" and stored["mesh"] == "objects_meshes/7.ply"
    assert stored["size"] == pytest.approx([0.2, 0.3, 0.4])


@settings(max_examples=25, deadline=None)
@given(
    rotvec=st.lists(st.floats(-3.0, 3.0), min_size=3, max_size=3),
    center=st.lists(st.floats(-100.0, 100.0), min_size=3, max_size=3),
    size=st.lists(st.floats(1e-3, 10.0), min_size=3, max_size=3),
)
def test_any_rigid_box_survives_the_dict_round_trip(rotvec, center, size):
    obj = BoxObject(4, 1, "thing", pose(rotvec, center), size=np.array(size))
    entry = box_entry(instance_id=4, center=obj.center.tolist(), rotation=obj.rotation.tolist(), size=size)
    (loaded,) = objects_from_dict({"objects": [entry]})
    np.testing.assert_allclose(loaded.object_to_world, obj.object_to_world, atol=1e-12)
    np.testing.assert_allclose(loaded.box_corners(), obj.box_corners(), atol=1e-9)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (box_entry(rotation=(2.0 * np.eye(3)).tolist()), "not a rigid transform"),
        (box_entry(rotation=np.diag([1.0, 1.0, -1.0]).tolist()), "not a rigid transform"),
        (box_entry(size=[0.4, 0.0, 1.0]), "positive"),
        (box_entry(size=[0.4, -1.0, 1.0]), "positive"),
        (box_entry(kind="cone"), "kind must be one of"),
        (box_entry(instance_id=0), "instance_id must be >= 1"),
        (box_entry(kind="mesh"), "needs a 'mesh' file"),
        (box_entry(kind="mesh", mesh="missing.ply"), "no such mesh file"),
        ({k: v for k, v in box_entry().items() if k != "center"}, "missing key 'center'"),
    ],
)
def test_bad_entries_are_refused_with_a_reason(entry, message):
    with pytest.raises(SceneObjectError, match=message):
        objects_from_dict({"objects": [entry]})


def test_duplicate_instance_ids_are_refused():
    with pytest.raises(SceneObjectError, match="duplicate instance_id 1"):
        objects_from_dict({"objects": [box_entry(), box_entry(center=[1.0, 0.0, 0.0])]})


def test_one_class_name_cannot_take_two_class_ids():
    with pytest.raises(SceneObjectError, match="two class ids"):
        objects_from_dict({"objects": [box_entry(class_id=1), box_entry(instance_id=2, class_id=2)]})


def test_missing_class_ids_are_filled_in_sorted_name_order_after_given_ones():
    entries = [
        box_entry(instance_id=1, **{"class": "zebra"}),
        box_entry(instance_id=2, **{"class": "apple"}),
        box_entry(instance_id=3, **{"class": "mug", "class_id": 4}),
        box_entry(instance_id=4, **{"class": "mug"}),
    ]
    objects = objects_from_dict({"objects": entries})
    assert [o.class_id for o in objects] == [6, 5, 4, 4]


def test_a_float32_rotation_is_accepted_and_made_exactly_orthonormal():
    rotation = Rotation.from_rotvec([0.3, -0.2, 1.0]).as_matrix().astype(np.float32)
    (obj,) = objects_from_dict({"objects": [box_entry(rotation=rotation.tolist())]})
    np.testing.assert_allclose(obj.rotation.T @ obj.rotation, np.eye(3), atol=1e-14)
    np.testing.assert_allclose(obj.rotation, rotation, atol=1e-6)


def test_not_a_document_is_refused(tmp_path):
    with pytest.raises(SceneObjectError, match='"objects"'):
        objects_from_dict([box_entry()])
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(SceneObjectError, match="cannot read scene objects"):
        read_scene_objects(path)


def test_box_corners_follow_the_pose_exactly():
    obj = BoxObject(1, 1, "crate", pose((0.0, 0.0, np.pi / 2), (1.0, 2.0, 3.0)), size=np.array([2.0, 4.0, 6.0]))
    corners = obj.box_corners()
    # A quarter turn about z sends the box's x extent (2 m) along world y and its y extent along world x.
    np.testing.assert_allclose(corners.min(axis=0), [-1.0, 1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(corners.max(axis=0), [3.0, 3.0, 6.0], atol=1e-12)
    assert obj.box_volume == pytest.approx(48.0)


def test_mesh_object_size_is_its_mesh_extents():
    mesh = TriangleMesh(np.array([[0, 0, 0], [1, 0, 0], [0, 2, 0], [0, 0, 3]], float), np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]]))
    obj = MeshObject(2, 1, "wedge", np.eye(4), mesh=mesh)
    np.testing.assert_array_equal(obj.size, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(obj.box_center_object, [0.5, 1.0, 1.5])
