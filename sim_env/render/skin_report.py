"""Does the picture treat every skin tone alike? Face luminance and contrast per Monk Skin Tone.

Each person is rendered neutral and frontal; inside the ground-truth face box we measure the mean
luma (Rec. 709 weights on the 8-bit sRGB values, 0..255) and the contrast (its standard deviation).
The fairness figures are the ratios of the darkest tones (MST >= 9) to the lightest (MST <= 2).
"""
from __future__ import annotations

import dataclasses

import numpy as np

LUMA_709 = np.array([0.2126, 0.7152, 0.0722])
DARK_TONES = (9, 10)
LIGHT_TONES = (1, 2)


@dataclasses.dataclass(frozen=True)
class FaceTone:
    human_id: str
    group: str
    tone: int
    luminance: float  # mean luma in the face box, 0..255
    contrast: float  # std of luma in the face box


def face_luma(image: np.ndarray, box) -> np.ndarray:
    """Luma (0..255) of the pixels of ``image`` (H, W, 3 uint8) inside ``box`` (x0, y0, x1, y1)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    x0, y0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
    x1, y1 = min(w, int(np.ceil(x1))), min(h, int(np.ceil(y1)))
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"face box {tuple(box)} lies outside the {w}x{h} image")
    return image[y0:y1, x0:x1].astype(np.float64) @ LUMA_709


def measure(humans, size: int = 96, options=None, **settings) -> list[FaceTone]:
    """One neutral frontal portrait per person (``render_clip`` settings, e.g. ``exposure=``)."""
    from sim_env.render.clip import render_clip
    from sim_env.render.renderer import Renderer
    from sim_env.render.viewpoints import Viewpoint

    rows = []
    with Renderer(size, size) as renderer:
        for spec in humans:
            clip = render_clip(spec, None, [Viewpoint(0, 0)], 1, options, size=size,
                               renderer=renderer, **settings)
            luma = face_luma(clip.frames[0, 0], clip.labels.face_boxes[0, 0])
            rows.append(FaceTone(spec.id, spec.group, int(spec.effective_skin_tone), float(luma.mean()),
                                 float(luma.std())))
    return rows


def by_tone(rows: list[FaceTone]) -> dict[int, tuple[int, float, float]]:
    """tone -> (people, mean luminance, mean contrast)."""
    out = {}
    for tone in sorted({r.tone for r in rows}):
        sel = [r for r in rows if r.tone == tone]
        out[tone] = (len(sel), float(np.mean([r.luminance for r in sel])), float(np.mean([r.contrast for r in sel])))
    return out


def dark_light_ratios(rows: list[FaceTone]) -> tuple[float, float]:
    """(luminance ratio, contrast ratio) of MST >= 9 people to MST <= 2 people (nan if either is absent)."""
    dark = [r for r in rows if r.tone in DARK_TONES]
    light = [r for r in rows if r.tone in LIGHT_TONES]
    if not dark or not light:
        return float("nan"), float("nan")
    return (float(np.mean([r.luminance for r in dark]) / np.mean([r.luminance for r in light])),
            float(np.mean([r.contrast for r in dark]) / np.mean([r.contrast for r in light])))


def format_report(rows: list[FaceTone], title: str = "") -> str:
    lines = [title] if title else []
    lines.append("MST  people  face luminance  face contrast")
    for tone, (n, lum, con) in by_tone(rows).items():
        lines.append(f"{tone:>3}  {n:>6}  {lum:>14.1f}  {con:>13.1f}")
    lum, con = dark_light_ratios(rows)
    lines.append(f"darkest (MST>=9) / lightest (MST<=2): luminance {lum:.2f}, contrast {con:.2f} (goal >= 0.60)")
    return "\n".join(lines)
