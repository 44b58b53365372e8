"""Cost of the built-in look (hair, facial hair, clothes, accessories): CPU ms per frame with and
without it, for a few balanced24 people, 160 px, 3 paper views x 10 frames, best of 3.

Run: python benchmarks/look.py   (prints figures; not a test). CPU time (process_time, all of the
process's threads, llvmpipe's included) is reported, not wall time, so a loaded machine skews it less.

     python benchmarks/look.py --sheet docs/images/balanced24.png
writes the README's contact sheet instead: balanced24, neutral, frontal, default render settings
(built-in look), 160 px cells, 256-colour PNG so it stays small in the repository.
"""
from __future__ import annotations

import time

import numpy as np

PEOPLE = ("bal_f_caucasian_1", "bal_f_black_3", "bal_m_black_1", "bal_f_hispanic_1", "bal_m_asian_3")


def main(reps: int = 3, frames: int = 10) -> None:
    import humans.outfit as outfit_mod
    from animations.library import signals_for
    from humans.suites import balanced24
    from sim_env.render.clip import render_clip
    from sim_env.render.renderer import Renderer
    from sim_env.render.viewpoints import paper9

    people = {h.id: h for h in balanced24()}
    signal = next(iter(signals_for("confusion").values()))
    real = outfit_mod.build_outfit

    def bare(appearance, rest, variant="head", hair=True, brows=True, age_folds=True):
        return outfit_mod.Outfit((), (), None)

    best: dict = {}
    with Renderer(160, 160) as renderer:
        render_clip(people[PEOPLE[0]], signal, paper9()[:1], n_frames=2, size=160, renderer=renderer)
        try:
            for _ in range(reps):
                for mode, build in (("without", bare), ("with", real)):
                    outfit_mod.build_outfit = build
                    for hid in PEOPLE:
                        t0 = time.process_time()
                        clip = render_clip(people[hid], signal, paper9()[:3], n_frames=frames, size=160,
                                           renderer=renderer)
                        ms = (time.process_time() - t0) / (clip.frames.shape[0] * clip.frames.shape[1]) * 1000
                        best[hid, mode] = min(ms, best.get((hid, mode), np.inf))
        finally:
            outfit_mod.build_outfit = real
    for hid in PEOPLE:
        spec = people[hid]
        print(f"{hid:18s} {spec.hair_style:13s} {spec.facial_hair:9s} {spec.top:7s} glasses {spec.glasses:11s}"
              f" without {best[hid, 'without']:6.1f}  with {best[hid, 'with']:6.1f} ms CPU/frame"
              f"  ({best[hid, 'with'] / best[hid, 'without']:.2f}x)")
    w = np.mean([best[h, "with"] for h in PEOPLE])
    wo = np.mean([best[h, "without"] for h in PEOPLE])
    print(f"mean: without {wo:.1f}, with {w:.1f} ms CPU/frame -> {w / wo:.2f}x")


def write_sheet(out: str) -> None:
    from pathlib import Path

    from PIL import Image

    from humans.suites import balanced24
    from sim_env.render.sheets import suite_sheet

    sheet = suite_sheet(balanced24(), size=160, appearance="builtin")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sheet).quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                    dither=Image.Dither.NONE).save(out, optimize=True)
    print(out)


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--sheet":
        write_sheet(sys.argv[2])
    elif len(sys.argv) == 1:
        main()
    else:
        sys.exit("usage: python benchmarks/look.py [--sheet OUT.png]")
