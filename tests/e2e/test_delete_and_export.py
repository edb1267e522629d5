"""Issue 13 in the browser: deletes ask first (the dialog says what goes with the item; Cancel keeps it,
Delete removes it and the list updates, a refusal shows the server's message), only where the role
allows; the export page preselects no format and says what each holds; a round's picks name their
capture and its figures are plain words."""
import pytest
from playwright.sync_api import expect

from tests.e2e.test_review_day import _round_with_picks

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

IDENTITY = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]


def _confirm_dialog(page):
    return page.get_by_role("alertdialog")


def test_a_manager_deletes_a_capture_after_confirming_and_cancel_keeps_it(app_page, demo):
    from annotate.models import Capture, CaptureStatus

    page = app_page.page
    failed = Capture.objects.create(project_id=demo["project"], name="broken upload", status=CaptureStatus.FAILED,
                                    error="The zip holds no transforms.json or COLMAP model.")
    app_page.login("demo-manager", f"/app/projects/{demo['project']}")
    row = page.locator(f"tr[data-capture='{failed.pk}']")

    row.get_by_role("button", name="Delete capture").click()
    dialog = _confirm_dialog(page)
    expect(dialog).to_contain_text('Delete capture "broken upload"?')
    expect(dialog).to_contain_text("labels, reviews and places in batches")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(row).to_have_count(1)  # cancelled: nothing is deleted
    assert Capture.objects.filter(pk=failed.pk).exists()

    row.get_by_role("button", name="Delete capture").click()
    _confirm_dialog(page).get_by_role("button", name="Delete", exact=True).click()
    expect(row).to_have_count(0)
    assert app_page.api("GET", f"/api/captures/{failed.pk}/")["status"] == 404
    expect(page.locator(f"tr[data-capture='{demo['capture']}']")).to_have_count(1)
    assert not app_page.errors, app_page.errors


def test_a_class_in_use_is_refused_with_the_reason_and_a_spare_one_is_deleted(app_page, demo):
    from django.contrib.auth import get_user_model

    from annotate.models import LabelClass, Project, SceneObject
    from annotate.services.projects import create_label_class

    page = app_page.page
    project = Project.objects.get(pk=demo["project"])
    used = create_label_class(project=project, name="used-class")
    spare = create_label_class(project=project, name="spare-class")
    annotator = get_user_model().objects.get(username="demo-annotator")
    SceneObject.objects.create(capture_id=demo["capture"], label_class=used, instance_id=99, kind="box",
                               object_to_world=IDENTITY, size=[0.1, 0.1, 0.1], created_by=annotator,
                               updated_by=annotator)
    app_page.login("demo-manager", f"/app/projects/{demo['project']}")
    classes = page.locator(".classes")

    classes.get_by_role("button", name='Delete class "used-class"').click()
    _confirm_dialog(page).get_by_role("button", name="Delete", exact=True).click()
    expect(classes.get_by_role("alert")).to_contain_text("Class 'used-class' is used by 1 object(s)")
    expect(classes.get_by_text("used-class", exact=True)).to_have_count(1)

    classes.get_by_role("button", name='Delete class "spare-class"').click()
    expect(_confirm_dialog(page)).to_contain_text('Delete class "spare-class"?')
    _confirm_dialog(page).get_by_role("button", name="Delete", exact=True).click()
    expect(classes.get_by_text("spare-class", exact=True)).to_have_count(0)
    assert not LabelClass.objects.filter(pk=spare.pk).exists() and LabelClass.objects.filter(pk=used.pk).exists()


def test_a_manager_deletes_a_batch_and_its_frames_stay(app_page, demo):
    from annotate.models import Batch, BatchFrame, Frame

    page = app_page.page
    frames = list(Frame.objects.filter(capture_id=demo["capture"]).order_by("index")[:2])
    batch = Batch.objects.create(project_id=demo["project"], name="to go")
    for position, frame in enumerate(frames):
        BatchFrame.objects.create(batch=batch, frame=frame, position=position)
    app_page.login("demo-manager", f"/app/projects/{demo['project']}/dashboard")
    card = page.locator(f".batch[data-batch='{batch.pk}']")

    card.get_by_role("button", name='Delete batch "to go"').click()
    expect(_confirm_dialog(page)).to_contain_text("Its list of 2 frames")
    page.keyboard.press("Escape")  # Esc cancels like the Cancel button
    expect(_confirm_dialog(page)).to_have_count(0)
    expect(card).to_have_count(1)

    card.get_by_role("button", name='Delete batch "to go"').click()
    _confirm_dialog(page).get_by_role("button", name="Delete", exact=True).click()
    expect(card).to_have_count(0)
    assert not Batch.objects.filter(pk=batch.pk).exists()
    assert Frame.objects.filter(pk__in=[f.pk for f in frames]).count() == 2


