"""How the person moves between and during expressions: idle motion, attention to the robot,
talking, head motion during an expression, and turning and walking away.

The expression itself (which signal frame is shown) is the behaviour model's; this module adds what
makes a person look alive on top of it, seeded per episode. The paper's named failure cases are
options, drawn by the dataset generator's own ``failure_cases.Behaviour``: ``expression_head_deg``
(head movement during an expression), ``talking`` (mouth motion that is not an expression),
``hand_to_face`` (a hand raised to the face) and ``near_static`` (the episode's expressions peak
low); ``idle=None`` is a nearly static person.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from animations.idle import IdleConfig, IdleTracks, idle_tracks, still
from sim_env.envs.person import PersonPose
from sim_env.render.failure_cases import Behaviour, BehaviourTrack

EYE_LIMIT_DEG = 20.0  # the eyes take a gaze target up to this, the head turns for the rest
HEAD_SHARE = 0.35  # share of a gaze shift the head takes (Freedman 2008: small shifts are mostly eyes)
HEAD_LIMIT_DEG = 12.0
HAND_STEADIES_HEAD = 0.8  # a hand on the face holds the head: this much of its sway and turns stop


@dataclasses.dataclass(frozen=True)
class MotionConfig:
    """What the person does besides expressions. Defaults: a natural, idle person."""

    idle: IdleConfig | None = dataclasses.field(default_factory=IdleConfig)  # None: nearly static
    look_at_robot: bool = True  # look at the robot when it approaches or offers help
    approach_m: float = 0.15  # the robot coming this much closer (within attend_s) draws attention
    attend_s: float = 2.5  # how long the person keeps looking at the robot
    attention_blend_s: float = 0.4  # eyes and head turn to the robot (and back) over this time
    expression_head_deg: float = 0.0  # extra head motion during expressions (failure case), degrees
    talking: float = 0.0  # share of neutral time spent talking (mouth moves at syllable rate)
    syllables_per_s: float = 4.0  # speech rate (Pellegrino et al. 2011: about 4-7 syllables/s)
    leave_s: float = 2.0  # the person turns and walks away over this time before leaving
    hand_to_face: float = 0.0  # share of the time a hand rests on the face (failure case, occlusion)
    near_static: float = 0.0  # chance that an episode's expressions peak at 20-35 % (failure case)

    def __post_init__(self):
        if isinstance(self.idle, dict):
            object.__setattr__(self, "idle", IdleConfig(**self.idle))
        for name in ("approach_m", "attend_s", "attention_blend_s", "expression_head_deg", "syllables_per_s",
                     "leave_s"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and np.isfinite(value) and value >= 0):
                raise ValueError(f"MotionConfig.{name}: expected a finite number >= 0, got {value!r}")
        if not 0 <= self.talking <= 1:
            raise ValueError(f"MotionConfig.talking: expected a share in [0, 1], got {self.talking!r}")
        try:
            self.behaviour()
        except ValueError as exc:
            raise ValueError(f"MotionConfig: {exc}") from None

    def behaviour(self) -> Behaviour:
        """The failure cases, as the dataset generator's ``--behaviour`` spells them."""
        return Behaviour(hand_to_face=self.hand_to_face, talking=self.talking,
                         head_motion=self.expression_head_deg, near_static=self.near_static)


def leaving_root(progress: float, feet=(0.0, -0.12)) -> np.ndarray:
    """(4, 4) rigid placement of a person ``progress`` (0..1) of the way through leaving: turn about the
    vertical axis through the feet by up to 180 degrees in the first 40 %, then walk 0.9 m away."""
    p = float(np.clip(progress, 0.0, 1.0))
    turn = np.radians(180.0) * min(1.0, p / 0.4)
    walk = 0.9 * max(0.0, (p - 0.4) / 0.6)
    c, s = np.cos(turn), np.sin(turn)
    pose = np.eye(4)
    pose[:3, :3] = [[c, -s, 0], [s, c, 0], [0, 0, 1]]
    fx, fy = feet
    pose[:3, 3] = [fx - c * fx + s * fy, fy - s * fx - c * fy + walk, 0.0]
    return pose


