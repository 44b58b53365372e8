"""Idle behaviour of a person who is not performing: blinks, small saccades and fixations, slow head
sway and breathing. Seeded, generated for a whole episode at once, independent of any policy, so two
policies run on the same seed face the same blinking, swaying person.

Rates and sizes follow the literature on people at rest (cited per field); ``IdleConfig`` changes them.

- Blinks: spontaneous blink rate at rest about 17 per minute (Bentivoglio et al. 1997, *Movement
  Disorders* 12(6): 10-28 per minute in most adults, higher in conversation); a blink closes in about
  0.1 s and reopens in about 0.2 s (VanderWerf et al. 2003, *J Neurophysiol* 89).
- Gaze: fixations of 0.2-1.5 s separated by small saccades of a few degrees when nothing demands
  attention (Otero-Millan et al. 2008, *J Vision* 8(14); Land & Tatler 2009, *Looking and Acting*).
- Head: postural sway of a seated or standing head of about 1 degree at 0.1-0.5 Hz (Keshner 2003,
  *J Vestib Res*; Sakanaka et al. 2016), and breathing at 12-20 breaths per minute, which rocks the
  head by a fraction of a degree.
"""
from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class IdleConfig:
    blinks_per_min: float = 17.0
    blink_close_s: float = 0.1
    blink_open_s: float = 0.2
    fixation_s: tuple[float, float] = (0.3, 1.5)
    saccade_deg: float = 3.0  # standard deviation of fixation targets around straight ahead
    sway_deg: float = 1.0  # head yaw/pitch/roll amplitude (standard deviation)
    sway_hz: tuple[float, float] = (0.1, 0.5)
    breaths_per_min: float = 15.0
    breath_pitch_deg: float = 0.3

    def __post_init__(self):
        for name in ("blinks_per_min", "blink_close_s", "blink_open_s", "saccade_deg", "sway_deg",
                     "breaths_per_min", "breath_pitch_deg"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and np.isfinite(value) and value >= 0):
                raise ValueError(f"IdleConfig.{name}: expected a finite number >= 0, got {value!r}")
        for name in ("fixation_s", "sway_hz"):
            lo, hi = (float(v) for v in getattr(self, name))
            if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo <= hi):
                raise ValueError(f"IdleConfig.{name}: expected 0 < low <= high, got {getattr(self, name)!r}")
            object.__setattr__(self, name, (lo, hi))


@dataclasses.dataclass(frozen=True)
class IdleTracks:
    """Per-step idle motion: ``blink`` (T,) closure in [0, 1]; ``gaze_deg`` (T, 2) yaw/pitch;
    ``head_deg`` (T, 3) yaw/pitch/roll (subject's frame, as ``RigFrames``)."""

    dt: float
    blink: np.ndarray
    gaze_deg: np.ndarray
    head_deg: np.ndarray
    blink_onsets: np.ndarray  # step indices where a blink starts

    def __len__(self) -> int:
        return len(self.blink)


def still(n_steps: int, dt: float) -> IdleTracks:
    """No idle motion at all (a mannequin), e.g. for the paper's "nearly static" failure case."""
    return IdleTracks(dt, np.zeros(n_steps, np.float32), np.zeros((n_steps, 2), np.float32),
                      np.zeros((n_steps, 3), np.float32), np.zeros(0, np.int64))


def idle_tracks(seed: int, n_steps: int, dt: float, config: IdleConfig | None = None) -> IdleTracks:
    """Idle motion for ``n_steps`` steps of ``dt`` seconds, drawn from ``seed``."""
    config = config or IdleConfig()
    if not (dt > 0 and np.isfinite(dt)):
        raise ValueError(f"dt must be a positive number of seconds, got {dt!r}")
    n = int(n_steps)
    t = np.arange(n) * dt
    rng = np.random.default_rng([int(seed), 0x1D1E])
    # Blinks: a Poisson process with a 0.5 s refractory gap, each a fast close and a slower reopening.
    blink = np.zeros(n, np.float32)
    onsets = []
    if config.blinks_per_min > 0:
        mean_gap = 60.0 / config.blinks_per_min
        s = rng.exponential(mean_gap)
        while s < n * dt:
            onsets.append(s)
            s += 0.5 + rng.exponential(max(mean_gap - 0.5, 1e-3))
    sub = t[:, None] + dt * (np.arange(8)[None] / 8 - 0.5)  # 8 instants per step: brief blinks still show
    for s in onsets:
        rel = sub - s
        closing = np.clip(rel / max(config.blink_close_s, 1e-6), 0, 1)
        opening = np.clip(1 - (rel - config.blink_close_s) / max(config.blink_open_s, 1e-6), 0, 1)
        shape = (np.where(rel < config.blink_close_s, closing, opening) * (rel >= 0)).max(axis=1)
        blink = np.maximum(blink, shape.astype(np.float32))
    # Gaze: fixations held for a random time, then a small saccade (one step) to a new target.
    gaze = np.zeros((n, 2), np.float32)
    i, target = 0, np.zeros(2)
    while i < n:
        hold = max(1, int(round(rng.uniform(*config.fixation_s) / dt)))
        gaze[i:i + hold] = target
        i += hold
        target = rng.normal(0, config.saccade_deg, 2) * (1.0, 0.6)  # vertical saccades are smaller
    # Head: a sum of slow sinusoids per axis with random phases (band-limited sway) plus breathing.
    head = np.zeros((n, 3), np.float32)
    lo, hi = config.sway_hz
    for axis in range(3):
        freqs = rng.uniform(lo, hi, 3)
        phases = rng.uniform(0, 2 * np.pi, 3)
        wave = np.sin(2 * np.pi * freqs[:, None] * t[None] + phases[:, None]).sum(0)
        head[:, axis] = config.sway_deg * wave / np.sqrt(1.5)  # unit standard deviation of 3 sines
    breath_phase = rng.uniform(0, 2 * np.pi)
    head[:, 1] += config.breath_pitch_deg * np.sin(2 * np.pi * config.breaths_per_min / 60.0 * t + breath_phase)
    return IdleTracks(float(dt), blink, gaze, head, (np.asarray(onsets) / dt).astype(np.int64))


def blinks_per_minute(tracks: IdleTracks) -> float:
    """Blinks per minute seen in the tracks (closures past half, counted once each)."""
    closed = tracks.blink > 0.5
    starts = np.count_nonzero(closed[1:] & ~closed[:-1]) + int(closed[:1].sum())
    return 60.0 * starts / max(len(tracks) * tracks.dt, 1e-9)
