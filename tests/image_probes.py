"""Helpers the rendering tests share: held AU timelines and probes of dark features in an image."""
from __future__ import annotations

import numpy as np

from animations.native import timeline_from_dict


def hold(key: str, level: float = 1.0):
    """A timeline that holds ``key`` (or keys joined by '+', e.g. '1+2') at ``level`` on every frame."""
    held = [{"times": [0.0, 0.0, 1.0, 1.0], "intensities": [level] * 4}]
    return timeline_from_dict(
        {"id": f"hold_{key.replace('+', '_')}", "emotion": "test", "aus": {k: held for k in key.split("+")}},
        "test",
    )


def crop(clip, centre, half_w, half_h):
    """A float patch of the first view's first frame around ``centre`` (pixels)."""
    x, y = (int(round(c)) for c in centre)
    return clip.frames[0, 0, y - half_h : y + half_h, x - half_w : x + half_w].astype(np.float32)


def dark_centroid(patch, quantile=0.15):
    """Where the darkest pixels of a patch sit (brows, irises): (x, y) in patch pixels."""
    lum = patch.mean(-1)
    ys, xs = np.nonzero(lum <= np.quantile(lum, quantile))
    return xs.mean(), ys.mean()


def pulses(keys, n_frames=None, level: float = 1.0):
    """A timeline showing each key alone at ``level`` on its own frame: frame 0 neutral, frame k+1
    key k (one render of many held AUs: one body, one actor)."""
    n = n_frames or len(keys) + 1
    aus = {}
    for k, key in enumerate(keys):
        # frame k+1 is sampled at t = (k + 2) / n; the times are written as the sampler computes them
        # (i / n), so the next frame lands exactly on the curve's end (0) instead of just past it, where
        # the timeline would hold the apex (3 * (1/7) + 1/7 > 4/7 in floating point)
        t0, t, t1 = (k + 1) / n, (k + 2) / n, min((k + 3) / n, 1.0)
        aus[key] = [{"times": [t0, t, t, t1], "intensities": [0.0, level, level, 0.0]}]
    return timeline_from_dict({"id": "pulses", "emotion": "test", "aus": aus}, "test")


def frame_crop(frame, centre, half_w, half_h):
    """A float patch of one (H, W, 3) frame around ``centre`` (pixels)."""
    x, y = (int(round(c)) for c in centre)
    return frame[y - half_h : y + half_h, x - half_w : x + half_w].astype(np.float32)


def luminance(patch):
    return patch @ np.array([0.299, 0.587, 0.114], np.float32)


def top_lip_edge(frame, centre_x, y_from, y_to, half_w=3):
    """Row of the upper lip's top edge in a strip at ``centre_x``: the first row, going down from
    ``y_from``, whose redness (R minus the mean of G and B) passes half-way from skin to lip."""
    x = int(round(centre_x))
    strip = frame[int(y_from):int(y_to), x - half_w:x + half_w + 1].astype(np.float32).mean(1)
    red = strip[:, 0] - strip[:, 1:].mean(1)
    threshold = red[:3].mean() + 0.5 * (red.max() - red[:3].mean())
    return int(y_from) + int(np.argmax(red > threshold))
