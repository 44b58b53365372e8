"""The realism floor: an off-the-shelf face detector finds our faces where we say they are.

MTCNN (facenet-pytorch, default thresholds, weights shipped in the wheel) must find one face in at
least 95 % of 160x160 frames of 8 people of balanced24 (both genders, all four groups) x the 9 paper
viewpoints x first, middle and last frame of 3 signals, overlapping the projected face box (IoU >= 0.5).
"""
import numpy as np
import pytest

from animations.library import signals_for
from humans.suites import balanced24
from sim_env.render.clip import render_clip
from sim_env.render.renderer import Renderer
from sim_env.render.viewpoints import paper9


def iou(a, b):
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])
    return inter / (area(a) + area(b) - inter)


def eight_people():
    chosen, seen = [], set()
    for h in balanced24():
        if (h.sex, h.group) not in seen:
            seen.add((h.sex, h.group))
            chosen.append(h)
    return chosen


@pytest.mark.slow
def test_mtcnn_finds_the_face_in_95_percent_of_frames():
    facenet_pytorch = pytest.importorskip("facenet_pytorch")
    import torch

    torch.manual_seed(0)
    mtcnn = facenet_pytorch.MTCNN(keep_all=True, device="cpu")
    people = eight_people()
    assert len(people) == 8 and len({h.group for h in people}) == 4
    signals = [next(iter(signals_for(e).values())) for e in ("confusion", "anger", "disgust")]
    n_frames, picks = 25, (0, 12, 24)
    images, boxes = [], []
    with Renderer(160, 160) as renderer:
        for human in people:
            for signal in signals:
                clip = render_clip(human, signal, paper9(), n_frames=n_frames, size=160, renderer=renderer)
                for v in range(9):
                    for t in picks:
                        images.append(clip.frames[v, t])
                        boxes.append(clip.labels.face_boxes[v, t])
    found = 0
    failures = []
    for i in range(0, len(images), 64):
        detected, _ = mtcnn.detect([img for img in images[i : i + 64]])
        for j, det in enumerate(detected):
            truth = boxes[i + j]
            ok = det is not None and len(det) == 1 and iou(det[0], truth) >= 0.5
            found += ok
            if not ok:
                failures.append(i + j)
    rate = found / len(images)
    assert len(images) == 8 * 3 * 9 * 3
    assert rate >= 0.95, f"MTCNN found the face in {rate:.1%} of frames; failed: {failures[:20]}"
