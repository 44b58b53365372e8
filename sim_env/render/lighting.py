"""Lighting: presets and seeded randomisation (intensity, direction, colour temperature).

Lights are fixed to the person (world frame, relative to the direction the face looks), as in a
room: a camera moving around the face sees the shading change, as a robot would.
"""
from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Light:
    """A directional light arriving FROM (azimuth, elevation) degrees around the face.

    azimuth 0 = from in front of the face, > 0 = from the subject's left; elevation > 0 = from above.
    """

    azimuth_deg: float
    elevation_deg: float
    intensity: float
    kelvin: float = 5500.0

    def direction_to_light(self, face_forward=(0.0, -1.0, 0.0)) -> np.ndarray:
        f = np.asarray(face_forward, np.float64)
        f /= np.linalg.norm(f)
        up = np.array([0.0, 0.0, 1.0])
        left = np.cross(up, f)
        a, e = np.radians(self.azimuth_deg), np.radians(self.elevation_deg)
        return np.cos(e) * (np.cos(a) * f + np.sin(a) * left) + np.sin(e) * up

    @property
    def rgb(self) -> np.ndarray:
        return kelvin_to_rgb(self.kelvin)


@dataclasses.dataclass(frozen=True)
class Lighting:
    name: str
    lights: tuple[Light, ...]
    ambient: float = 0.25

    @property
    def ambient_rgb(self) -> np.ndarray:
        """Ambient (bounce) light: ``ambient`` times the intensity-weighted colour of the lights, as
        a room's walls return its lamps' light (white when there are no lights)."""
        if not self.lights:
            return np.full(3, self.ambient)
        mix = sum(l.intensity * l.rgb for l in self.lights) / max(sum(l.intensity for l in self.lights), 1e-9)
        return self.ambient * mix / mix.max()

    @property
    def kelvin(self) -> float:
        """Intensity-weighted colour temperature of the lights (what a camera would balance for)."""
        total = sum(l.intensity for l in self.lights)
        return float(sum(l.intensity * l.kelvin for l in self.lights) / total) if total > 0 else 5500.0


def kelvin_to_rgb(kelvin: float) -> np.ndarray:
    """Approximate sRGB white point of a black body (Tanner Helland's fit), normalised to max 1."""
    t = float(np.clip(kelvin, 1000.0, 40000.0)) / 100.0
    r = 255.0 if t <= 66 else 329.698727446 * (t - 60) ** -0.1332047592
    g = 99.4708025861 * np.log(t) - 161.1195681661 if t <= 66 else 288.1221695283 * (t - 60) ** -0.0755148492
    b = 255.0 if t >= 66 else (0.0 if t <= 19 else 138.5177312231 * np.log(t - 10) - 305.0447927307)
    rgb = np.clip(np.array([r, g, b]), 0, 255) / 255.0
    return rgb / rgb.max()


PRESETS = {
    "studio": Lighting("studio", (Light(30, 25, 2.0), Light(-40, 10, 0.8), Light(180, 40, 0.8)), 0.25),
    "office": Lighting("office", (Light(0, 65, 3.0, 4200), Light(-60, 20, 0.8, 4200)), 0.35),
    "window": Lighting("window", (Light(75, 10, 3.5, 6500), Light(-30, 30, 0.5, 3500)), 0.20),
    "dim": Lighting("dim", (Light(20, 40, 1.2, 3000),), 0.15),
}


def lighting_preset(name: str) -> Lighting:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown lighting preset {name!r}: choose one of {sorted(PRESETS)}") from None


def random_lighting(seed: int, base: str = "studio") -> Lighting:
    """A preset with seeded jitter: intensity x0.6–1.4, directions ±20°, 3000–7500 K."""
    rng = np.random.default_rng(seed)
    preset = lighting_preset(base)
    kelvin = float(rng.uniform(3000, 7500))
    lights = tuple(
        Light(
            round(l.azimuth_deg + float(rng.uniform(-20, 20)), 2),
            round(float(np.clip(l.elevation_deg + rng.uniform(-20, 20), -30, 85)), 2),
            round(l.intensity * float(rng.uniform(0.6, 1.4)), 3),
            round(kelvin, 1),
        )
        for l in preset.lights
    )
    return Lighting(f"{base}~{seed}", lights, round(preset.ambient * float(rng.uniform(0.7, 1.3)), 3))


def parse_lighting(text: str, seed: int = 0) -> Lighting:
    """``studio`` | ``office`` | ``window`` | ``dim`` | ``random`` | ``random:PRESET``."""
    if text == "random":
        return random_lighting(seed)
    if text.startswith("random:"):
        return random_lighting(seed, text[7:])
    return lighting_preset(text)
