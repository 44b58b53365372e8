"""A seeded model of a person at a counter: neutral spells, confusion episodes, anger/disgust distractors.

Why a model and not a replayed script: the person must react to the robot. Help during (or soon
after) confusion resolves it; unattended confusion lasts longer and may end with the person leaving.

Common random numbers: everything about event ``i`` (its kind, signal, durations, whether the person
would leave) is drawn from its own generator ``default_rng([seed, i])``, so two policies run on the
same seed face the same people and the same events; only the timing shifts with their actions.

Everything here is render-free and counts in steps of ``dt`` seconds.
"""
from __future__ import annotations

import dataclasses
from typing import Mapping, Sequence

import numpy as np

EMOTIONS = ("anger", "confusion", "disgust")


def _range(name: str, value) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a (low, high) pair of seconds, got {value!r}") from None
    if not 0 < lo <= hi:
        raise ValueError(f"{name} must satisfy 0 < low <= high, got {value!r}")
    return lo, hi


@dataclasses.dataclass(frozen=True)
class BehaviourConfig:
    """Timing (seconds) and probabilities of the person's behaviour."""

    dt: float = 0.1  # seconds per step
    neutral_s: tuple[float, float] = (2.0, 6.0)  # neutral spell before each event
    p_confusion: float = 0.5  # an event is confusion with this probability, else a distractor
    distractors: tuple[str, ...] = ("anger", "disgust")
    confusion_s: tuple[float, float] = (3.0, 5.0)  # confusion left alone lasts this long ...
    unattended_extra_s: tuple[float, float] = (3.0, 6.0)  # ... plus this much more
    p_leave: float = 0.4  # then the person leaves with this probability (else it subsides)
    distractor_s: tuple[float, float] = (2.0, 4.0)
    grace_s: float = 1.5  # help this soon after confusion ends still counts
    onset_s: float = 2.5  # one playback of a signal's 25 frames (onset to apex); the apex is then held
    offset_s: float = 0.5  # the expression fades back to neutral

    def __post_init__(self):
        if not self.dt > 0:
            raise ValueError(f"dt must be positive, got {self.dt}")
        for name in ("neutral_s", "confusion_s", "unattended_extra_s", "distractor_s"):
            object.__setattr__(self, name, _range(name, getattr(self, name)))
        for name in ("p_confusion", "p_leave"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {getattr(self, name)}")
        object.__setattr__(self, "distractors", tuple(self.distractors))
        bad = [d for d in self.distractors if d not in EMOTIONS or d == "confusion"]
        if bad or (not self.distractors and self.p_confusion < 1):
            raise ValueError(f"distractors must be a non-empty subset of ('anger', 'disgust'), got {self.distractors}")
        for name in ("grace_s", "onset_s", "offset_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")

    def steps(self, seconds: float) -> int:
        return max(1, int(round(seconds / self.dt)))


@dataclasses.dataclass
class Event:
    """One expressive event and what became of it (steps are env steps since reset)."""

    index: int
    kind: str  # confusion | anger | disgust
    signal_id: str
    start: int
    base_steps: int  # planned length
    extra_steps: int  # added to unattended confusion
    would_leave: bool
    neutral_after: int  # steps of the neutral spell that follows
    end: int | None = None  # first step no longer in the event
    helped_at: int | None = None
    outcome: str | None = None  # helped | subsided | left | ended (distractor) | None while open

    @property
    def is_confusion(self) -> bool:
        return self.kind == "confusion"


@dataclasses.dataclass(frozen=True)
class State:
    """What the person shows at the current step (the ground truth a policy must infer)."""

    emotion: str  # neutral | anger | confusion | disgust (the expression on the face)
    signal_id: str | None
    frame: int  # signal frame in [0, 25), -1 when neutral
    confused: bool  # in a confusion event nobody has helped with yet
    event: int | None  # index of the event the face belongs to


@dataclasses.dataclass(frozen=True)
class StepResult:
    helped: bool = False  # this help offer resolved (or answered) a confusion
    interrupted: bool = False  # this help offer came when nobody was confused
    unattended: bool = False  # the person was confused and not helped during this step
    left: bool = False  # the person walked away at the end of this step
    latency_steps: int | None = None  # confusion onset -> help


class HumanBehaviour:
    """The person's state machine; ``step(help)`` consumes one robot decision."""

    def __init__(self, config: BehaviourConfig, signals: Mapping[str, Sequence[str]], n_signal_frames: int = 25):
        missing = [e for e in ("confusion", *config.distractors) if not signals.get(e)]
        if missing:
            raise ValueError(f"no signals for emotions {missing}")
        self.config = config
        self.signals = {e: tuple(sorted(ids)) for e, ids in signals.items()}
        self.n_frames = n_signal_frames
        self.seed = 0
        self.events: list[Event] = []
        self.t = 0
        self.left = False

    # -- schedule ---------------------------------------------------------------------------------
    def reset(self, seed: int, force_signal: str | None = None) -> State:
        self.seed = int(seed)
        self.t = 0
        self.left = False
        self.events = []
        cfg = self.config
        self._neutral_until = cfg.steps(np.random.default_rng([self.seed, 2**31 - 1]).uniform(*cfg.neutral_s))
        self._force_signal = force_signal
        self._offset: tuple[int, int, int] | None = None  # (start step, start frame, event)
        return self.state

    def _new_event(self, start: int) -> Event:
        cfg, i = self.config, len(self.events)
        rng = np.random.default_rng([self.seed, i])
        kind = "confusion" if rng.random() < cfg.p_confusion else cfg.distractors[rng.integers(len(cfg.distractors))]
        signals = self.signals[kind]
        signal = signals[rng.integers(len(signals))]
        base = rng.uniform(*(cfg.confusion_s if kind == "confusion" else cfg.distractor_s))
        extra = rng.uniform(*cfg.unattended_extra_s)
        would_leave = bool(rng.random() < cfg.p_leave)
        neutral = rng.uniform(*cfg.neutral_s)
        if i == 0 and self._force_signal is not None:  # a caller's choice for the first event (sandbox, tests)
            signal = self._force_signal
            kind = next(e for e, ids in self.signals.items() if signal in ids)
        event = Event(i, kind, signal, start, cfg.steps(base), cfg.steps(extra) if kind == "confusion" else 0,
                      would_leave, cfg.steps(neutral))
        self.events.append(event)
        return event

    @property
    def current(self) -> Event | None:
        """The open event, if any."""
        return self.events[-1] if self.events and self.events[-1].end is None else None

    @property
    def state(self) -> State:
        ev = self.current
        if ev is not None:
            k = self.t - ev.start
            onset = self.config.steps(self.config.onset_s)
            frame = min(self.n_frames - 1, (k * self.n_frames) // onset)
            confused = ev.is_confusion and ev.helped_at is None
            return State(ev.kind, ev.signal_id, int(frame), confused, ev.index)
        if self._offset is not None:
            start, f0, idx = self._offset
            n = self.config.steps(self.config.offset_s)
            j = self.t - start
            if j < n:
                ev = self.events[idx]
                return State(ev.kind, ev.signal_id, int(round(f0 * (n - 1 - j) / n)), False, idx)
        return State("neutral", None, -1, False, None)

    def _grace_target(self) -> Event | None:
        """The last confusion, if it ended unhelped less than ``grace_s`` ago."""
        for ev in reversed(self.events):
            if ev.end is not None and ev.is_confusion:
                grace = int(round(self.config.grace_s / self.config.dt))
                if ev.helped_at is None and ev.outcome == "subsided" and self.t < ev.end + grace:
                    return ev
                return None
        return None

    def _close(self, ev: Event, outcome: str, at: int) -> None:
        ev.end, ev.outcome = at, outcome
        state_frame = min(self.n_frames - 1, ((at - 1 - ev.start) * self.n_frames) // self.config.steps(self.config.onset_s))
        self._offset = (at, max(0, state_frame), ev.index)
        self._neutral_until = at + ev.neutral_after

    # -- dynamics ---------------------------------------------------------------------------------
    def step(self, help: bool) -> StepResult:
        """Apply the robot's decision at the current step, then advance one step."""
        if self.left:
            raise RuntimeError("the person has left: reset the behaviour model")
        ev = self.current
        helped = interrupted = False
        latency = None
        unattended = ev is not None and ev.is_confusion and ev.helped_at is None
        if help:
            target = ev if unattended else self._grace_target()
            if target is not None:
                target.helped_at = self.t
                target.outcome = "helped"
                helped, latency = True, self.t - target.start
                if target is ev:
                    self._close(ev, "helped", self.t + 1)
            else:
                interrupted = True
        self.t += 1
        t = self.t
        left = False
        ev = self.current
        if ev is not None:
            if ev.is_confusion:
                if t >= ev.start + ev.base_steps + ev.extra_steps:
                    left = ev.would_leave
                    self._close(ev, "left" if left else "subsided", t)
            elif t >= ev.start + ev.base_steps:
                self._close(ev, "ended", t)
        elif t >= self._neutral_until:
            self._offset = None
            self._new_event(t)
        self.left = left
        return StepResult(helped, interrupted, unattended and not helped, left, latency)
