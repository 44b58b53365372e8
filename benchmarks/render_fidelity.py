"""Render cost of the faithful MakeHuman path (textured skin, hair/brow/lash/eye proxies, FACSHuman
rig) against the default path (built-in look, ARKit rig): ms/frame at 160 and 256 px.

Each figure is one full ``render_clip`` of a paper person playing a paper signal, 25 frames x 9
paper viewpoints (225 images), divided by 225: the per-image cost a dataset pays, mesh, rig,
proxy fitting, normals, upload and draw included (asset loading excluded: done once, before timing).

Run: HRISIM_SHARED=../shared python benchmarks/render_fidelity.py   (prints figures; not a test)
Needs the FACSHuman pack: ``hrisim assets install facshuman --from ../shared/assets/facshuman``.
"""
from __future__ import annotations

import os
import time
import warnings
from pathlib import Path


def main() -> None:
    from animations.fani import read_fani
    from humans.assets import AssetRoots
    from humans.suites import paper24
    from sim_env.render.clip import render_clip
    from sim_env.render.renderer import Renderer
    from sim_env.render.viewpoints import paper9

    shared = Path(os.environ.get("HRISIM_SHARED", "../shared"))
    roots = AssetRoots.configured(os.environ.get("HRISIM_ASSET_PATH") or
                                  [str(shared / "assets" / "makehuman"), str(shared / "assets" / "makehuman-lowres")])
    warnings.simplefilter("ignore")
    people = {h.id: h for h in paper24(shared / "assets" / "paper" / "humans")}
    human = people["Women1_Whi"]  # ponytail01 hair, eyebrow, lashes, high-poly eyes, 2048² skin
    signal = read_fani(sorted((shared / "assets" / "paper" / "animations").glob("*_CONF.fani"))[0])
    paths = {
        "default  (builtin look, arkit rig)": dict(rig="arkit", appearance="builtin"),
        "faithful (MakeHuman assets, facshuman rig)": dict(rig="facshuman", appearance="assets", asset_roots=roots),
        "assets + arkit rig": dict(rig="arkit", appearance="assets", asset_roots=roots),
    }
    views = paper9()
    for size in (160, 256):
        with Renderer(size, size) as renderer:
            for name, kwargs in paths.items():
                render_clip(human, signal, views[:1], n_frames=2, size=size, renderer=renderer, **kwargs)  # warm caches
                best = float("inf")
                for _ in range(2):
                    t0 = time.perf_counter()
                    clip = render_clip(human, signal, views, n_frames=25, size=size, renderer=renderer, **kwargs)
                    best = min(best, time.perf_counter() - t0)
                n = clip.frames.shape[0] * clip.frames.shape[1]
                print(f"{size} px  {name:44s} {best / n * 1000:6.2f} ms/frame  ({n / best:5.1f} frames/s)")


if __name__ == "__main__":
    main()