ESCAPE_WHEN_A_DIALOG_SHOWS = """() => new MutationObserver((changes, observer) => {
    if (!document.querySelector('[role=alertdialog]')) return;
    observer.disconnect();
    window.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));
}).observe(document.body, {childList: true, subtree: true})"""


def test_escape_pressed_the_moment_a_confirmation_shows_closes_it(app_page, demo):
    """A loaded machine may paint the dialog before the page's effects run; a key pressed then still counts."""
    from annotate.models import Batch

    page = app_page.page
    batch = Batch.objects.create(project_id=demo["project"], name="kept")
    app_page.login("demo-manager", f"/app/projects/{demo['project']}/dashboard")
    card = page.locator(f".batch[data-batch='{batch.pk}']")
    expect(card).to_have_count(1)
    page.evaluate(ESCAPE_WHEN_A_DIALOG_SHOWS)
    card.get_by_role("button", name='Delete batch "kept"').click()
    expect(_confirm_dialog(page)).to_have_count(0)
    assert Batch.objects.filter(pk=batch.pk).exists()


def test_an_annotator_is_offered_no_delete_of_captures_classes_or_batches(app_page, demo):
    from annotate.models import Batch

    page = app_page.page
    Batch.objects.create(project_id=demo["project"], name="kept")
    app_page.login("demo-annotator", f"/app/projects/{demo['project']}")
    expect(page.locator(f"tr[data-capture='{demo['capture']}']")).to_have_count(1)
    expect(page.locator(".classes li").first).to_be_visible()
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)
    app_page.open(f"/app/projects/{demo['project']}/dashboard")
    expect(page.locator(".batch").first).to_be_visible()
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)


def test_the_export_page_preselects_no_format_and_says_what_each_holds(app_page, demo):
    page = app_page.page
    app_page.login("demo-annotator", f"/app/projects/{demo['project']}/export")
    format_select = page.locator("select[aria-label=Format]")
    expect(format_select.locator("option")).to_have_count(5)
    expect(format_select).to_have_value("")
    export = page.get_by_role("button", name="Export")
    expect(export).to_be_disabled()
    for name, words in [("bop", "6-DoF poses"), ("coco", "instance segmentation"), ("kitti", "3D boxes"),
                        ("nerfstudio", "camera poses")]:
        expect(page.locator(f".format-descriptions [data-format='{name}']")).to_contain_text(words)
    format_select.select_option("coco")
    expect(export).to_be_enabled()
    expect(page.locator(".format-descriptions .chosen")).to_have_attribute("data-format", "coco")


def test_a_rounds_picks_name_their_capture_in_plain_words(app_page, demo):
    from annotate.models import ActiveLearningRound, Capture

    page = app_page.page
    round_id = _round_with_picks(demo["project"], demo["capture"], picks=2)
    ActiveLearningRound.objects.filter(pk=round_id).update(
        redundancy=0.9, metrics={"labelled_frames": 4, "sequence_share": 1.0, "redundancy_threshold": 0.5})
    app_page.login("demo-manager", f"/app/projects/{demo['project']}/dashboard")
    round_view = page.locator(f".round[data-round='{round_id}']")
    name = Capture.objects.get(pk=demo["capture"]).name
    expect(round_view.locator(".pick-capture")).to_have_text([name, name])
    facts = round_view.locator(".round-facts")
    expect(facts).to_contain_text("90% of frames look alike")
    expect(facts).not_to_contain_text("_")


def test_an_annotator_deletes_an_object_from_the_inspector_after_confirming(app_page, demo):
    from tests.e2e.test_upload_and_conflict import add_box_as_annotator

    page, object_id = add_box_as_annotator(app_page, demo)
    page.wait_for_function("() => document.querySelector('[data-save-state]').dataset.saveState === 'saved'")
    inspector = page.locator(".inspector")
    inspector.get_by_role("button", name="Delete object").click()
    expect(_confirm_dialog(page)).to_contain_text("Delete object 1?")
    _confirm_dialog(page).get_by_role("button", name="Cancel").click()
    expect(inspector).to_have_count(1)
    assert app_page.api("GET", f"/api/objects/{object_id}/")["status"] == 200

    inspector.get_by_role("button", name="Delete object").click()
    _confirm_dialog(page).get_by_role("button", name="Delete", exact=True).click()
    expect(inspector).to_have_count(0)
    assert app_page.api("GET", f"/api/objects/{object_id}/")["status"] == 404
