"""mIoU on hand-made masks; AUC@B and mIoU@B on hand-computed curves; I-S budgets."""
import numpy as np
import pytest

from active.budget_curves import Budget, auc_at_budget, miou_at_budget
from active.metrics import confusion_matrix, iou_per_class, mean_iou


def test_miou_on_hand_made_masks_ignores_classes_absent_from_both():
    target = np.array([[0, 0, 1, 1], [0, 0, 1, 255]])
    predicted = np.array([[0, 1, 1, 1], [0, 0, 3, 2]])  # the 255 pixel is ignored whatever is predicted
    confusion = confusion_matrix(predicted, target, 4)
    assert confusion.tolist() == [[3, 1, 0, 0], [0, 2, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]]
    ious = iou_per_class(confusion)
    # class 0: 3 / (4 + 3 - 3); class 1: 2 / (3 + 3 - 2); class 2: absent everywhere; class 3: predicted only
    np.testing.assert_allclose(ious, [0.75, 0.5, np.nan, 0.0])
    assert mean_iou(confusion) == pytest.approx((0.75 + 0.5 + 0.0) / 3)


def test_confusion_matrix_refuses_out_of_range_ids():
    with pytest.raises(ValueError):
        confusion_matrix(np.array([5]), np.array([0]), 3)


def test_auc_of_a_constant_curve_is_the_constant():
    assert auc_at_budget([0.1, 0.2, 0.3], [0.4, 0.4, 0.4], 0.3) == pytest.approx(0.4)


def test_auc_by_hand():
    fractions, mious = [0.1, 0.2, 0.3, 0.4], [0.2, 0.4, 0.5, 0.9]
    # trapezoids: 0.1*(0.3) + 0.1*(0.45) = 0.075 over a span of 0.2
    assert auc_at_budget(fractions, mious, 0.3) == pytest.approx(0.375)
    # up to 0.35: extra trapezoid 0.05 * (0.5 + 0.7) / 2 = 0.03, span 0.25
    assert auc_at_budget(fractions, mious, 0.35) == pytest.approx((0.075 + 0.03) / 0.25)
    assert miou_at_budget(fractions, mious, 0.35) == pytest.approx(0.7)
    assert miou_at_budget(fractions, mious, 0.2) == pytest.approx(0.4)
    assert auc_at_budget(fractions, mious, 0.1) == pytest.approx(0.2)
    with pytest.raises(ValueError):
        auc_at_budget(fractions, mious, 0.5)


def test_budgets_written_initial_dash_per_cycle():
    budget = Budget.parse("10-10")
    assert (budget.initial, budget.per_cycle) == (0.1, 0.1) and str(budget) == "10-10"
    np.testing.assert_allclose(budget.fractions(0.5), [0.1, 0.2, 0.3, 0.4, 0.5])
    assert Budget.parse("2-2").counts(300, 0.1).tolist() == [6, 12, 18, 24, 30]
    with pytest.raises(ValueError):
        Budget(0.0, 0.1)
