"""Baseline policies for ``hrisim/ConfusionAssist-v0``: when to offer help.

A policy is an object with ``name``, ``needs_image`` (does it look at the camera?), ``reset(seed)``
and ``act(observation, info) -> action`` (0 wait, 1 help). ``info`` is the env's info of the
observation being acted on; only the oracle reads its ground truth.
"""
from __future__ import annotations

import dataclasses
from typing import Protocol

import numpy as np

from sim_env.envs.confusion_assist import HELP, WAIT


class Policy(Protocol):
    name: str
    needs_image: bool

    def reset(self, seed: int | None = None) -> None: ...

    def act(self, observation, info: dict) -> int: ...


class NeverHelp:
    name, needs_image = "never", False

    def reset(self, seed=None):
        pass

    def act(self, observation, info):
        return WAIT


class AlwaysHelp:
    name, needs_image = "always", False

    def reset(self, seed=None):
        pass

    def act(self, observation, info):
        return HELP


class RandomHelp:
    """Offers help with probability ``p`` each step (seeded per episode)."""

    needs_image = False

    def __init__(self, p: float = 0.02, seed: int = 0):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must lie in [0, 1], got {p}")
        self.p, self.seed = p, seed
        self.name = "random"
        self._rng = np.random.default_rng(seed)

    def reset(self, seed=None):
        self._rng = np.random.default_rng([self.seed, 0 if seed is None else int(seed)])

    def act(self, observation, info):
        return HELP if self._rng.random() < self.p else WAIT


class Oracle:
    """Reads the ground truth: helps on the first step (after ``delay_s``) of unanswered confusion."""

    name, needs_image = "oracle", False

    def __init__(self, delay_s: float = 0.0, dt: float = 0.1):
        self.delay_steps = int(round(delay_s / dt))
        self._since = 0

    def reset(self, seed=None):
        self._since = 0

    def act(self, observation, info):
        if "confused" not in info:
            raise KeyError("the oracle needs info['confused'] (hrisim/ConfusionAssist-v0's ground truth)")
        self._since = self._since + 1 if info["confused"] else 0
        return HELP if info["confused"] and self._since > self.delay_steps else WAIT


@dataclasses.dataclass(frozen=True)
class PerceptionConfig:
    """How camera-stream probabilities become help offers."""

    threshold: float = 0.6  # smoothed p(confusion) at or above this ...
    margin: float = 0.0  # ... and above every other class by this much
    smoothing: float = 0.5  # exponential moving average weight of the newest window (1 = none)
    min_steps: int = 3  # consecutive steps above threshold before acting
    cooldown_s: float = 6.0  # no new offer this soon after one
    window: int = 25  # frames per classifier window (the paper's 25)
    stride: int = 1  # classify every ``stride`` frames
    dt: float = 0.1

    def __post_init__(self):
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must lie in [0, 1], got {self.threshold}")
        if not 0.0 < self.smoothing <= 1.0:
            raise ValueError(f"smoothing must lie in (0, 1], got {self.smoothing}")
        if self.window < 1 or self.stride < 1 or self.min_steps < 1:
            raise ValueError("window, stride and min_steps must be >= 1")


class PerceptionPolicy:
    """Helps when an ``ExpressionRecognizer`` on a sliding window of the camera sees confusion.

    ``recognizer`` is any object with ``stream(window, stride)`` returning a streamer whose
    ``push(frame)`` gives ``{class: probability}`` or None while the window fills
    (``perception.recognizer.ExpressionRecognizer`` is the real one; see ``from_checkpoint``).
    """

    needs_image = True

    def __init__(self, recognizer, config: PerceptionConfig | None = None, name: str = "perception"):
        self.recognizer = recognizer
        self.config = config or PerceptionConfig()
        self.name = name
        classes = tuple(getattr(recognizer, "classes", ("anger", "confusion", "disgust")))
        if "confusion" not in classes:
            raise ValueError(f"the recognizer has no 'confusion' class: {classes}")
        self.reset()

    @classmethod
    def from_checkpoint(cls, checkpoint_dir, config: PerceptionConfig | None = None, **load_kwargs):
        from perception.recognizer import ExpressionRecognizer  # heavy (torch, FaceNet): only when used

        return cls(ExpressionRecognizer.load(checkpoint_dir, **load_kwargs), config)

    def reset(self, seed=None):
        c = self.config
        self._stream = self.recognizer.stream(window=c.window, stride=c.stride)
        self._smoothed: dict[str, float] | None = None
        self._above = 0
        self._cooldown = 0
        self.last_probs: dict[str, float] | None = None

    def act(self, observation, info):
        c = self.config
        frame = observation["image"] if isinstance(observation, dict) else observation
        if frame is None or np.ndim(frame) != 3:
            raise ValueError("the perception policy needs image observations (obs_type 'rgb' or 'rgb_state')")
        probs = self._stream.push(np.asarray(frame))
        self._cooldown = max(0, self._cooldown - 1)
        if probs is not None:
            probs = {k: float(v) for k, v in probs.items()}
            if self._smoothed is None:
                self._smoothed = probs
            else:
                a = c.smoothing
                self._smoothed = {k: a * probs[k] + (1 - a) * self._smoothed.get(k, probs[k]) for k in probs}
            self.last_probs = self._smoothed
            p = self._smoothed.get("confusion", 0.0)
            others = max((v for k, v in self._smoothed.items() if k != "confusion"), default=0.0)
            self._above = self._above + 1 if p >= c.threshold and p - others >= c.margin else 0
        if self._above >= c.min_steps and self._cooldown == 0:
            self._cooldown = int(round(c.cooldown_s / c.dt))
            self._above = 0
            return HELP
        return WAIT


BASELINES = ("never", "always", "random", "oracle")


def make_policy(name: str, seed: int = 0, dt: float = 0.1, checkpoint=None, perception: PerceptionConfig | None = None):
    """A policy by name: never | always | random | oracle | perception (needs ``checkpoint``)."""
    if name == "never":
        return NeverHelp()
    if name == "always":
        return AlwaysHelp()
    if name == "random":
        return RandomHelp(seed=seed)
    if name == "oracle":
        return Oracle(dt=dt)
    if name == "perception":
        if checkpoint is None:
            raise ValueError("the perception policy needs a recognizer checkpoint folder (--checkpoint)")
        return PerceptionPolicy.from_checkpoint(checkpoint, perception or PerceptionConfig(dt=dt))
    raise ValueError(f"unknown policy {name!r}: choose from {(*BASELINES, 'perception')}")
