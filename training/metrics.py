"""Classification metrics in plain numpy, so the definitions are visible and tested by hand.

Macro averages run over the classes present in ``y_true`` (``labels``): on an external set that has
only some of the classes (the paper's GIFGIF case) a class nobody showed has no recall to average,
and the paper's figures for that set average over the two present classes.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) counts, rows = true class, columns = predicted class."""
    cm = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(cm, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    return cm


@dataclass(frozen=True)
class Scores:
    accuracy: float
    precision: float  # macro over ``labels``
    recall: float
    f1: float
    n: int
    labels: tuple[int, ...]
    per_class: dict  # class index -> {"precision", "recall", "f1", "support"}

    def to_dict(self) -> dict:
        return asdict(self)


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else 0.0


def scores(y_true, y_pred, n_classes: int, labels=None) -> Scores:
    """Accuracy and macro precision/recall/F1. A class never predicted has precision 0 (sklearn's
    ``zero_division=0``); ``labels`` defaults to the classes present in ``y_true``."""
    y_true = np.asarray(y_true, int)
    y_pred = np.asarray(y_pred, int)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"need equal, non-empty label arrays; got {y_true.shape} and {y_pred.shape}")
    cm = confusion_matrix(y_true, y_pred, n_classes)
    labels = tuple(sorted(set(y_true.tolist()))) if labels is None else tuple(labels)
    per_class = {}
    for c in labels:
        tp = cm[c, c]
        p = _ratio(tp, cm[:, c].sum())
        r = _ratio(tp, cm[c, :].sum())
        per_class[int(c)] = {"precision": p, "recall": r, "f1": _ratio(2 * p * r, p + r), "support": int(cm[c].sum())}
    mean = lambda key: float(np.mean([v[key] for v in per_class.values()]))  # noqa: E731
    return Scores(
        accuracy=float(np.mean(y_true == y_pred)),
        precision=mean("precision"),
        recall=mean("recall"),
        f1=mean("f1"),
        n=int(y_true.size),
        labels=labels,
        per_class=per_class,
    )


def restricted_argmax(probs, allowed) -> np.ndarray:
    """Argmax over the ``allowed`` class indices only, returned as indices of the FULL class list
    (an external set with anger and disgust only must not be scored as classes 0 and 1)."""
    probs = np.asarray(probs, float)
    allowed = np.asarray(sorted(allowed), int)
    return allowed[np.argmax(probs[:, allowed], axis=1)]
