"""``hrisim/ConfusionAssist-v0``: notice a person's confusion and offer help, without pestering.

A seeded behaviour model (``sim_env.envs.behaviour``) plays neutral spells, confusion episodes and
anger/disgust distractors on the person at the counter. Each step (``dt`` = 0.1 s by default) the
robot waits or offers help; with ``camera_control`` it may instead nudge its head.

Reward (``RewardConfig``): ``help`` for an offer during a confusion episode or within ``grace_s``
after it (the first offer per episode), ``interrupt`` (a cost) for any other offer, ``unattended_per_s
* dt`` for every step of confusion nobody has answered yet, ``leave`` when the person walks away
(which terminates the episode). ``info["outcome"]`` names what the step's offer did;
``info["episode_outcome"]`` (on the last step) sums up the episode: success, confusions, helped,
interruptions, latencies.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from gymnasium import spaces

from sim_env.envs.base import EnvConfig, HriEnv, build_config
from sim_env.envs.behaviour import BehaviourConfig, HumanBehaviour

WAIT, HELP, PAN_LEFT, PAN_RIGHT, TILT_UP, TILT_DOWN = range(6)
ACTION_NAMES = ("wait", "help", "pan_left", "pan_right", "tilt_up", "tilt_down")
HEAD_RATE = 0.5  # rad/s of a head nudge (about 3 degrees per 0.1 s step)


@dataclasses.dataclass(frozen=True)
class RewardConfig:
    help: float = 1.0
    interrupt: float = -0.5
    unattended_per_s: float = -0.2
    leave: float = -2.0


@dataclasses.dataclass(frozen=True)
class ConfusionAssistConfig(EnvConfig):
    behaviour: BehaviourConfig = dataclasses.field(default_factory=BehaviourConfig)
    reward: RewardConfig = dataclasses.field(default_factory=RewardConfig)
    camera_control: bool = False  # Discrete(6) with head nudges instead of Discrete(2)
    max_interruptions: int = 0  # an episode succeeds with at most this many interruptions

    def __post_init__(self):
        if isinstance(self.behaviour, dict):
            object.__setattr__(self, "behaviour", BehaviourConfig(**{"dt": self.dt, **self.behaviour}))
        if isinstance(self.reward, dict):
            object.__setattr__(self, "reward", RewardConfig(**self.reward))
        if self.behaviour.dt != self.dt:  # one clock: the env's
            object.__setattr__(self, "behaviour", dataclasses.replace(self.behaviour, dt=self.dt))
        super().__post_init__()


def episode_outcome(behaviour: HumanBehaviour, offers: int, interruptions: int, max_interruptions: int) -> dict:
    """The episode's summary. Confusion still open and unanswered at truncation counts as missed once it
    has lasted the shortest confusion (``confusion_s[0]``); younger, it is censored (left out)."""
    dt = behaviour.config.dt
    young = behaviour.config.steps(behaviour.config.confusion_s[0])
    confusions = [e for e in behaviour.events if e.is_confusion
                  and not (e.end is None and e.helped_at is None and behaviour.t - e.start < young)]
    helped = [e for e in confusions if e.helped_at is not None]
    left = any(e.outcome == "left" for e in behaviour.events)
    return {
        "success": bool(not left and len(helped) == len(confusions) and interruptions <= max_interruptions),
        "confusions": len(confusions),
        "helped": len(helped),
        "left": left,
        "offers": offers,
        "interruptions": interruptions,
        "latency_s": [round((e.helped_at - e.start) * dt, 6) for e in helped],
        "distractors": sum(not e.is_confusion for e in behaviour.events),
        "duration_s": round(behaviour.t * dt, 6),
    }


class ConfusionAssistEnv(HriEnv):
    """Offer help when the person is confused. Actions: 0 wait, 1 help (+ 2..5 head nudges)."""

    reset_options = ("human", "viewpoint", "signal")

    def __init__(self, render_mode: str | None = None, config: ConfusionAssistConfig | None = None, **overrides):
        from animations.library import builtin_signals

        config = build_config(ConfusionAssistConfig, config, overrides)
        super().__init__(config, render_mode)
        signals: dict[str, list[str]] = {}
        for sid, sig in builtin_signals().items():
            signals.setdefault(sig.emotion, []).append(sid)
        self.behaviour = HumanBehaviour(config.behaviour, signals)
        self.action_space = spaces.Discrete(6 if config.camera_control else 2)
        self._offers = self._interruptions = 0

    def _face(self):
        s = self.behaviour.state
        return s.signal_id, s.frame

    def _phase(self) -> dict:
        return {**super()._phase(), "leaving": self._leaving_progress()}

    def _leaving_progress(self) -> float:
        """0 while the person stays; rising to 1 over ``motion.leave_s`` before an unattended
        confusion ends in leaving (help in that time still reaches them, and they turn back)."""
        b = self.behaviour
        if b.left:
            return 1.0
        ev = b.current
        if ev is None or not ev.is_confusion or ev.helped_at is not None or not ev.would_leave:
            return 0.0
        n = max(1, int(round(self.config.motion.leave_s / self.config.dt)))
        start = ev.start + ev.base_steps + ev.extra_steps - n
        return float(np.clip((b.t - start + 1) / n, 0.0, 1.0)) if b.t >= start else 0.0

    def _info(self, outcome: str | None = None) -> dict:
        s = self.behaviour.state
        info = self._ground_truth(s.emotion)
        info["confused"] = s.confused
        info["outcome"] = outcome or "none"
        return info

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        human, viewpoint, options = self._pick(options)
        signal = options.get("signal")
        if signal is not None and not any(signal in ids for ids in self.behaviour.signals.values()):
            raise ValueError(f"reset option signal={signal!r} is not a built-in anger/confusion/disgust signal")
        self.behaviour.reset(int(self.np_random.integers(2**31 - 1)), force_signal=signal)
        self.t = 0
        self._offers = self._interruptions = 0
        self._place(human, viewpoint)
        return self._observation(), self._info()

    def step(self, action):
        if self.behaviour.left:
            raise RuntimeError("the episode is over (the person left): call reset()")
        if not self.action_space.contains(action):
            action = int(np.asarray(action).item())
            if not self.action_space.contains(action):
                raise ValueError(f"action must be in {self.action_space}, got {action!r}")
        action = int(action)
        if self.config.camera_control:
            pan = {PAN_LEFT: HEAD_RATE, PAN_RIGHT: -HEAD_RATE}.get(action, 0.0)
            tilt = {TILT_UP: -HEAD_RATE, TILT_DOWN: HEAD_RATE}.get(action, 0.0)
            self.world.command_twist(0.0, 0.0, 0.0, 0.0, pan, tilt)
        self.world.step(self.config.dt)
        result = self.behaviour.step(action == HELP)
        self.t += 1
        r = self.config.reward
        reward = 0.0
        outcome = None
        if action == HELP:
            self.motion.notice(self.t)  # the robot spoke: the person looks at it
            self._offers += 1
            if result.helped:
                reward += r.help
                outcome = "helped"
            else:
                reward += r.interrupt
                self._interruptions += 1
                outcome = "interrupted"
        if result.unattended:
            reward += r.unattended_per_s * self.config.dt
        if result.left:
            reward += r.leave
            outcome = "left"
        terminated = result.left
        truncated = not terminated and self.t >= self.config.max_steps
        obs = self._observation()
        info = self._info(outcome)
        if terminated or truncated:
            info["episode_outcome"] = episode_outcome(self.behaviour, self._offers, self._interruptions,
                                                      self.config.max_interruptions)
        return obs, float(reward), terminated, truncated, info
