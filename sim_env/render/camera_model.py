"""The robot camera's image pipeline: scene-linear light in, an 8-bit sRGB picture out.

The renderer writes scene-linear radiance (a float framebuffer, nothing clipped); this module does
what a camera's ISP does with it, in this order, all in linear light:

1. **exposure**: ``face`` (default) is face-priority auto-exposure: the camera meters a blend of the
   face box and the whole frame (geometric mean, ``face_weight`` on the face), and sets one gain that
   brings it to ``target``, within ``max_stops``; the gain is locked for a clip, as a camera that has
   found the face holds it, so nothing flickers. ``fixed`` keeps the scene's light as rendered (gain 1).
   A seeded exposure bias (EV) may be drawn per clip.
2. **white balance**: ``preset`` divides out the lighting preset's illuminant (the intensity-weighted
   colour of its lights and ambient), so a neutral grey stays grey under warm office light as a
   camera set for that light would show it; ``none`` leaves the light's colour in. Seeded per-clip
   error (R/B gains) models auto white balance missing a little.
3. **sensor noise**: Poisson-Gaussian (shot noise of a small sensor plus read noise) added before the
   gain, so faces that need more gain get noisier, as on a real camera. Off by default.
4. **tone curve**: ``aces`` (Narkowicz's fit of the ACES filmic curve) rolls highlights off instead of
   clipping them, then the sRGB transfer function encodes; ``clip`` is the old pipeline (hard clip at
   1, gamma 1/2.2), kept so studies can reproduce earlier renders.

Everything random is drawn from the camera's seed and the clip's/frame's index: the same seed gives
the same pictures.
"""
from __future__ import annotations

import dataclasses
import json

import numpy as np

EXPOSURES = ("face", "fixed")
TONE_CURVES = ("aces", "clip")
WHITE_BALANCES = ("preset", "none")
LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)  # Rec. 709 luminance of linear RGB


@dataclasses.dataclass(frozen=True)
class CameraSettings:
    """How the camera exposes, balances, adds noise and tone-maps (see the module docstring).

    The ``jitter_*`` fields are standard deviations of the seeded per-clip draws; all 0 (the
    default) gives the same picture for a scene every time.
    """

    exposure: str = "face"
    exposure_bias_ev: float = 0.0
    face_weight: float = 0.8  # share of the face in the metering (the rest: the whole frame)
    target: float = 0.2  # metered linear luminance the exposure aims at
    max_stops: float = 3.0
    white_balance: str = "preset"
    tone: str = "aces"
    jitter_exposure_ev: float = 0.0
    jitter_white_balance: float = 0.0  # sigma of the log R and B gain errors
    noise: float = 0.0  # 1 = a small robot camera's sensor (full well 2000 e-, read noise 4 e-)
    seed: int = 0

    def __post_init__(self):
        for name, value, allowed in (("exposure", self.exposure, EXPOSURES), ("tone", self.tone, TONE_CURVES),
                                     ("white_balance", self.white_balance, WHITE_BALANCES)):
            if value not in allowed:
                raise ValueError(f"camera {name} must be one of {allowed}, got {value!r}")
        for name in ("jitter_exposure_ev", "jitter_white_balance", "noise", "max_stops"):
            if getattr(self, name) < 0:
                raise ValueError(f"camera {name} must be >= 0, got {getattr(self, name)!r}")
        if not 0.0 <= self.face_weight <= 1.0:
            raise ValueError(f"camera face_weight must be in [0, 1], got {self.face_weight!r}")
        if self.target <= 0:
            raise ValueError(f"camera target must be > 0, got {self.target!r}")

    @classmethod
    def legacy(cls) -> "CameraSettings":
        """The pipeline before the camera model: fixed exposure, no white balance, clip + gamma 2.2."""
        return cls(exposure="fixed", white_balance="none", tone="clip")

    def with_jitter(self, spec: str) -> "CameraSettings":
        """``none`` | ``default`` (0.33 EV, 4 % white balance, noise 1) | ``EV,WB,NOISE``."""
        if spec == "none":
            values = (0.0, 0.0, 0.0)
        elif spec == "default":
            values = (0.33, 0.04, 1.0)
        else:
            try:
                values = tuple(float(v) for v in spec.split(","))
            except ValueError:
                values = ()
            if len(values) != 3:
                raise ValueError(f"camera jitter must be 'none', 'default' or 'EV,WB,NOISE' (three numbers), got {spec!r}")
        return dataclasses.replace(self, jitter_exposure_ev=values[0], jitter_white_balance=values[1], noise=values[2])

    def record(self) -> dict:
        """The settings as manifest fields (``camera_*``)."""
        return {f"camera_{k}": v for k, v in dataclasses.asdict(self).items()}