class PersonMotion:
    """Per-episode motion state; ``pose(...)`` each step."""

    def __init__(self, config: MotionConfig, dt: float):
        self.config, self.dt = config, float(dt)
        self.tracks: IdleTracks = still(1, dt)
        self.behaviour = BehaviourTrack()
        self._attend_until = -1
        self._closest = np.inf
        self._attention = 0.0

    def reset(self, seed: int, n_steps: int) -> None:
        cfg = self.config
        n = max(1, int(n_steps))
        self.tracks = idle_tracks(seed, n, self.dt, cfg.idle) if cfg.idle is not None else still(n, self.dt)
        self.behaviour = cfg.behaviour().draw([int(seed), 0x7A1C], n, self.dt, cfg.syllables_per_s)
        self._attend_until = -1
        self._closest = np.inf
        self._attention = 0.0

    def _at(self, track, i: int, default=0.0):
        return default if track is None else track[min(i, len(track) - 1)]

    def notice(self, step: int) -> None:
        """Something the robot did (an offer of help) draws the person's eyes to it."""
        if self.config.look_at_robot:
            self._attend_until = step + int(round(self.config.attend_s / self.dt))

    def pose(self, step: int, eye_centre: np.ndarray, camera_position: np.ndarray | None,
             expressing: bool = False, neutral: bool = True, leaving: float = 0.0) -> PersonPose:
        cfg, tr = self.config, self.tracks
        i = min(int(step), len(tr) - 1)
        gaze = tr.gaze_deg[i].astype(np.float64)
        head = tr.head_deg[i].astype(np.float64)
        if camera_position is not None and cfg.look_at_robot:
            d = np.asarray(camera_position, np.float64) - np.asarray(eye_centre, np.float64)
            dist = float(np.linalg.norm(d))
            if dist < self._closest - cfg.approach_m:  # the robot came closer: look at it
                self._closest = dist
                if np.isfinite(self._closest) and step > 0:
                    self.notice(step)
            self._closest = min(self._closest, dist)
            target = step < self._attend_until and leaving <= 0
            rate = self.dt / max(cfg.attention_blend_s, 1e-6)
            self._attention = float(np.clip(self._attention + (rate if target else -rate), 0.0, 1.0))
            if self._attention > 0:
                yaw = np.degrees(np.arctan2(d[0], -d[1]))
                pitch = np.degrees(np.arctan2(d[2], np.hypot(d[0], d[1])))
                want = np.array([yaw, pitch])
                head_turn = np.clip(HEAD_SHARE * want, -HEAD_LIMIT_DEG, HEAD_LIMIT_DEG)
                eyes = np.clip(want - head_turn, -EYE_LIMIT_DEG, EYE_LIMIT_DEG)
                a = self._attention
                gaze = (1 - a) * gaze + a * eyes
                head[:2] = (1 - a) * head[:2] + a * (head[:2] * 0.3 + head_turn)
        b = self.behaviour
        hand = float(self._at(b.hand.weight, i)) if b.hand is not None and leaving <= 0 else 0.0
        head *= 1.0 - HAND_STEADIES_HEAD * hand  # the hand holds the head (and stays on the face)
        if expressing:  # the failure case: the head moves while expressing
            head += np.asarray(self._at(b.head_deg, i, np.zeros(3)), np.float64)
        jaw = float(self._at(b.jaw, i)) if neutral else 0.0
        root = leaving_root(leaving) if leaving > 0 else np.eye(4)
        return PersonPose(float(tr.blink[i]), (float(gaze[0]), float(gaze[1])),
                          (float(head[0]), float(head[1]), float(head[2])), jaw, root,
                          hand, b.hand.contact if b.hand is not None else "",
                          round(b.intensity_scale, 2))
