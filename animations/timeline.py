"""AU timelines: which FACSHuman keys move when, and how strongly, sampled exactly as FACSHuman does.

An :class:`AUTimeline` holds, per AU key (a FACSHuman target basename, see ``catalogue``), a
sequence of :class:`AUEvent` in file order. Time is normalised to the clip, 0..1; intensity is 0..1.

Sampling (FACSHuman's renderer, ``slidersSequencerRenderImageSet``), for N frames:

* frame i (i = 1..N) samples t = i/N; t = 0 is never sampled (it is the neutral rest pose);
* an event's curve runs through its four control points (image_start, intensity_start),
  (apex_start, apex_intensity_start), (apex_stop, apex_intensity_stop), (image_stop,
  intensity_stop). Its three segments are tried in that order and the first one whose closed
  interval [t0, t1] contains t gives the value, linearly interpolated;
* an event whose segments all miss t says nothing at t. Among the events that do say something,
  the *later in file order* wins; when none does, the AU keeps the value of the previous frame
  (0 before its first event).

Degenerate events, as found in real files, are well defined by that rule, with no sorting:

* a zero-length segment (t0 == t1) evaluates to its end intensity (FACSHuman would divide by
  zero there);
* a segment that runs backwards (t1 < t0, e.g. image_stop < apex_stop) contains no t, so it is
  simply absent; the curve stays a function of t, and after the last segment that applies the AU
  holds its last value. ``cheeckraise_CONF.fani`` (AU10: apex_stop 0.66, image_stop 0.3) thus
  ramps to its apex and holds it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .catalogue import resolve_key
from .errors import AnimationError

TIME_FIELDS = ("image_start", "apex_start", "apex_stop", "image_stop")
INTENSITY_FIELDS = ("intensity_start", "apex_intensity_start", "apex_intensity_stop", "intensity_stop")
CONTROL_FIELDS = TIME_FIELDS + INTENSITY_FIELDS


def check_unit_interval(name: str, value: object) -> float:
    """``value`` as a float in [0, 1], or an AnimationError naming the field and what was wrong."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AnimationError(f"{name}: expected a number in [0, 1], got {value!r}")
    number = float(value)
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise AnimationError(f"{name}: expected a number in [0, 1], got {number!r}")
    return number


@dataclass(frozen=True)
class AUEvent:
    """One rise-apex-fall of an AU key: four times in [0, 1] and the intensity at each."""

    image_start: float
    apex_start: float
    apex_stop: float
    image_stop: float
    intensity_start: float
    apex_intensity_start: float
    apex_intensity_stop: float
    intensity_stop: float
    event_id: str | None = None  # FACSHuman's event id, kept so a .fani export round-trips

    def __post_init__(self) -> None:
        for name in CONTROL_FIELDS:
            object.__setattr__(self, name, check_unit_interval(name, getattr(self, name)))
        if self.event_id is not None and (not isinstance(self.event_id, str) or not self.event_id):
            raise AnimationError(f"event_id: expected a non-empty string or None, got {self.event_id!r}")

    @property
    def times(self) -> tuple[float, float, float, float]:
        return (self.image_start, self.apex_start, self.apex_stop, self.image_stop)

    @property
    def intensities(self) -> tuple[float, float, float, float]:
        return (self.intensity_start, self.apex_intensity_start, self.apex_intensity_stop, self.intensity_stop)

    def evaluate(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(covered, value) at times ``t``: whether some segment contains t, and its value there."""
        return evaluate_control_points(self.times, self.intensities, t)


def evaluate_control_points(times, intensities, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """FACSHuman's first-matching-segment rule on raw control points (see the module docstring).

    Works on values outside [0, 1] too, which is what the ``.fani`` importer needs to clip an
    event without changing its curve.
    """
    t = np.asarray(t, dtype=np.float64)
    covered = np.zeros(t.shape, dtype=bool)
    value = np.zeros(t.shape, dtype=np.float64)
    for k in range(3):
        t0, t1 = times[k], times[k + 1]
        v0, v1 = intensities[k], intensities[k + 1]
        hit = ~covered & (t >= t0) & (t <= t1)
        if t1 == t0:
            value[hit] = v1
        else:
            value[hit] = v0 + (v1 - v0) * (t[hit] - t0) / (t1 - t0)
        covered |= hit
    return covered, value


@dataclass(frozen=True)
class AUTimeline:
    """A named AU animation: per key, its events in file order; sampled by :meth:`sample`.

    ``events`` may be given as a dict ``{key: [AUEvent, ...]}``; it is stored as a tuple of pairs.
    """

    id: str
    emotion: str
    description: str = ""
    events: tuple[tuple[str, tuple[AUEvent, ...]], ...] = ()
    source: str | None = field(default=None, compare=False)  # where it came from / reproduces

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise AnimationError(f"id: expected a non-empty string, got {self.id!r}")
        for name in ("emotion", "description"):
            if not isinstance(getattr(self, name), str):
                raise AnimationError(f"{name}: expected a string, got {getattr(self, name)!r}")
        pairs = self.events.items() if isinstance(self.events, dict) else self.events
        events = tuple((key, tuple(evs)) for key, evs in pairs)
        seen: set[str] = set()
        for key, evs in events:
            resolve_key(key)
            if key in seen:
                raise AnimationError(f"AU key {key!r} appears twice; give all its events under one key")
            seen.add(key)
            for e in evs:
                if not isinstance(e, AUEvent):
                    raise AnimationError(f"AU key {key!r}: expected AUEvent items, got {type(e).__name__}")
            ids = [e.event_id for e in evs if e.event_id is not None]
            if len(ids) != len(set(ids)):
                raise AnimationError(f"AU key {key!r}: event ids must be unique within a key, got {ids}")
        object.__setattr__(self, "events", events)

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.events]

    def events_for(self, key: str) -> tuple[AUEvent, ...]:
        for k, evs in self.events:
            if k == key:
                return evs
        raise AnimationError(f"timeline {self.id!r} has no AU key {key!r}; it has {self.keys}")

    def sample(self, n_frames: int) -> tuple[list[str], np.ndarray]:
        """Per-frame intensities: (keys in file order, float32 array of shape (n_frames, K))."""
        if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 1:
            raise AnimationError(f"n_frames: expected a positive integer, got {n_frames!r}")
        t = np.arange(1, n_frames + 1, dtype=np.float64) / n_frames
        values = np.zeros((n_frames, len(self.events)), dtype=np.float32)
        for column, (_, evs) in enumerate(self.events):
            values[:, column] = _sample_key(evs, t)
        return self.keys, values

    def save(self, path: str | Path) -> Path:
        """Write to ``path``, format chosen by extension (.yaml/.yml/.json native, .fani)."""
        from .formats import save_timeline  # formats imports this module

        return save_timeline(self, path)


def _sample_key(events: tuple[AUEvent, ...], t: np.ndarray) -> np.ndarray:
    said = np.full(t.shape, np.nan)
    for event in events:  # later events overwrite earlier ones
        covered, value = event.evaluate(t)
        said[covered] = value[covered]
    return _hold_last(said)


def _hold_last(said: np.ndarray) -> np.ndarray:
    """Fill frames where no event spoke with the previous frame's value (0 before the first)."""
    known = ~np.isnan(said)
    last = np.where(known, np.arange(said.size), -1)
    np.maximum.accumulate(last, out=last)
    return np.where(last >= 0, said[np.maximum(last, 0)], 0.0)

