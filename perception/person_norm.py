"""Person-specific normalisation of FaceNet embeddings: every frame minus the person's median embedding.

FaceNet was trained to tell people apart, so most of an embedding says who the person is. A head
trained on a few dozen people then reads some unseen people's identity as an expression: in the
frontal hold-out of 48 random people, every clip of one test person (MST 8, headscarf, glasses) was
called "anger". Subtracting the person's median feature over many frames removes what does not
change with the expression and keeps what does: the person-specific normalisation of Baltrušaitis,
Mahmoud & Robinson (2015), "Cross-dataset learning and person-specific normalisation for automatic
Action Unit detection" (IEEE FG), which OpenFace applies per video.

The median needs no labels, but it needs many frames of the person: varied expressions, or a face at
rest. One clip of one expression is its own median, and subtracting it takes the expression away.
Training takes each person's median over all their clips; a video, its own faces (or a baseline
video of the same person); a stream, a running median of the frames it has seen.
"""
from __future__ import annotations

from collections import deque

import numpy as np

HISTORY = 250  # frames in a stream's running baseline: 10 s at 25 fps


def person_baseline(embeddings, what: str = "person baseline") -> np.ndarray:
    """(D,) float32 median over the rows of ``embeddings`` (N, D) of one person."""
    e = np.asarray(embeddings, np.float32)
    if e.ndim != 2 or len(e) == 0:
        raise ValueError(f"{what}: needs (frames, features) embeddings of at least one face, got shape {e.shape}")
    return np.median(e, axis=0).astype(np.float32)


def evenly_spaced(indices, n: int = HISTORY) -> np.ndarray:
    """At most ``n`` of ``indices``, evenly spread: the frames a baseline is taken from."""
    indices = np.asarray(indices)
    return indices[np.linspace(0, len(indices) - 1, min(len(indices), n)).round().astype(int)] if len(indices) else indices


class RunningBaseline:
    """The median of the last ``history`` embeddings added (a stream's person baseline)."""

    def __init__(self, history: int = HISTORY):
        if history < 1:
            raise ValueError(f"RunningBaseline history must be >= 1, got {history}")
        self.rows: deque = deque(maxlen=history)

    def add(self, embeddings) -> None:
        for row in np.asarray(embeddings, np.float32).reshape(-1, np.shape(embeddings)[-1]):
            self.rows.append(row)

    def value(self) -> np.ndarray | None:
        return person_baseline(np.stack(self.rows)) if self.rows else None
