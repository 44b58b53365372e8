"""Helpers the rendering tests share: held AU timelines and probes of dark features in an image."""
from __future__ import annotations

import numpy as np

from animations.native import timeline_from_dict


def hold(key: str, level: float = 1.0):
    """A timeline that holds ``key`` at ``level`` on every frame."""
    return timeline_from_dict(
        {"id": f"hold_{key}", "emotion": "test",
         "aus": {key: [{"times": [0.0, 0.0, 1.0, 1.0], "intensities": [level] * 4}]}},
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