@dataclasses.dataclass(frozen=True)
class ClipCamera:
    """What the camera did for one clip (one view): the manifest records it."""

    gain: float  # linear exposure gain, bias included
    bias_ev: float
    white_balance: tuple[float, float, float]  # linear R, G, B gains
    metered: float  # metered linear luminance (nan for fixed exposure)

    def record(self) -> dict:
        return {"exposure_gain": round(self.gain, 5), "exposure_bias_ev": round(self.bias_ev, 4),
                "white_balance_gains": json.dumps([round(g, 4) for g in self.white_balance]),
                "metered_luminance": None if np.isnan(self.metered) else round(self.metered, 5)}


# ----------------------------------------------------------------------------- curves


def srgb_encode(linear: np.ndarray) -> np.ndarray:
    """The sRGB transfer function (IEC 61966-2-1) of linear values in [0, 1]."""
    x = np.clip(linear, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)


def aces_fitted(x: np.ndarray) -> np.ndarray:
    """Narkowicz's fit of the ACES filmic curve (2016): toe, mid-tone slope, a shoulder to 1."""
    x = np.maximum(x, 0.0)
    return np.clip(x * (2.51 * x + 0.03) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0)


def display_encode(linear: np.ndarray, tone: str) -> np.ndarray:
    """Exposed linear RGB -> display values in [0, 1] through the tone curve."""
    if tone == "clip":
        return np.power(np.clip(linear, 0.0, 1.0), 1 / 2.2)
    return srgb_encode(aces_fitted(linear))


def display_decode(display: np.ndarray, tone: str) -> np.ndarray:
    """Display values in [0, 1] -> the exposed linear RGB that ``display_encode`` made them from
    (exact up to quantisation, below the tone curve's shoulder): to compare pictures taken at two
    exposures in the light's own units."""
    d = np.clip(np.asarray(display, np.float64), 0.0, 1.0)
    if tone == "clip":
        return np.power(d, 2.2)
    y = np.where(d <= 0.04045, d / 12.92, np.power((d + 0.055) / 1.055, 2.4))  # sRGB decode
    y = np.minimum(y, 0.999)  # the fitted curve reaches 1 only at infinity
    # y = x (2.51 x + 0.03) / (x (2.43 x + 0.59) + 0.14), solved for x >= 0
    a, b, c = 2.43 * y - 2.51, 0.59 * y - 0.03, 0.14 * y
    return (-b - np.sqrt(np.maximum(b * b - 4 * a * c, 0.0))) / (2 * a)


def to_uint8(display: np.ndarray) -> np.ndarray:
    return np.round(np.clip(display, 0.0, 1.0) * 255.0).astype(np.uint8)


# ----------------------------------------------------------------------------- white balance


def illuminant_rgb(lighting) -> np.ndarray:
    """Linear RGB of the light a lighting preset casts on a white, front-facing surface.

    Directional lights reach a Lambertian surface as intensity / pi (pyrender's convention); the
    ambient term adds its colour at full weight.
    """
    total = np.asarray(lighting.ambient_rgb, np.float64) * 1.0
    for light in lighting.lights:
        total = total + light.intensity / np.pi * np.asarray(light.rgb, np.float64)
    return total


