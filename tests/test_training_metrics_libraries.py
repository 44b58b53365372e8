"""scikit-learn metrics and fairlearn fairness figures give the numbers hrisim's former hand-written
implementation gave on a fixed example (the literals below were printed by that code before it was
replaced), and agree with fairlearn's own equalized-odds function where its definition applies."""
import numpy as np
import pytest

from training.fairness import equalized_odds, fairness_report
from training.metrics import confusion_matrix, scores

Y = [2, 2, 2, 2, 0, 2, 2, 0, 0, 0, 2, 2, 1, 1, 2, 0, 2, 2, 0, 2, 2, 0, 1, 2, 2, 0, 1, 1, 1, 2, 2, 1, 2, 1, 2, 0, 2, 2, 1, 1]
P = [2, 1, 0, 2, 0, 2, 2, 0, 2, 0, 2, 2, 0, 1, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2, 2, 1, 2, 1, 1, 0, 2, 0, 2, 1, 2, 2, 2, 2, 1, 1]
G = list("CCCBBBBDADBCACDDBBDDDCDCABBCBDABDDDBACAB")


def test_scores_equal_the_former_implementation():
    s = scores(Y, P, 3)
    assert (s.accuracy, s.precision, s.recall, s.f1) == pytest.approx(
        (0.7, 0.6845479082321188, 0.6761904761904761, 0.6707070707070706), abs=1e-12)
    assert confusion_matrix(Y, P, 3).tolist() == [[6, 1, 2], [3, 6, 1], [4, 1, 16]]
    y, p = np.array(Y), np.array(P)
    s = scores(y[y != 1], p[y != 1], 3)  # an external set without confusion: macro over present classes
    assert s.labels == (0, 2)
    assert (s.accuracy, s.precision, s.recall, s.f1) == pytest.approx(
        (0.7333333333333333, 0.7444444444444445, 0.7142857142857142, 0.7260458839406208), abs=1e-12)


def test_fairness_equals_the_former_implementation():
    f = fairness_report(Y, P, G, range(3))
    assert f["per_group"] == {"A": {"accuracy": pytest.approx(4 / 6), "n": 6}, "B": {"accuracy": pytest.approx(8 / 13), "n": 13},
                              "C": {"accuracy": pytest.approx(7 / 9), "n": 9}, "D": {"accuracy": 0.75, "n": 12}}
    assert f["accuracy_gap"] == pytest.approx(0.16239316239316237, abs=1e-12)
    assert f["equalized_odds_difference"] == pytest.approx(1.0)
    eo = f["equalized_odds"]
    assert eo[0]["tpr"] == pytest.approx({"A": 0.0, "B": 1 / 3, "C": 1.0, "D": 1.0})
    assert eo[0]["fpr"] == pytest.approx({"A": 0.2, "B": 0.2, "C": 0.125, "D": 0.375})
    assert eo[1]["fpr"] == pytest.approx({"A": 0.0, "B": 1 / 9, "C": 1 / 7, "D": 0.0})
    assert [eo[c]["difference"] for c in range(3)] == pytest.approx([1.0, 0.5, 0.33333333333333337], abs=1e-12)


def test_equalized_odds_is_fairlearns_per_class():
    from fairlearn.metrics import equalized_odds_difference

    y, p = np.array(Y), np.array(P)
    eo = equalized_odds(Y, P, G, range(3))
    for c in range(3):  # every group has samples in and out of every class here, so the definitions meet
        assert eo["per_class"][c]["difference"] == pytest.approx(
            equalized_odds_difference(y == c, p == c, sensitive_features=G), abs=1e-12)


def test_unknown_class_index_is_an_error():
    with pytest.raises(ValueError, match="class index 3"):
        scores([0, 1], [0, 3], 3)
