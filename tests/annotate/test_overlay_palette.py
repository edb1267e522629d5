"""Class colours for overlays: distinct per class by default, the project's own colour where one was set."""
from annotate.overlays import CLASS_PALETTE, UNSET_CLASS_COLOR, class_color


def test_each_class_gets_its_own_colour_by_default():
    colours = [class_color(class_id, UNSET_CLASS_COLOR) for class_id in range(1, 21)]
    assert len(set(colours)) == 20
    assert colours[:3] == ["#e6194b", "#3cb44b", "#ffe119"]
    assert class_color(21) == class_color(1)


def test_a_colour_the_project_set_wins():
    assert class_color(4, "#123456") == "#123456"
    assert class_color(4, "") == CLASS_PALETTE[3]
