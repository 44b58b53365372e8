"""The realism floor: an off-the-shelf face detector finds our faces where we say they are.

MTCNN (facenet-pytorch, default thresholds, weights shipped in the wheel) must find one face in at
least 95 % of 160x160 frames of 8 people of balanced24 (both genders, all four groups) x the 9 paper
viewpoints x first, middle and last frame of 3 signals, overlapping the projected face box (IoU >= 0.5).
"""
import pytest

from animations.library import signals_for
from humans.suites import balanced24
from realism_support import PICKS, PickedFrames, mtcnn_hits
from sim_env.render.clip import render_clip
from sim_env.render.renderer import Renderer
from sim_env.render.viewpoints import paper9


def eight_people():
    chosen, seen = [], set()
    for h in balanced24():
        if (h.sex, h.group) not in seen:
            seen.add((h.sex, h.group))
            chosen.append(h)
    return chosen


@pytest.mark.slow
def test_mtcnn_finds_the_face_in_95_percent_of_frames():
    pytest.importorskip("facenet_pytorch")

    people = eight_people()
    assert len(people) == 8 and len({h.group for h in people}) == 4
    signals = [next(iter(signals_for(e).values())) for e in ("confusion", "anger", "disgust")]
    images, boxes, who = [], [], []
    with Renderer(160, 160) as renderer:
        for human in people:
            # The picked frames of all 3 signals in one clip: (signal, frame) pairs in row order.
            picked = PickedFrames(signals, 25, PICKS)
            clip = render_clip(human, picked, paper9(), n_frames=len(picked.values), size=160, renderer=renderer)
            for v in range(9):
                for t in range(len(picked.values)):
                    images.append(clip.frames[v, t])
                    boxes.append(clip.labels.face_boxes[v, t])
                    who.append((human.id, v, t))
    assert len(images) == 8 * 3 * 9 * 3
    found, failures = mtcnn_hits(images, boxes, who, batch=64)
    rate = found / len(images)
    print(f"MTCNN found {found}/{len(images)} faces ({rate:.1%}); failed: {failures[:20]}")
    assert rate >= 0.95, f"MTCNN found the face in {rate:.1%} of frames; failed (id, view, frame): {failures[:20]}"
