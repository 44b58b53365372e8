"""From predicted probabilities to the figures a report shows."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from training.fairness import fairness_report
from training.labels import CLASSES
from training.metrics import confusion_matrix, restricted_argmax, scores


def evaluate(y_true, probs, groups: Sequence[str], allowed: Sequence[int] | None = None,
             subjects: Sequence[str] | None = None) -> dict:
    """Scores, confusion matrix (over all CLASSES) and fairness of argmax predictions; with
    ``allowed``, the argmax is taken over those classes only; ``subjects`` (one id per clip) adds
    each group's subject count and subject-resampled interval to the fairness figures."""
    probs = np.asarray(probs)
    y_pred = probs.argmax(1) if allowed is None else restricted_argmax(probs, allowed)
    s = scores(y_true, y_pred, len(CLASSES))
    return {
        **s.to_dict(),
        "confusion_matrix": confusion_matrix(y_true, y_pred, len(CLASSES)).tolist(),
        "fairness": fairness_report(y_true, y_pred, groups, range(len(CLASSES)), subjects),
        "predicted": np.asarray(y_pred).tolist(),
    }


def evaluate_external(y_true, probs, groups: Sequence[str]) -> dict:
    """An external set whose labels may be a subset of CLASSES (the paper's GIFGIF: anger and
    disgust): the plain 3-way argmax (a clip called confusion is an error) and the argmax restricted
    to the classes present in the set."""
    present = sorted(set(np.asarray(y_true).tolist()))
    return {
        "present_classes": [CLASSES[c] for c in present],
        "argmax_all": evaluate(y_true, probs, groups),
        "argmax_present": evaluate(y_true, probs, groups, allowed=present),
    }


def summarise_folds(per_fold: dict[int, dict]) -> dict:
    """Mean and standard deviation over folds of the headline scores (the paper averages folds)."""
    keys = ("accuracy", "precision", "recall", "f1")
    return {k: {"mean": float(np.mean([f[k] for f in per_fold.values()])), "std": float(np.std([f[k] for f in per_fold.values()]))}
            for k in keys}