def white_balance_gains(lighting) -> np.ndarray:
    """Per-channel gains (green = 1) that map the preset's illuminant to neutral."""
    ill = illuminant_rgb(lighting)
    return (ill[1] / np.maximum(ill, 1e-9)).astype(np.float32)


# ----------------------------------------------------------------------------- the camera


def _box(box, w: int, h: int):
    x0, y0, x1, y1 = box
    x0, y0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
    x1, y1 = min(w, int(np.ceil(x1))), min(h, int(np.ceil(y1)))
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def meter(frames: np.ndarray, boxes: np.ndarray | None, face_weight: float) -> float:
    """Metered linear luminance of frames (T, H, W, 3): the face box (median over the clip) blended
    geometrically with the whole frame. No face in view: the whole frame."""
    h, w = frames.shape[1:3]
    luminance = np.asarray(frames, np.float32) @ LUMA
    scene = float(luminance.mean())
    box = None if boxes is None else _box(np.median(np.asarray(boxes).reshape(-1, 4), axis=0), w, h)
    if box is None or face_weight == 0:
        return max(scene, 1e-6)
    x0, y0, x1, y1 = box
    face = float(luminance[:, y0:y1, x0:x1].mean())
    return float(np.exp(face_weight * np.log(max(face, 1e-6)) + (1 - face_weight) * np.log(max(scene, 1e-6))))


class Camera:
    """Applies :class:`CameraSettings` to linear frames, for clips and for frame streams."""

    def __init__(self, settings: CameraSettings | None = None, lighting=None):
        self.settings = settings or CameraSettings()
        self._stream_log_gain: float | None = None
        self.set_lighting(lighting)

    def set_lighting(self, lighting) -> None:
        """Balance for ``lighting`` (a ``Lighting``; None = no white balance)."""
        self.lighting = lighting
        self.base_white_balance = (white_balance_gains(lighting) if self.settings.white_balance == "preset"
                                   and lighting is not None else np.ones(3, np.float32))

    # -- per clip -----------------------------------------------------------------------------
    def draw(self, index: int = 0) -> tuple[float, np.ndarray]:
        """Seeded per-clip draw: (exposure bias EV, white-balance gains) for clip/view ``index``."""
        s = self.settings
        rng = np.random.default_rng([s.seed, int(index), 0xCA]) if s.jitter_exposure_ev or s.jitter_white_balance else None
        bias = s.exposure_bias_ev
        wb = self.base_white_balance.copy()
        if rng is not None:
            bias += float(rng.normal(0.0, s.jitter_exposure_ev)) if s.jitter_exposure_ev else 0.0
            if s.jitter_white_balance:
                err = rng.normal(0.0, s.jitter_white_balance, 2)
                wb = wb * np.exp(np.array([err[0], 0.0, err[1]])).astype(np.float32)
        return bias, wb

    def gain_for(self, frames: np.ndarray, boxes: np.ndarray | None, bias_ev: float) -> tuple[float, float]:
        """(gain, metered luminance) of a clip; the metered value is nan for fixed exposure."""
        s = self.settings
        if s.exposure == "fixed":
            return float(2.0 ** bias_ev), float("nan")
        metered = meter(frames, boxes, s.face_weight)
        stops = np.clip(np.log2(s.target / metered), -s.max_stops, s.max_stops)
        return float(2.0 ** (stops + bias_ev)), metered

    def clip(self, frames: np.ndarray, boxes: np.ndarray | None = None, index: int = 0) -> tuple[np.ndarray, ClipCamera]:
        """uint8 sRGB frames (T, H, W, 3) of one view's linear frames, one locked exposure."""
        bias, wb = self.draw(index)
        # White balance first: the camera meters what it will show.
        balanced = np.asarray(frames, np.float32) * wb
        gain, metered = self.gain_for(balanced, boxes, bias)
        out = np.empty(frames.shape, np.uint8)
        for t in range(frames.shape[0]):
            out[t] = self._finish(balanced[t], gain, (index, t))
        return out, ClipCamera(gain, bias, tuple(float(g) for g in wb), metered)

    # -- streams (environments) ---------------------------------------------------------------
    def frame(self, linear: np.ndarray, box=None, index: int = 0, adapt: float = 1.0) -> np.ndarray:
        """One frame of a live stream. ``adapt`` < 1 makes the exposure move that share of the
        remaining stops per frame, like a camera's AE loop (call ``reset_stream`` when an episode
        starts, or frames depend on the previous episode); the default 1 meters every frame on its
        own, so a frame depends only on the scene (what environments' seeded resets need)."""
        bias, wb = self.draw(0)
        balanced = np.asarray(linear, np.float32) * wb
        gain, _ = self.gain_for(balanced[None], None if box is None else np.asarray(box)[None], bias)
        log_gain = np.log2(gain)
        if self._stream_log_gain is not None and self.settings.exposure == "face":
            log_gain = self._stream_log_gain + adapt * (log_gain - self._stream_log_gain)
        self._stream_log_gain = float(log_gain)
        return self._finish(balanced, float(2.0 ** log_gain), (index, -1))

    def reset_stream(self) -> None:
        self._stream_log_gain = None

    def _finish(self, linear: np.ndarray, gain: float, key) -> np.ndarray:
        s = self.settings
        if s.noise > 0:
            linear = self._noisy(linear, gain, key)
        return to_uint8(display_encode(linear * gain, s.tone))

    def _noisy(self, linear: np.ndarray, gain: float, key) -> np.ndarray:
        """Shot + read noise on the sensor's signal ``linear`` (1 = full well of ``2000 / noise``
        electrons, read noise ``4 * noise`` electrons), before the gain multiplies signal and noise."""
        full_well = 2000.0 / self.settings.noise
        read = 4.0 * self.settings.noise / full_well
        rng = np.random.default_rng([self.settings.seed, *(k + 1 for k in key), 0x5E])
        sigma = np.sqrt(np.maximum(linear, 0.0) / full_well + read**2)
        return linear + sigma * rng.standard_normal(linear.shape, np.float32)


