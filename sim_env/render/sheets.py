"""Contact sheets a reviewer scans in one look: a suite's people, and the two rigs side by side."""
from __future__ import annotations

import numpy as np

from sim_env.render.media import label, tile
from sim_env.render.viewpoints import Viewpoint


def appearance_for_spec(spec, requested: str = "auto") -> str:
    """``auto``: MakeHuman assets when the spec names a skin material or proxies, else built-in."""
    if requested != "auto":
        return requested
    from humans.spec import PROXY_FIELDS

    named = spec.skin_material or any(getattr(spec, f) for f in PROXY_FIELDS)
    return "assets" if named else "builtin"


def suite_sheet(humans, size: int = 160, appearance: str = "auto", asset_roots=None,
                columns: int = 6) -> np.ndarray:
    """(H, W, 3) one neutral frontal portrait per person, labelled with id and group."""
    from sim_env.render.clip import render_clip
    from sim_env.render.renderer import Renderer

    portraits = []
    with Renderer(size, size) as renderer:
        for spec in humans:
            clip = render_clip(spec, None, [Viewpoint(0, 0)], n_frames=1, size=size, renderer=renderer,
                               appearance=appearance_for_spec(spec, appearance), asset_roots=asset_roots)
            portraits.append(label(clip.frames[0, 0], f"{spec.id} {spec.group}"))
    return tile(np.stack(portraits), min(columns, len(portraits)))


def apex_frame(timeline, n_frames: int = 25) -> int:
    """The frame where the timeline's summed intensity peaks (the expression's apex)."""
    _, values = timeline.sample(n_frames)
    return int(np.argmax(values.sum(axis=1))) if values.size else 0


def rig_comparison(spec, signals: dict, size: int = 160, appearance: str = "auto", asset_roots=None,
                   rigs=("arkit", "facshuman"), pairs_per_row: int = 7, n_frames: int = 25) -> np.ndarray:
    """(H, W, 3) each signal at its apex, one image per rig side by side, labelled."""
    from sim_env.render.clip import render_clip
    from sim_env.render.renderer import Renderer

    look = appearance_for_spec(spec, appearance)
    cells = []
    with Renderer(size, size) as renderer:
        for signal_id, timeline in signals.items():
            apex = apex_frame(timeline, n_frames)
            for rig in rigs:
                clip = render_clip(spec, timeline, [Viewpoint(0, 0)], n_frames=n_frames, size=size,
                                   renderer=renderer, rig=rig, appearance=look, asset_roots=asset_roots)
                cells.append(label(clip.frames[0, apex], f"{signal_id[:18]} {rig}"))
    return tile(np.stack(cells), min(len(rigs) * pairs_per_row, len(cells)))
