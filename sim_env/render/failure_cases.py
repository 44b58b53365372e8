"""The paper's named failure cases as seeded behaviour options of a performance.

Near-static expressions (the apex reached at a small intensity), head movement during an
expression, talking mouth motion and a hand raised to the face (occlusion). ``Behaviour`` says how
often each happens; ``Behaviour.draw(seed, n_frames, dt)`` draws what one performance does, frame
by frame (a ``BehaviourTrack``). The dataset generator draws one track per human × animation and
the environments draw theirs per episode from the same functions, so a policy meets exactly the
failure cases a dataset holds. Everything is off by default.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from humans.pose import CONTACTS, SIDES

RAISE_S = (0.3, 0.6)  # a hand is raised (and lowered) over this long, seconds (drawn per spell)
SPELL_S = (1.5, 4.0)  # a hand spell or talking spell lasts this long, seconds (drawn)
NEAR_STATIC_SCALE = (0.2, 0.35)  # a near-static expression peaks at this share of its intensity
HEAD_MOTION_MAX_DEG = 30.0
SYLLABLES_PER_S = 4.0  # speech rate (Pellegrino et al. 2011: about 4-7 syllables/s)


@dataclasses.dataclass(frozen=True)
class Behaviour:
    """How often the failure cases happen. Shares are of the time (seeded spells of 1.5-4 s),
    ``near_static`` is the chance that an expression peaks at 20-35 % of its intensity and
    ``head_motion`` the amplitude (degrees) of head movement while expressing."""

    hand_to_face: float = 0.0
    talking: float = 0.0
    head_motion: float = 0.0
    near_static: float = 0.0

    def __post_init__(self):
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            top = HEAD_MOTION_MAX_DEG if f.name == "head_motion" else 1.0
            what = f"degrees in [0, {top:g}]" if f.name == "head_motion" else "a share in [0, 1]"
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or not 0 <= value <= top:
                raise ValueError(f"behaviour {f.name}: expected {what}, got {value!r}")
            object.__setattr__(self, f.name, float(value))

    @property
    def enabled(self) -> bool:
        return any(getattr(self, f.name) for f in dataclasses.fields(self))

    def text(self) -> str:
        """The CLI form: ``none`` or ``hand_to_face=0.3,talking=0.2`` (only what is on)."""
        on = [f"{f.name}={getattr(self, f.name):g}" for f in dataclasses.fields(self) if getattr(self, f.name)]
        return ",".join(on) or "none"

    def draw(self, seed, n_frames: int, dt: float, syllables_per_s: float = SYLLABLES_PER_S) -> "BehaviourTrack":
        """What one performance of ``n_frames`` frames (``dt`` s apart) does, drawn from ``seed``."""
        n = max(1, int(n_frames))
        # One stream per case, so turning one case on never changes another's draw.
        children = np.random.SeedSequence(seed).spawn(4)
        streams = {name: np.random.default_rng(c) for name, c in zip(("hand", "talk", "head", "static"), children)}
        hand = None
        if self.hand_to_face > 0:
            r = streams["hand"]
            weight = spell_weight(r, n, dt, self.hand_to_face)
            side, contact = SIDES[int(r.integers(len(SIDES)))], CONTACTS[int(r.integers(len(CONTACTS)))]
            if weight.any():
                hand = HandSpell(side, contact, weight)
        jaw = talk_track(streams["talk"], n, dt, self.talking, syllables_per_s) if self.talking > 0 \
            else np.zeros(n, np.float32)
        head = np.zeros((n, 3), np.float32)
        if self.head_motion > 0:
            phase = streams["head"].uniform(0, 2 * np.pi)
            head = head_motion_deg(np.arange(n) * dt, self.head_motion, phase)
        scale = 1.0
        if self.near_static > 0 and streams["static"].random() < self.near_static:
            scale = float(streams["static"].uniform(*NEAR_STATIC_SCALE))
        return BehaviourTrack(scale, head, jaw, hand)


def parse_behaviour(text) -> Behaviour:
    """``none`` | ``hand_to_face=0.3,talking=0.2,head_motion=8,near_static=0.2`` (any subset)."""
    if isinstance(text, Behaviour):
        return text
    if text is None or str(text).strip() in ("", "none"):
        return Behaviour()
    names = [f.name for f in dataclasses.fields(Behaviour)]
    values = {}
    for item in str(text).split(","):
        key, eq, value = item.partition("=")
        key = key.strip()
        if key not in names:
            raise ValueError(f"behaviour {key!r}: unknown option; expected NAME=VALUE with NAME one of {names}")
        if not eq:
            raise ValueError(f"behaviour {key}: expected {key}=VALUE, got {item.strip()!r}")
        if key in values:
            raise ValueError(f"behaviour {key}: given twice")
        try:
            values[key] = float(value)
        except ValueError:
            raise ValueError(f"behaviour {key}: expected a number, got {value.strip()!r}") from None
    return Behaviour(**values)


@dataclasses.dataclass(frozen=True)
class HandSpell:
    """A hand raised to the face: which hand, where it rests, and how far raised per frame (0..1)."""

    side: str  # L | R (the subject's)
    contact: str  # cheek | mouth | chin
    weight: np.ndarray  # (T,)


@dataclasses.dataclass(frozen=True)
class BehaviourTrack:
    """What one performance does besides its expression, per frame."""

    intensity_scale: float = 1.0  # < 1: a near-static expression
    head_deg: np.ndarray | None = None  # (T, 3) yaw, pitch, roll added to the expression's head
    jaw: np.ndarray | None = None  # (T,) talking mouth opening (ARKit jawOpen), 0..1
    hand: HandSpell | None = None

    @property
    def is_still(self) -> bool:
        """Nothing to add: the plain performance."""
        return (self.intensity_scale == 1.0 and self.hand is None
                and (self.head_deg is None or not np.any(self.head_deg))
                and (self.jaw is None or not np.any(self.jaw)))

    def labels(self, n_frames: int, occlusion: np.ndarray | None = None) -> dict:
        """Arrays for a clip's labels file: what the performance did per frame and, from ``occlusion``
        (T,) (``Performance.occlusion`` of the clip's view), how much of the face box the hand hid."""
        n = int(n_frames)
        hand = self.hand
        cover = np.zeros(n, np.float32) if occlusion is None else np.asarray(occlusion, np.float32)
        return {
            "hand_occlusion": cover,
            "face_occluded": cover > 0,
            "behaviour_intensity_scale": np.float32(self.intensity_scale),
            "behaviour_head_deg": (self.head_deg if self.head_deg is not None else np.zeros((n, 3))).astype(np.float32),
            "behaviour_jaw": (self.jaw if self.jaw is not None else np.zeros(n)).astype(np.float32),
            "hand_weight": (hand.weight if hand else np.zeros(n)).astype(np.float32),
            "hand_side": np.asarray(hand.side if hand else ""),
            "hand_contact": np.asarray(hand.contact if hand else ""),
        }


def spells(rng, n: int, dt: float, share: float, length_s=SPELL_S) -> np.ndarray:
    """(n,) bool: spells of ``length_s`` seconds (drawn), each on with probability ``share``; the
    schedule starts at a random phase of its first spell, so spells begin and end inside short clips."""
    on = np.zeros(n, bool)
    i = -int(rng.uniform(0, length_s[1]) / dt)
    while i < n:
        length = max(1, int(rng.uniform(*length_s) / dt))
        if rng.random() < share:
            on[max(i, 0):max(i + length, 0)] = True
        i += length
    return on


def spell_weight(rng, n: int, dt: float, share: float) -> np.ndarray:
    """(n,) 0..1 how far the hand is raised: ``spells`` with minimum-jerk rises and falls of
    ``RAISE_S`` (drawn), centred on each spell's edges."""
    on = spells(rng, n, dt, share)
    ramp_s = rng.uniform(*RAISE_S)
    if not on.any():
        return np.zeros(n, np.float32)
    t = np.arange(n) * dt
    edges = np.flatnonzero(np.diff(on.astype(np.int8)))  # last index before each change
    w = on.astype(np.float64)
    for e in edges:
        centre = (e + 0.5) * dt
        x = np.clip((t - centre) / ramp_s + 0.5, 0.0, 1.0)
        rise = x ** 3 * (10 - 15 * x + 6 * x ** 2)  # minimum jerk
        near = np.abs(t - centre) < ramp_s / 2
        w[near] = rise[near] if on[e + 1] else 1 - rise[near]
    return w.astype(np.float32)


def talk_track(rng, n: int, dt: float, share: float, rate: float = SYLLABLES_PER_S) -> np.ndarray:
    """(n,) mouth opening of talking spells covering ``share`` of the time, at syllable ``rate``."""
    speaking = spells(rng, n, dt, share, (1.0, 4.0))
    t = np.arange(n) * dt
    syllables = 0.5 * (1 - np.cos(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi)))
    out = np.zeros(n, np.float32)
    out[speaking] = (0.12 + 0.18 * syllables[speaking]).astype(np.float32)
    return out


def head_motion_deg(t_s: np.ndarray, amplitude_deg: float, phase: float = 0.0) -> np.ndarray:
    """(n, 3) yaw, pitch, roll of head movement while expressing: incommensurate slow sways."""
    t = np.asarray(t_s, np.float64)[:, None]
    freq = np.array([2.1, 1.3, 1.7])
    gain = np.array([1.0, 0.6, 0.4])
    offset = np.array([0.0, 1.0, 0.0]) + phase
    return (amplitude_deg * gain * np.sin(freq * t + offset)).astype(np.float32)
