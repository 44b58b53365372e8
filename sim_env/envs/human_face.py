"""``hrisim/HumanFace-v0``: a sandbox. A person plays one social signal on a loop; the robot drives
its base, mast and pan-tilt head. Info carries the full ground truth (emotion, AU intensities, face
box, viewpoint, group), so it serves data collection, active-perception and viewpoint studies.

Reward: how well the face is framed, ``max(0, 1 - |box centre - image centre| / (width / 2))`` while
the whole face box is inside the image, else 0. Never terminates; truncates after ``episode_s``.
"""
from __future__ import annotations

import dataclasses

import numpy as np
from gymnasium import spaces

from sim_env.envs.base import EnvConfig, HriEnv, build_config

# Full-scale velocities for actions of +-1: forward, left (m/s), turn (rad/s), lift (m/s), pan, tilt (rad/s).
MAX_VELOCITY = np.array([0.5, 0.5, 1.0, 0.2, 1.0, 1.0])


@dataclasses.dataclass(frozen=True)
class HumanFaceConfig(EnvConfig):
    episode_s: float = 10.0
    signals: tuple[str, ...] | None = None  # built-in signal ids to draw from (default: all, neutral included)
    hold_s: float = 1.5  # the apex is held this long before the signal replays
    onset_s: float = 2.5  # one playback of the signal's 25 frames


class HumanFaceEnv(HriEnv):
    """Sandbox: move the robot around a person playing a signal. Action: Box(-1, 1, (6,)) velocities
    (forward, left, turn, lift, pan, tilt), scaled by ``MAX_VELOCITY``."""

    needs_geometry = True
    reset_options = ("human", "viewpoint", "signal")

    def __init__(self, render_mode: str | None = None, config: HumanFaceConfig | None = None, **overrides):
        from animations.library import builtin_signals

        config = build_config(HumanFaceConfig, config, overrides)
        super().__init__(config, render_mode)
        library = builtin_signals()
        self.signals = tuple(config.signals) if config.signals is not None else tuple(library)
        unknown = [s for s in self.signals if s not in library]
        if unknown or not self.signals:
            raise ValueError(f"unknown signals {unknown}; built-in ids: {list(library)}")
        self.emotions = {s: library[s].emotion for s in self.signals}
        self.action_space = spaces.Box(-1.0, 1.0, (6,), np.float32)
        self.signal = self.signals[0]

    def _face(self):
        c = self.config
        onset = max(1, round(c.onset_s / c.dt))
        cycle = onset + max(0, round(c.hold_s / c.dt))
        frame = min(24, ((self.t % cycle) * 25) // onset)
        return (None, -1) if self.signal == "neutral" else (self.signal, int(frame))

    def _info(self) -> dict:
        return self._ground_truth(self.emotions[self.signal])

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        human, viewpoint, options = self._pick(options)
        signal = options.get("signal")
        if signal is None:
            signal = self.signals[int(self.np_random.integers(len(self.signals)))]
        elif signal not in self.emotions:
            raise ValueError(f"reset option signal={signal!r} is not one of {list(self.signals)}")
        self.signal = signal
        self.t = 0
        self._place(human, viewpoint)
        return self._observation(), self._info()

    def step(self, action):
        a = np.clip(np.asarray(action, np.float64).reshape(6), -1.0, 1.0) * MAX_VELOCITY
        self.world.command_twist(*a)
        self.world.step(self.config.dt)
        self.t += 1
        obs = self._observation()
        info = self._info()
        box = info["face_box"]
        reward = 0.0
        if info["face_visible"]:
            centre = np.array([(box[0] + box[2]) / 2 - self.config.width / 2, (box[1] + box[3]) / 2 - self.config.height / 2])
            reward = float(max(0.0, 1.0 - np.linalg.norm(centre) / (self.config.width / 2)))
        return obs, reward, False, self.t >= self.config.max_steps, info
