"""The demo project that `make demo` loads."""
import io

import numpy as np
from django.core.management import call_command

from annotate.models import Capture, Job, Project
from nerf_labeling.synthetic import default_scene


def test_the_demo_capture_comes_with_its_objects_boxed_and_a_training_that_renders_after(db, media_root):
    out = io.StringIO()
    call_command("load_demo", frames=6, width=48, height=36, stdout=out)
    capture = Capture.objects.get(project=Project.objects.get(name="Demo"))
    placed = {obj.instance_id: obj for obj in capture.scene_objects.all()}
    for truth in default_scene().objects:
        obj = placed[truth.instance_id]
        assert obj.label_class.name == truth.class_name
        np.testing.assert_allclose(obj.object_to_world, truth.object_to_world, atol=1e-9)
        np.testing.assert_allclose(obj.size, truth.size)
    job = Job.objects.get(project=capture.project, kind="train")
    assert job.params["render_after"] is True
    # Loading again changes nothing: no second set of boxes, no second training.
    call_command("load_demo", frames=6, width=48, height=36, stdout=out)
    assert capture.scene_objects.count() == len(placed)
    assert Job.objects.filter(project=capture.project, kind="train").count() == 1


def test_the_demo_can_start_with_an_empty_scene(db, media_root):
    call_command("load_demo", frames=6, width=48, height=36, train=False, objects=False, stdout=io.StringIO())
    capture = Capture.objects.get(project=Project.objects.get(name="Demo"))
    assert not capture.scene_objects.exists()
    assert not Job.objects.filter(project=capture.project, kind="train").exists()
