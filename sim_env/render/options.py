"""``RenderOptions``: how a person is drawn and seen, one frozen value shared by every user.

``render_clip``, the dataset generator, the demo, the CLI and both Gymnasium environments take one
``RenderOptions`` instead of passing a dozen loose settings on by hand, so whatever improves the
picture reaches datasets and environments alike.
"""
from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

APPEARANCES = ("builtin", "assets")
EXPOSURES = ("fixed", "face")
RIGS = ("arkit", "facshuman")
MAX_SIZE = 4096  # pixels per side: larger frames exceed llvmpipe's framebuffer limits


@dataclasses.dataclass(frozen=True)
class RenderOptions:
    """Everything about the picture that is not the person, the timeline or the viewpoint.

    ``lighting`` and ``background`` are the CLI's strings (``studio`` | ``random[:PRESET]`` …,
    ``grey`` | ``#rrggbb`` | ``r,g,b`` | an image file) or already-built ``Lighting``/``Background``
    values; ``lighting_for(seed)`` and ``background_value()`` resolve them. ``asset_roots``: MakeHuman
    asset folders (None = the configured roots).
    """

    width: int = 160
    height: int = 160
    yfov_deg: float = 25.0
    rig: str = "arkit"
    appearance: str = "builtin"
    asset_roots: tuple[str, ...] | None = None
    exposure: str = "face"  # face-priority auto-exposure (camera_model), or "fixed"
    tone: str = "aces"  # filmic tone curve, or "clip" (the old hard clip + gamma 2.2)
    white_balance: str = "preset"  # balance for the lighting's illuminant, or "none"
    camera_jitter: str = "none"  # seeded exposure/white-balance/noise draws: none | default | EV,WB,NOISE
    lighting: Any = "studio"
    background: Any = "grey"
    antialias: str = "ssaa1.25"  # renderer.ANTIALIAS
    folds: bool = True  # expression folds shaded from the skin's compression (face_detail.SkinFolds)
    wrinkles: bool = True  # with folds: their fine creases drawn per pixel (wrinkles: normal + occlusion maps)

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 8 <= value <= MAX_SIZE:
                raise ValueError(f"RenderOptions.{name}: expected an integer number of pixels in [8, {MAX_SIZE}], got {value!r}")
        if not (isinstance(self.yfov_deg, (int, float)) and math.isfinite(self.yfov_deg) and 1 <= self.yfov_deg <= 120):
            raise ValueError(f"RenderOptions.yfov_deg: expected degrees in [1, 120], got {self.yfov_deg!r}")
        if self.rig not in RIGS:
            raise ValueError(f"RenderOptions.rig: expected one of {RIGS}, got {self.rig!r}")
        if self.appearance not in APPEARANCES:
            raise ValueError(f"RenderOptions.appearance: expected one of {APPEARANCES}, got {self.appearance!r}")
        if self.exposure not in EXPOSURES:
            raise ValueError(f"RenderOptions.exposure: expected one of {EXPOSURES}, got {self.exposure!r}")
        from sim_env.render.camera_model import TONE_CURVES, WHITE_BALANCES, CameraSettings

        if self.tone not in TONE_CURVES:
            raise ValueError(f"RenderOptions.tone: expected one of {TONE_CURVES}, got {self.tone!r}")
        if self.white_balance not in WHITE_BALANCES:
            raise ValueError(f"RenderOptions.white_balance: expected one of {WHITE_BALANCES}, got {self.white_balance!r}")
        try:
            CameraSettings().with_jitter(self.camera_jitter)
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValueError(f"RenderOptions.camera_jitter: {exc}") from None
        from sim_env.render.renderer import ANTIALIAS

        for name in ("folds", "wrinkles"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"RenderOptions.{name}: expected true or false, got {getattr(self, name)!r}")
        if self.antialias not in ANTIALIAS:
            raise ValueError(f"RenderOptions.antialias: expected one of {ANTIALIAS}, got {self.antialias!r}")
        roots = self.asset_roots
        if hasattr(roots, "roots") and hasattr(roots, "find"):  # a humans.assets.AssetRoots: kept as given
            pass
        elif isinstance(roots, (str, os.PathLike)):
            roots = tuple(p for p in str(roots).split(os.pathsep) if p)
        elif roots is not None:
            roots = tuple(str(p) for p in roots) or None
        object.__setattr__(self, "asset_roots", roots)
        object.__setattr__(self, "yfov_deg", float(self.yfov_deg))

    @classmethod
    def make(cls, size: int | None = None, **fields) -> "RenderOptions":
        """``RenderOptions`` from keyword settings; ``size`` sets a square ``width`` = ``height``."""
        if size is not None:
            fields.setdefault("width", size)
            fields.setdefault("height", size)
        unknown = sorted(set(fields) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise TypeError(f"unknown render options {unknown}; valid: {[f.name for f in dataclasses.fields(cls)]} and size")
        return cls(**fields)

    def replace(self, **changes) -> "RenderOptions":
        return dataclasses.replace(self, **changes)

    def lighting_for(self, seed: int = 0):
        """The ``Lighting`` these options ask for (a ``random`` preset is drawn from ``seed``)."""
        from sim_env.render.lighting import Lighting, parse_lighting

        return self.lighting if isinstance(self.lighting, Lighting) else parse_lighting(self.lighting, seed)

    def background_value(self):
        """The ``Background`` these options ask for."""
        from sim_env.render.renderer import Background

        return self.background if isinstance(self.background, Background) else parse_background(self.background)

    def record(self) -> dict:
        """JSON-friendly fields for manifests, cards and env info (what a reader needs to reproduce)."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "lighting" and not isinstance(value, str):
                value = value.name
            elif f.name == "background" and not isinstance(value, str):
                value = "custom"
            elif f.name == "asset_roots" and hasattr(value, "roots"):
                value = [str(r) for r in value.roots]
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


def parse_background(text: str):
    """``grey`` | ``#rrggbb`` | ``r,g,b`` (0..1) | an image file."""
    from sim_env.render.renderer import Background

    if text == "grey":
        return Background()
    if text.startswith("#") and len(text) == 7:
        try:
            return Background(tuple(int(text[i : i + 2], 16) / 255 for i in (1, 3, 5)))
        except ValueError:
            pass
    parts = text.split(",")
    if len(parts) == 3:
        try:
            colour = tuple(float(p) for p in parts)
            if all(0 <= c <= 1 for c in colour):
                return Background(colour)
        except ValueError:
            pass
    path = Path(text)
    if path.is_file():
        from PIL import Image, UnidentifiedImageError

        try:
            return Background(image=np.asarray(Image.open(path).convert("RGB")))
        except (UnidentifiedImageError, OSError) as exc:
            raise ValueError(f"background {path}: not a readable image ({exc})") from exc
    raise ValueError(f"background {text!r}: expected 'grey', '#rrggbb', 'r,g,b' in 0..1 or an image file")
