"""Per-group fairness figures: accuracy by group, the best-worst gap, equalized-odds difference.

Equalized odds for more than two classes is taken one class against the rest (fairlearn's binary
definition applied per class): for class c, TPR_g = P(pred = c | y = c, group g) and
FPR_g = P(pred = c | y != c, group g); the class's difference is the larger of the between-group
ranges of TPR and FPR, and the reported figure is the largest over classes. A group with no sample
of a class (or none outside it) has no TPR (FPR) for it and is left out of that range.
"""
from __future__ import annotations

import numpy as np


def group_accuracy(y_true, y_pred, groups) -> dict[str, dict]:
    """{group: {"accuracy", "n"}} in sorted group order."""
    y_true, y_pred, groups = np.asarray(y_true), np.asarray(y_pred), np.asarray(groups, str)
    return {
        str(g): {"accuracy": float(np.mean(y_true[groups == g] == y_pred[groups == g])), "n": int(np.sum(groups == g))}
        for g in sorted(set(groups.tolist()))
    }


def accuracy_gap(per_group: dict[str, dict]) -> float:
    """Best minus worst group accuracy (0 with fewer than two groups)."""
    accs = [v["accuracy"] for v in per_group.values()]
    return float(max(accs) - min(accs)) if len(accs) > 1 else 0.0


def _range(values: list[float]) -> float:
    return float(max(values) - min(values)) if len(values) > 1 else 0.0


def equalized_odds(y_true, y_pred, groups, classes) -> dict:
    """{"difference": max over classes, "per_class": {c: {"tpr": {g:..}, "fpr": {g:..}, "difference"}}}."""
    y_true, y_pred, groups = np.asarray(y_true), np.asarray(y_pred), np.asarray(groups, str)
    per_class = {}
    for c in classes:
        tpr, fpr = {}, {}
        for g in sorted(set(groups.tolist())):
            in_g = groups == g
            pos, neg = in_g & (y_true == c), in_g & (y_true != c)
            if pos.any():
                tpr[g] = float(np.mean(y_pred[pos] == c))
            if neg.any():
                fpr[g] = float(np.mean(y_pred[neg] == c))
        diff = max(_range(list(tpr.values())), _range(list(fpr.values())))
        per_class[int(c)] = {"tpr": tpr, "fpr": fpr, "difference": diff}
    return {"difference": max((v["difference"] for v in per_class.values()), default=0.0), "per_class": per_class}


def fairness_report(y_true, y_pred, groups, classes) -> dict:
    per_group = group_accuracy(y_true, y_pred, groups)
    eo = equalized_odds(y_true, y_pred, groups, classes)
    return {"per_group": per_group, "accuracy_gap": accuracy_gap(per_group), "equalized_odds_difference": eo["difference"],
            "equalized_odds": eo["per_class"]}
