"""What the two realism-floor tests share: render only the frames MTCNN will see, and score MTCNN.

Rendering a whole 25-frame clip to keep 3 of its frames costs 8x the drawing; ``PickedFrames`` makes
one ``render_clip`` draw exactly the picked frames (the same AU values at the same viewpoints).
"""
from __future__ import annotations

import numpy as np

PICKS = (0, 12, 24)  # first, middle and last frame of a 25-frame clip


def iou(a, b):
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


class PickedFrames:
    """A timeline-like object whose samples are the picked frames of several timelines, stacked,
    so one ``render_clip`` renders exactly the frames a test needs."""

    def __init__(self, timelines, n_frames: int = 25, picks=PICKS):
        samples = [t.sample(n_frames) for t in timelines]
        self.keys = sorted({k for keys, _ in samples for k in keys})
        rows = []
        for keys, values in samples:
            full = np.zeros((n_frames, len(self.keys)), np.float32)
            for j, key in enumerate(keys):
                full[:, self.keys.index(key)] = values[:, j]
            rows.append(full[list(picks)])
        self.values = np.concatenate(rows)

    def sample(self, n_frames: int):
        assert n_frames == len(self.values)
        return list(self.keys), self.values


def mtcnn_hits(images, boxes, names, batch: int = 81):
    """(found, names of the misses): MTCNN (facenet-pytorch, default thresholds) must find exactly one
    face overlapping the projected face box with IoU >= 0.5."""
    import facenet_pytorch
    import torch

    torch.manual_seed(0)
    mtcnn = facenet_pytorch.MTCNN(keep_all=True, device="cpu")
    found, failures = 0, []
    for i in range(0, len(images), batch):
        detected, _ = mtcnn.detect(images[i : i + batch])
        for j, det in enumerate(detected):
            ok = det is not None and len(det) == 1 and iou(det[0], boxes[i + j]) >= 0.5
            found += ok
            if not ok:
                failures.append(names[i + j])
    return found, failures
