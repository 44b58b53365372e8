"""``hrisim demo``: one built-in person performing one confusion signal from the paper's 9 views."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from sim_env.render.media import grid_video_frames, label, tile, write_mp4, write_png
from sim_env.render.viewpoints import paper9

DEMO_HUMAN = "bal_f_black_1"
DEMO_SIGNAL_EMOTION = "confusion"


def run_demo(out_dir: str | Path, size: int = 160, n_frames: int = 25, human_id: str | None = None,
             signal_id: str | None = None, log=print) -> Path:
    """Render the demo clip; returns the folder holding ``demo.mp4`` and ``contact_sheet.png``."""
    from animations.library import get_signal, signals_for
    from humans.suites import balanced24
    from sim_env.render.clip import render_clip

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    suite = {h.id: h for h in balanced24()}
    if human_id is not None and human_id not in suite:  # never someone else in silence
        from hrisim.errors import UsageError
        from sim_env.cli import did_you_mean

        raise UsageError(did_you_mean("human in balanced24", human_id, suite))
    human = suite.get(human_id or DEMO_HUMAN) or next(iter(suite.values()))
    if signal_id is not None:
        from animations.errors import AnimationError
        from animations.library import builtin_signals

        try:
            get_signal(signal_id)
        except AnimationError:
            from hrisim.errors import UsageError
            from sim_env.cli import did_you_mean

            raise UsageError(did_you_mean("built-in signal", signal_id, builtin_signals())) from None
    signal = get_signal(signal_id) if signal_id else next(iter(signals_for(DEMO_SIGNAL_EMOTION).values()))
    views = paper9()
    log(f"rendering {human.id} ({human.group}, {human.sex}, {human.age_years:.0f} y) performing "
        f"{signal.id!r} ({signal.emotion}): {len(views)} views x {n_frames} frames at {size} px")
    start = time.perf_counter()
    clip = render_clip(human, signal, views, n_frames=n_frames, size=size)
    elapsed = time.perf_counter() - start
    video = write_mp4(out / "demo.mp4", grid_video_frames(clip.frames), fps=25)
    picks = sorted({0, n_frames // 2, n_frames - 1})
    cells = [
        label(clip.frames[v, t], f"h{vp.horizontal_deg:+.0f} v{vp.vertical_deg:+.0f} f{t + 1}")
        for v, vp in enumerate(views)
        for t in picks
    ]
    sheet = write_png(out / "contact_sheet.png", tile(np.stack(cells), columns=len(picks) * 3))
    (out / "demo.json").write_text(json.dumps({
        "human": human.to_dict(), "signal": signal.id, "emotion": signal.emotion,
        "viewpoints": [[vp.horizontal_deg, vp.vertical_deg, vp.distance] for vp in views],
        "frames": n_frames, "size": size, "render_seconds": round(elapsed, 2),
        "frames_per_second": round(clip.frames.shape[0] * n_frames / elapsed, 1),
    }, indent=2))
    log(f"rendered {clip.frames.shape[0] * n_frames} frames in {elapsed:.1f} s; wrote {video.name} and {sheet.name}")
    return out
