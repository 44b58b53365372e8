"""Pictures of a prediction people can look at: each video frame with its face box and the current
window's per-class bars (overlay MP4), and the probabilities over time (timeline PNG)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

COLOURS = {"anger": (220, 50, 47), "confusion": (38, 139, 210), "disgust": (133, 153, 0)}
_OTHER = [(181, 137, 0), (108, 113, 196), (42, 161, 152), (211, 54, 130)]
PANEL_W = 200


def class_colour(name: str, index: int) -> tuple[int, int, int]:
    return COLOURS.get(name, _OTHER[index % len(_OTHER)])


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


class OverlayDrawer:
    """Draws one overlay frame: the video frame scaled to ``height`` px (never below the source), the
    face box (green: detected in this frame; amber: interpolated or held), and a panel on the right with
    the latest window's probabilities, its time, and "no face" when it had none."""

    def __init__(self, classes, height: int = 360):
        self.classes, self.height = tuple(classes), height
        self.font, self.small = _font(16), _font(13)

    def draw(self, frame: np.ndarray, t: float, box, detected, window) -> np.ndarray:
        from PIL import Image, ImageDraw

        h, w = frame.shape[:2]
        scale = max(self.height / h, 1.0)
        size = (int(round(w * scale)) // 2 * 2, int(round(h * scale)) // 2 * 2)
        img = Image.fromarray(frame).resize(size, Image.BILINEAR) if scale != 1.0 else Image.fromarray(frame)
        canvas = Image.new("RGB", (img.width + PANEL_W, img.height), (24, 24, 24))
        canvas.paste(img, (0, 0))
        d = ImageDraw.Draw(canvas)
        if box is not None:
            x0, y0, x1, y1 = (float(v) * scale for v in box)
            d.rectangle([x0, y0, x1, y1], outline=(0, 220, 0) if detected else (255, 176, 0), width=3)
        x = img.width + 10
        d.text((x, 8), f"t = {t:6.2f} s", fill=(235, 235, 235), font=self.font)
        if window is None:
            d.text((x, 34), "waiting for a full window", fill=(160, 160, 160), font=self.small)
            return np.asarray(canvas)
        d.text((x, 30), f"window {window.start_s:.2f}-{window.end_s:.2f} s", fill=(160, 160, 160), font=self.small)
        if window.probabilities is None:
            d.text((x, 60), "no face: no label", fill=(255, 90, 90), font=self.font)
            return np.asarray(canvas)
        best = window.label
        for i, name in enumerate(self.classes):
            p = window.probabilities[name]
            y = 60 + i * 44
            d.text((x, y), f"{name}{'  <' if name == best else ''}", fill=(235, 235, 235), font=self.small)
            d.rectangle([x, y + 18, x + PANEL_W - 60, y + 34], outline=(90, 90, 90))
            d.rectangle([x, y + 18, x + (PANEL_W - 60) * p, y + 34], fill=class_colour(name, i))
            d.text((x + PANEL_W - 54, y + 18), f"{p:.2f}", fill=(235, 235, 235), font=self.small)
        return np.asarray(canvas)


def plot_timeline(prediction, path: str | Path, title: str | None = None) -> Path:
    """Per-class probability of every window against its centre time; windows without a face are
    shaded grey and left without a point; the strip below marks the frames where a face was found."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    fig, (ax, strip) = plt.subplots(2, 1, figsize=(9, 3.6), sharex=True, gridspec_kw={"height_ratios": [5, 1]})
    centres = np.array([(w.start_s + w.end_s) / 2 for w in prediction.windows])
    for i, name in enumerate(prediction.classes):
        ys = np.array([np.nan if w.probabilities is None else w.probabilities[name] for w in prediction.windows])
        ax.plot(centres, ys, marker=".", lw=1.5, color=np.array(class_colour(name, i)) / 255, label=name)
    for w in prediction.windows:
        if w.probabilities is None:
            ax.axvspan(w.start_s, w.end_s, color="0.85", lw=0, zorder=0)
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    ax.legend(loc="upper right", fontsize=8, ncol=len(prediction.classes))
    c = prediction.counts()
    ax.set_title(title or f"{Path(prediction.video).name}: {c['windows']} windows, {c['windows_without_face']} without a face",
                 fontsize=10)
    t = np.arange(prediction.n_frames) / prediction.fps
    if prediction.detected is not None:
        strip.fill_between(t, 0, prediction.detected[: len(t)].astype(float), step="post", color="tab:green", lw=0)
        strip.set_yticks([0, 1], ["no face", "face"], fontsize=7)
    else:
        strip.set_yticks([])
        strip.text(0.5, 0.5, "model uses no face detection", ha="center", va="center", transform=strip.transAxes, fontsize=8)
    strip.set_xlabel("time (s)")
    fig.tight_layout()
    from hrisim.io import atomic_path

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return path
