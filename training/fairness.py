"""Per-group fairness figures with fairlearn: accuracy by group (``MetricFrame``), the best-worst gap,
equalized-odds difference.

Equalized odds for more than two classes is taken one class against the rest (fairlearn's binary
``equalized_odds_difference`` applied per class): for class c, TPR_g = P(pred = c | y = c, group g) and
FPR_g = P(pred = c | y != c, group g); the class's difference is the larger of the between-group
ranges of TPR and FPR, and the reported figure is the largest over classes. A group with no sample
of a class (or none outside it) has no TPR (FPR) for it and is left out of that range (fairlearn's
own function would count it as a rate of 0).

With subject ids, each group also reports how many subjects its clips come from, and a 95 % interval
of its accuracy that resamples the group's subjects (a cluster bootstrap): clips of one person are
not independent, so a group of one or two test people has an accuracy of those people, not of the
group, and its gap to another group compares persons (``single_subject_groups`` names them).
"""
from __future__ import annotations

import math

import numpy as np


def _frame(metrics: dict, y_true, y_pred, groups):
    from fairlearn.metrics import MetricFrame

    return MetricFrame(metrics=metrics, y_true=np.asarray(y_true), y_pred=np.asarray(y_pred),
                       sensitive_features=np.asarray(groups, str))


def group_accuracy(y_true, y_pred, groups) -> dict[str, dict]:
    """{group: {"accuracy", "n"}} in sorted group order."""
    from fairlearn.metrics import count
    from sklearn.metrics import accuracy_score

    by_group = _frame({"accuracy": accuracy_score, "n": count}, y_true, y_pred, groups).by_group
    return {str(g): {"accuracy": float(row["accuracy"]), "n": int(row["n"])} for g, row in sorted(by_group.iterrows())}


def subject_intervals(y_true, y_pred, groups, subjects, n: int = 1000, seed: int = 0) -> dict[str, dict]:
    """{group: {"subjects": count, "accuracy_ci": [lo, hi] or None}}: 95 % percentile intervals that
    resample each group's subjects with replacement ``n`` times (None for a group of one subject,
    whose clips say nothing about other people of the group)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    groups, subjects = np.asarray(groups, str), np.asarray(subjects, str)
    rng = np.random.default_rng(seed)
    out = {}
    for g in sorted(set(groups.tolist())):
        in_group = groups == g
        ids = sorted(set(subjects[in_group].tolist()))
        correct = [(y_true == y_pred)[in_group & (subjects == s)] for s in ids]
        ci = None
        if len(ids) > 1:
            draws = rng.integers(0, len(ids), (n, len(ids)))
            hits = np.array([c.sum() for c in correct], float)
            sizes = np.array([c.size for c in correct], float)
            acc = hits[draws].sum(1) / sizes[draws].sum(1)
            ci = [float(np.percentile(acc, 2.5)), float(np.percentile(acc, 97.5))]
        out[g] = {"subjects": len(ids), "accuracy_ci": ci}
    return out


def accuracy_gap(per_group: dict[str, dict]) -> float:
    """Best minus worst group accuracy (0 with fewer than two groups)."""
    accs = [v["accuracy"] for v in per_group.values()]
    return float(max(accs) - min(accs)) if len(accs) > 1 else 0.0


def _rate_or_nan(rate):
    """A fairlearn rate that is NaN (not 0) for a group without the samples it conditions on."""
    def metric(y_true, y_pred):
        cond = np.asarray(y_true) == (rate.__name__ == "true_positive_rate")
        return float(rate(y_true, y_pred, pos_label=True)) if cond.any() else math.nan
    return metric


def equalized_odds(y_true, y_pred, groups, classes) -> dict:
    """{"difference": max over classes, "per_class": {c: {"tpr": {g:..}, "fpr": {g:..}, "difference"}}}."""
    from fairlearn.metrics import false_positive_rate, true_positive_rate

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    metrics = {"tpr": _rate_or_nan(true_positive_rate), "fpr": _rate_or_nan(false_positive_rate)}
    per_class = {}
    for c in classes:
        mf = _frame(metrics, y_true == c, y_pred == c, groups)
        rates = {k: {str(g): float(v) for g, v in sorted(mf.by_group[k].items()) if not math.isnan(v)} for k in metrics}
        diff = mf.difference(method="between_groups")  # NaN groups are skipped; NaN when fewer than one rate
        per_class[int(c)] = {**rates, "difference": float(np.nan_to_num(diff.max(), nan=0.0))}
    return {"difference": max((v["difference"] for v in per_class.values()), default=0.0), "per_class": per_class}


def fairness_report(y_true, y_pred, groups, classes, subjects=None) -> dict:
    """Per-group accuracy, the gap, equalized odds; with ``subjects`` (one id per clip), each group's
    subject count and subject-resampled interval, and the groups that hold a single subject."""
    per_group = group_accuracy(y_true, y_pred, groups)
    eo = equalized_odds(y_true, y_pred, groups, classes)
    report = {"per_group": per_group, "accuracy_gap": accuracy_gap(per_group),
              "equalized_odds_difference": eo["difference"], "equalized_odds": eo["per_class"]}
    if subjects is not None:
        for g, extra in subject_intervals(y_true, y_pred, groups, subjects).items():
            per_group[g].update(extra)
        report["single_subject_groups"] = [g for g, v in per_group.items() if v["subjects"] == 1]
    return report
