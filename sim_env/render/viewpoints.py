"""Viewpoint sets: where the robot camera sits around a face, as (horizontal, vertical) degrees."""
from __future__ import annotations

import dataclasses
import math

import numpy as np


MAX_VIEWPOINTS = 10_000


@dataclasses.dataclass(frozen=True)
class Viewpoint:
    """A camera position: horizontal angle in [-180, 180], vertical in [-89, 89] degrees (the
    camera's up vector is undefined straight above or below), distance in (0.05, 20] metres."""

    horizontal_deg: float
    vertical_deg: float
    distance: float = 0.6

    def __post_init__(self) -> None:
        for name, low, high in (("horizontal_deg", -180.0, 180.0), ("vertical_deg", -89.0, 89.0),
                                ("distance", 0.05, 20.0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
                    or not math.isfinite(value) or not low <= value <= high:
                raise ValueError(f"viewpoint {name}: expected a number in [{low:g}, {high:g}], got {value!r}")

    @property
    def name(self) -> str:
        return f"h{self.horizontal_deg:+g}_v{self.vertical_deg:+g}_d{self.distance:g}"


# The paper's nine views: the two diagonals of a 5x5 grid of (h, v) = (-40..40, -30..30) degrees
# (DESIGN.md; the paper's own list repeats two entries). Ordered from the highest camera to the
# lowest, left to right, so that the frontal view sits in the centre of a 3x3 sheet.
PAPER9_ANGLES = ((-40, 30), (40, 30), (-20, 15), (20, 15), (0, 0), (-20, -15), (20, -15), (-40, -30), (40, -30))


def paper9(distance: float = 0.6) -> tuple[Viewpoint, ...]:
    """The paper's 9 viewpoints at ``distance`` metres from the face centre."""
    return tuple(Viewpoint(float(h), float(v), distance) for h, v in PAPER9_ANGLES)


def grid(horizontal=(-40, -20, 0, 20, 40), vertical=(-30, -15, 0, 15, 30), distance: float = 0.6):
    """Every (h, v) pair of two angle lists, top row (highest v) first."""
    return tuple(
        Viewpoint(float(h), float(v), distance) for v in sorted(vertical, reverse=True) for h in horizontal
    )


def random_viewpoints(
    n: int,
    seed: int,
    horizontal=(-45.0, 45.0),
    vertical=(-30.0, 30.0),
    distance=(0.5, 0.9),
):
    """``n`` seeded viewpoints drawn uniformly in the given ranges."""
    if not 1 <= n <= MAX_VIEWPOINTS:
        raise ValueError(f"need 1 to {MAX_VIEWPOINTS} viewpoints, got n={n}")
    rng = np.random.default_rng(seed)
    h = rng.uniform(*horizontal, n)
    v = rng.uniform(*vertical, n)
    d = rng.uniform(*distance, n)
    return tuple(Viewpoint(round(float(a), 3), round(float(b), 3), round(float(c), 3)) for a, b, c in zip(h, v, d))


def parse_viewpoints(text: str, seed: int = 0):
    """``paper9`` | ``grid:H1,H2,...;V1,V2,...`` | ``random:N`` → viewpoints (CLI syntax)."""
    if text == "paper9":
        return paper9()
    if text.startswith("grid:"):
        try:
            hs, vs = text[5:].split(";")
            return grid([float(x) for x in hs.split(",")], [float(x) for x in vs.split(",")])
        except ValueError as exc:
            raise ValueError(f"bad viewpoint grid {text!r}: expected grid:H1,H2,...;V1,V2,... with H in "
                             f"[-180, 180] and V in [-89, 89] degrees ({exc})") from None
    if text.startswith("random:"):
        try:
            n = int(text[7:])
        except ValueError as exc:
            raise ValueError(f"bad viewpoint set {text!r}: expected random:N") from exc
        return random_viewpoints(n, seed)
    raise ValueError(f"unknown viewpoint set {text!r}: expected paper9, grid:H,...;V,... or random:N")