# ----------------------------------------------------------------------------- entry points


def settings_for(options=None, seed: int = 0) -> CameraSettings:
    """The camera a ``RenderOptions`` asks for (fields ``exposure``, ``tone``, ``white_balance``,
    ``camera_jitter``; missing ones take the defaults), seeded with ``seed``."""
    base = CameraSettings(
        exposure=getattr(options, "exposure", "face"),
        tone=getattr(options, "tone", "aces"),
        white_balance=getattr(options, "white_balance", "preset"),
        seed=int(seed),
    )
    return base.with_jitter(getattr(options, "camera_jitter", "none") or "none")


def develop(frames: np.ndarray, boxes: np.ndarray | None, options=None, *, lighting=None, seed: int = 0,
            index: int = 0, settings: CameraSettings | None = None) -> np.ndarray:
    """uint8 sRGB (T, H, W, 3) of one view's scene-linear frames (T, H, W, 3), exposure locked for
    the clip, metered on ``boxes`` (T, 4) (see :class:`Camera`); ``index`` = the view's number,
    for the seeded per-view draws. ``develop_clip`` also returns what the camera did."""
    return develop_clip(frames, boxes, options, lighting=lighting, seed=seed, index=index, settings=settings)[0]


def develop_clip(frames, boxes, options=None, *, lighting=None, seed: int = 0, index: int = 0,
                 settings: CameraSettings | None = None) -> tuple[np.ndarray, ClipCamera]:
    if lighting is None and options is not None and hasattr(options, "lighting_for"):
        lighting = options.lighting_for(seed)
    camera = Camera(settings or settings_for(options, seed), lighting)
    return camera.clip(frames, boxes, index)
