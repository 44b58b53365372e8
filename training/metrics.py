"""Classification metrics from scikit-learn, the library readers already trust for these definitions.

Macro averages run over the classes present in ``y_true`` (``labels``): on an external set that has
only some of the classes (the paper's GIFGIF case) a class nobody showed has no recall to average,
and the paper's figures for that set average over the two present classes. A class never predicted
has precision 0 (``zero_division=0``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) counts, rows = true class, columns = predicted class."""
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix

    return sk_confusion_matrix(np.asarray(y_true, int), np.asarray(y_pred, int), labels=list(range(n_classes))).astype(np.int64)


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


def scores(y_true, y_pred, n_classes: int, labels=None) -> Scores:
    """Accuracy and macro precision/recall/F1 (scikit-learn); ``labels`` defaults to the classes
    present in ``y_true``."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    y_true = np.asarray(y_true, int)
    y_pred = np.asarray(y_pred, int)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"need equal, non-empty label arrays; got {y_true.shape} and {y_pred.shape}")
    bad = sorted(set(np.concatenate([y_true, y_pred]).tolist()) - set(range(n_classes)))
    if bad:
        raise ValueError(f"class index {bad[0]} is outside 0..{n_classes - 1}")
    labels = tuple(sorted(set(y_true.tolist()))) if labels is None else tuple(int(c) for c in labels)
    p, r, f, support = precision_recall_fscore_support(y_true, y_pred, labels=list(labels), average=None, zero_division=0)
    per_class = {c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(support[i])}
                 for i, c in enumerate(labels)}
    return Scores(
        accuracy=float(accuracy_score(y_true, y_pred)),
        precision=float(np.mean(p)),
        recall=float(np.mean(r)),
        f1=float(np.mean(f)),
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
