"""Metrics and fairness figures against values computed by hand."""
import numpy as np
import pytest

from training.evaluation import evaluate_external
from training.fairness import accuracy_gap, equalized_odds, group_accuracy
from training.labels import CLASSES, label_index
from training.metrics import confusion_matrix, restricted_argmax, scores


def test_scores_match_hand_computed_values():
    y_true = [0, 0, 0, 1, 1, 2]
    y_pred = [0, 0, 1, 1, 2, 2]
    assert confusion_matrix(y_true, y_pred, 3).tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    s = scores(y_true, y_pred, 3)
    assert s.accuracy == pytest.approx(4 / 6)
    assert s.precision == pytest.approx((1 + 1 / 2 + 1 / 2) / 3)
    assert s.recall == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    assert s.f1 == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert s.per_class[2]["support"] == 1


def test_macro_average_runs_over_the_classes_present():
    # only anger (0) and disgust (2) are true; one clip is called confusion (1)
    s = scores([0, 0, 2, 2], [0, 1, 2, 2], 3)
    assert s.labels == (0, 2)
    assert s.recall == pytest.approx((1 / 2 + 1) / 2)
    assert s.precision == pytest.approx((1 + 1) / 2)


def test_restricted_argmax_returns_indices_of_the_full_class_list():
    probs = np.array([[0.2, 0.5, 0.3],   # confusion wins 3-way; disgust among {anger, disgust}
                      [0.4, 0.5, 0.1],   # anger among the present ones
                      [0.1, 0.1, 0.8]])
    assert restricted_argmax(probs, [0, 2]).tolist() == [2, 0, 2]
    assert restricted_argmax(probs, [2, 0]).tolist() == [2, 0, 2]  # order of `allowed` does not matter


def test_external_set_reports_both_argmaxes_in_the_right_label_order():
    anger, disgust = CLASSES.index("anger"), CLASSES.index("disgust")
    y = [anger, anger, disgust, disgust]
    probs = np.zeros((4, 3))
    probs[0, anger] = 0.9
    probs[1, CLASSES.index("confusion")], probs[1, anger] = 0.6, 0.3
    probs[2, CLASSES.index("confusion")], probs[2, disgust] = 0.5, 0.4
    probs[3, disgust] = 0.7
    out = evaluate_external(y, probs, ["a"] * 4)
    assert out["present_classes"] == ["anger", "disgust"]
    assert out["argmax_all"]["accuracy"] == pytest.approx(0.5)
    assert out["argmax_present"]["accuracy"] == pytest.approx(1.0)
    assert out["argmax_present"]["predicted"] == [anger, anger, disgust, disgust]
    cm = np.array(out["argmax_all"]["confusion_matrix"])
    assert cm[anger, CLASSES.index("confusion")] == 1 and cm[disgust, CLASSES.index("confusion")] == 1


def test_group_accuracy_gap_and_equalized_odds_by_hand():
    y = [0, 1, 2, 0, 1, 2, 2]
    p = [0, 1, 2, 0, 1, 1, 2]
    g = ["A", "A", "A", "B", "B", "B", "B"]
    per = group_accuracy(y, p, g)
    assert per == {"A": {"accuracy": 1.0, "n": 3}, "B": {"accuracy": 0.75, "n": 4}}
    assert accuracy_gap(per) == pytest.approx(0.25)
    eo = equalized_odds(y, p, g, classes=range(3))
    # class 0: equal rates; class 1: FPR_B = 1/3 (one of three non-confusion clips called confusion);
    # class 2: TPR_B = 1/2. The figure is the largest class difference, not the mean.
    assert eo["per_class"][0]["difference"] == pytest.approx(0.0)
    assert eo["per_class"][1]["fpr"] == {"A": 0.0, "B": pytest.approx(1 / 3)}
    assert eo["per_class"][1]["difference"] == pytest.approx(1 / 3)
    assert eo["per_class"][2]["tpr"] == {"A": 1.0, "B": 0.5}
    assert eo["difference"] == pytest.approx(0.5)


def test_group_without_a_class_is_left_out_of_that_rate():
    eo = equalized_odds([0, 1, 1], [0, 1, 0], ["A", "A", "B"], classes=[0])
    assert eo["per_class"][0]["tpr"] == {"A": 1.0}  # B has no anger clip
    assert eo["per_class"][0]["fpr"] == {"A": 0.0, "B": 1.0}
    assert eo["difference"] == pytest.approx(1.0)


def test_unknown_label_names_the_place():
    assert label_index("Disgusted", "x") == CLASSES.index("disgust")
    with pytest.raises(ValueError, match="clip.mp4.*'happy'"):
        label_index("happy", "clip.mp4")


def test_groups_report_their_subjects_and_a_subject_resampled_interval():
    """Clips of one person are not independent: a group's accuracy gets a 95 % interval that
    resamples its subjects, none for a one-subject group, which the report names."""
    from training.fairness import fairness_report
    from training.report import _group_text

    # group A: three people, 10 clips each, right on 10, 5 and 0 of them; group B: one person, 8 of 10
    y = [0] * 40
    p = [0] * 10 + [0] * 5 + [1] * 5 + [1] * 10 + [0] * 8 + [1] * 2
    groups = ["A"] * 30 + ["B"] * 10
    subjects = ["a1"] * 10 + ["a2"] * 10 + ["a3"] * 10 + ["b1"] * 10
    f = fairness_report(y, p, groups, range(3), subjects)
    a, b = f["per_group"]["A"], f["per_group"]["B"]
    assert (a["subjects"], b["subjects"]) == (3, 1)
    assert a["accuracy"] == pytest.approx(0.5) and b["accuracy"] == pytest.approx(0.8)
    lo, hi = a["accuracy_ci"]
    assert 0.0 <= lo < 0.35 and 0.65 < hi <= 1.0  # resampling people, not clips (clips: about 0.32-0.68)
    assert b["accuracy_ci"] is None and f["single_subject_groups"] == ["B"]
    assert "1 subject" in _group_text(b) and "95 % CI" in _group_text(a)
    assert "subjects" not in fairness_report(y, p, groups, range(3))["per_group"]["A"]  # without ids: as before
