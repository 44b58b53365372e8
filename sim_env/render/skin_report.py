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
    cheek_lab: tuple[float, float, float] = (float("nan"),) * 3  # CIELAB of the lit cheeks (median)


def face_luma(image: np.ndarray, box) -> np.ndarray:
    """Luma (0..255) of the pixels of ``image`` (H, W, 3 uint8) inside ``box`` (x0, y0, x1, y1)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    x0, y0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
    x1, y1 = min(w, int(np.ceil(x1))), min(h, int(np.ceil(y1)))
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"face box {tuple(box)} lies outside the {w}x{h} image")
    return image[y0:y1, x0:x1].astype(np.float64) @ LUMA_709


def hue_chroma(lab) -> tuple[float, float]:
    """(hue angle in degrees, chroma) of a CIELAB colour: skin in photographs sits near 40-60 deg."""
    lab = np.asarray(lab, np.float64)
    return float(np.degrees(np.arctan2(lab[2], lab[1]))), float(np.hypot(lab[1], lab[2]))


def srgb_to_lab(rgb) -> np.ndarray:
    from humans.appearance import srgb_to_lab as convert

    return convert(rgb)


def cheek_lab(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """Median CIELAB of the two cheek patches of ``image`` (H, W, 3 uint8): squares a sixth of the
    eye distance wide, half-way from each eye to the mouth corner below it, pushed a fifth of the eye
    distance outward (the open, lit cheek: no lips, brows, hair or nasolabial fold)."""
    left, right, _nose, mouth_l, mouth_r = np.asarray(landmarks, np.float64)
    eye_dist = float(np.linalg.norm(left - right))
    out_dir = (left - right) / max(eye_dist, 1e-6)
    half = max(1, int(round(eye_dist / 12)))
    pixels = []
    for eye, mouth, sign in ((left, mouth_l, 1.0), (right, mouth_r, -1.0)):
        cx, cy = 0.5 * (eye + mouth) + sign * 0.2 * eye_dist * out_dir
        x, y = int(round(cx)), int(round(cy))
        pixels.append(image[max(0, y - half):y + half + 1, max(0, x - half):x + half + 1].reshape(-1, 3))
    return srgb_to_lab(np.median(np.concatenate(pixels), axis=0) / 255.0)


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
            lab = cheek_lab(clip.frames[0, 0], clip.labels.landmarks[0, 0])
            rows.append(FaceTone(spec.id, spec.group, int(spec.effective_skin_tone), float(luma.mean()),
                                 float(luma.std()), tuple(float(v) for v in lab)))
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


def swatch_hue_chroma(tone: int, face: bool = False) -> tuple[float, float]:
    """(hue, chroma) of the published Monk Skin Tone swatch ``tone``, or (``face``) of the facial
    skin colour hrisim derives from it (``humans.appearance.face_skin_rgb``)."""
    from humans.appearance import face_skin_rgb, mst_rgb

    return hue_chroma(srgb_to_lab(face_skin_rgb(tone) if face else mst_rgb(tone)))


def format_report(rows: list[FaceTone], title: str = "") -> str:
    """The per-tone table: face luminance and contrast, and the lit cheeks' hue and chroma (CIELAB)
    beside those of the tone's MST swatch (the camera sets lightness; hue and chroma should follow
    the face albedo derived from the swatch: a lower chroma or a hue toward yellow-green reads ashy)."""
    lines = [title] if title else []
    lines.append("MST  people  face luminance  face contrast  cheek hue/chroma  swatch hue/chroma"
                 "  face albedo hue/chroma")
    for tone, (n, lum, con) in by_tone(rows).items():
        labs = [r.cheek_lab for r in rows if r.tone == tone and np.isfinite(r.cheek_lab[0])]
        hue, chroma = hue_chroma(np.mean(labs, axis=0)) if labs else (float("nan"),) * 2
        s_hue, s_chroma = swatch_hue_chroma(tone)
        f_hue, f_chroma = swatch_hue_chroma(tone, face=True)
        lines.append(f"{tone:>3}  {n:>6}  {lum:>14.1f}  {con:>13.1f}  {hue:>8.0f} / {chroma:>5.1f}"
                     f"  {s_hue:>9.0f} / {s_chroma:>5.1f}  {f_hue:>13.0f} / {f_chroma:>5.1f}")
    lum, con = dark_light_ratios(rows)
    lines.append(f"darkest (MST>=9) / lightest (MST<=2): luminance {lum:.2f}, contrast {con:.2f} (goal >= 0.60)")
    return "\n".join(lines)
