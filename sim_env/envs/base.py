"""What both hrisim environments share: config, the scene (pybullet world + lazily created view),
choosing a person and a viewpoint at reset, observations and ground-truth info.

Subclasses say what the person does (``_face``: which signal frame is shown) and what the robot's
actions mean; everything else lives here once.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from sim_env.envs.motion import MotionConfig, PersonMotion
from sim_env.envs.world import STATE_HIGH, STATE_LOW, Layout, World
from sim_env.render.options import RenderOptions
from sim_env.render.viewpoints import Viewpoint, paper9, parse_viewpoints

OBS_TYPES = ("rgb", "rgb_state", "state")
RENDER_CAMERAS = ("robot", "overview")


@dataclasses.dataclass(frozen=True)
class EnvConfig:
    """Scene and observation settings shared by every hrisim environment."""

    width: int = 160
    height: int = 160
    obs_type: str = "rgb"  # rgb: image Box; rgb_state: Dict(image, state); state: robot state only, no rendering
    suite: str = "balanced24"  # any ``humans.suites.load_suite`` string
    humans: tuple[str, ...] | None = None  # restrict to these ids of the suite
    viewpoints: Any = "paper9"  # paper9 | grid:H,..;V,.. | random:N | a sequence of Viewpoint / (h, v[, d])
    distance: float = 1.3  # metres from the face, for string viewpoint sets (a counter is in between)
    yfov_deg: float = 18.0
    lighting: str = "studio"  # studio | office | window | dim | random[:PRESET] (drawn per env seed)
    # How the person is drawn, as in ``hrisim generate`` (None = RenderOptions' default):
    rig: str | None = None  # arkit | facshuman
    appearance: str | None = None  # builtin | assets (MakeHuman skins and proxies)
    asset_path: str | None = None  # MakeHuman asset roots, os.pathsep-separated
    exposure: str | None = None  # fixed | face
    motion: MotionConfig = dataclasses.field(default_factory=MotionConfig)  # idle motion, attention, leaving
    dt: float = 0.1  # seconds per env step (render_fps = 1 / dt)
    episode_s: float = 60.0  # truncation
    render_camera: str = "robot"  # what render() shows: the robot camera or a third-person overview
    seed: int = 0  # seeds the ``random:N`` viewpoint set

    def __post_init__(self):
        if self.obs_type not in OBS_TYPES:
            raise ValueError(f"obs_type must be one of {OBS_TYPES}, got {self.obs_type!r}")
        if self.render_camera not in RENDER_CAMERAS:
            raise ValueError(f"render_camera must be one of {RENDER_CAMERAS}, got {self.render_camera!r}")
        if self.width < 8 or self.height < 8:
            raise ValueError(f"images must be at least 8x8, got {self.width}x{self.height}")
        if not self.dt > 0 or not self.episode_s >= self.dt:
            raise ValueError(f"need dt > 0 and episode_s >= dt, got dt={self.dt}, episode_s={self.episode_s}")
        if self.humans is not None:
            object.__setattr__(self, "humans", tuple(self.humans))
        if isinstance(self.motion, dict):
            object.__setattr__(self, "motion", MotionConfig(**self.motion))
        self.render_options()  # a bad rig, appearance or exposure fails when the env is made

    def render_options(self) -> RenderOptions:
        """The dataset generator's ``RenderOptions`` for this env's camera."""
        given = {"rig": self.rig, "appearance": self.appearance, "asset_roots": self.asset_path,
                 "exposure": self.exposure}
        return RenderOptions(width=self.width, height=self.height, yfov_deg=self.yfov_deg, lighting=self.lighting,
                             **{k: v for k, v in given.items() if v is not None})

    @property
    def max_steps(self) -> int:
        return max(1, int(round(self.episode_s / self.dt)))

    def viewpoint_set(self) -> tuple[Viewpoint, ...]:
        return as_viewpoints(self.viewpoints, self.distance, self.seed)


def as_viewpoints(value, distance: float, seed: int = 0) -> tuple[Viewpoint, ...]:
    """A viewpoint-set string (CLI syntax) or a sequence of Viewpoint / (h, v[, d]) tuples."""
    if isinstance(value, str):
        if value == "paper9":
            return paper9(distance)
        views = parse_viewpoints(value, seed)
        if value.startswith("grid:"):
            views = tuple(Viewpoint(v.horizontal_deg, v.vertical_deg, distance) for v in views)
        return views
    out = []
    for v in value:
        out.append(as_viewpoint(v, distance))
    if not out:
        raise ValueError("the viewpoint set is empty")
    return tuple(out)


def as_viewpoint(v, distance: float) -> Viewpoint:
    if isinstance(v, Viewpoint):
        return v
    try:
        vals = [float(x) for x in v]
    except (TypeError, ValueError):
        vals = []
    if len(vals) not in (2, 3):
        raise ValueError(f"a viewpoint is a Viewpoint or (horizontal_deg, vertical_deg[, distance]), got {v!r}")
    return Viewpoint(vals[0], vals[1], vals[2] if len(vals) == 3 else distance)


def build_config(cls, config, overrides: dict):
    """``config`` (an instance of ``cls`` or None) with keyword overrides; unknown keys are an error."""
    config = config or cls()
    if not isinstance(config, cls):
        raise TypeError(f"config must be a {cls.__name__}, got {type(config).__name__}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise TypeError(f"unknown {cls.__name__} options {unknown}; valid: {sorted(names)}")
    return dataclasses.replace(config, **overrides) if overrides else config


class HriEnv(gym.Env):
    """A robot facing a person across a counter; subclasses define the task."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}
    #: Per-task: does info need the face's projected box even without images (sandbox reward)?
    needs_geometry = False
    #: reset options accepted by every env (subclasses extend)
    reset_options = ("human", "viewpoint")

    def __init__(self, config: EnvConfig, render_mode: str | None = None):
        if render_mode not in (None, *self.metadata["render_modes"]):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        from humans.suites import load_suite

        self.config = config
        self.render_mode = render_mode
        self.metadata = {**self.metadata, "render_fps": round(1.0 / config.dt, 6)}
        humans = list(load_suite(config.suite))
        if config.humans is not None:
            by_id = {h.id: h for h in humans}
            missing = [h for h in config.humans if h not in by_id]
            if missing:
                raise ValueError(f"humans {missing} are not in suite {config.suite!r}; it has {sorted(by_id)}")
            humans = [by_id[h] for h in config.humans]
        self.humans = humans
        self.viewpoints = config.viewpoint_set()
        self.options = config.render_options()
        self.world = World(Layout())
        if config.humans is not None or config.viewpoints != EnvConfig.viewpoints or config.distance != EnvConfig.distance:
            self._check_reachable()  # an explicit request the robot cannot serve is refused now, by name
        self.view = None  # SceneView, created on first draw (one GL context per process)
        image = spaces.Box(0, 255, (config.height, config.width, 3), np.uint8)
        state = spaces.Box(STATE_LOW, STATE_HIGH, dtype=np.float32)
        self.observation_space = {"rgb": image, "state": state,
                                  "rgb_state": spaces.Dict({"image": image, "state": state})}[config.obs_type]
        self.human = humans[0]
        self.viewpoint = self.viewpoints[0]
        self.t = 0
        self._image: np.ndarray | None = None
        self.motion = PersonMotion(config.motion, config.dt)
        self.pose = None  # the person's idle motion and placement at the current step

    def _check_reachable(self) -> None:
        """Every (person, viewpoint) of the configuration can be served by the robot's reach."""
        from sim_env.envs import person

        for human in self.humans:
            face = person.face_centre(human)
            for vp in self.viewpoints:
                try:
                    self.world.place_camera(face, vp)
                except ValueError as exc:
                    raise ValueError(f"person {human.id!r}, viewpoint {vp.name}: {exc}") from None

    # -- person, view, observation ------------------------------------------------------------------
    @property
    def _draws(self) -> bool:
        return self.config.obs_type != "state"

    def _geometry(self) -> bool:
        return self._draws or self.needs_geometry

    def _pick(self, options: dict | None):
        options = dict(options or {})
        unknown = sorted(set(options) - set(self.reset_options))
        if unknown:
            raise ValueError(f"unknown reset options {unknown}; {type(self).__name__} accepts {list(self.reset_options)}")
        human = options.get("human")
        if human is None:
            human = self.humans[int(self.np_random.integers(len(self.humans)))]
        elif isinstance(human, str):
            found = [h for h in self.humans if h.id == human]
            if not found:
                raise ValueError(f"reset option human={human!r} is not one of {[h.id for h in self.humans]}")
            human = found[0]
        else:
            from humans.spec import HumanSpec

            if not isinstance(human, HumanSpec):
                raise ValueError(f"reset option human must be a suite id or a HumanSpec, got {type(human).__name__}")
        vp = options.get("viewpoint")
        if vp is None:
            vp = self.viewpoints[int(self.np_random.integers(len(self.viewpoints)))]
        elif isinstance(vp, (int, np.integer)):
            vp = self.viewpoints[int(vp)]
        else:
            vp = as_viewpoint(vp, self.config.distance)
        return human, vp, options

    def _place(self, human, viewpoint) -> None:
        from sim_env.envs import person

        self.human, self.viewpoint = human, viewpoint
        face = person.face_centre(human) if self._geometry() else _TYPICAL_FACE
        try:
            self.world.place_camera(face, viewpoint)
        except ValueError as exc:
            raise ValueError(f"person {human.id!r}, viewpoint {viewpoint.name}: {exc}") from None
        self.motion.reset(int(self.np_random.integers(2**31 - 1)), self.config.max_steps + 1)
        self.pose = None
        if self._draws or self.render_mode == "rgb_array":
            self._ensure_view().set_human(human)

    def _ensure_view(self):
        if self.view is None:
            from sim_env.envs.view import SceneView

            self.view = SceneView(self.world, self.options, self.config.seed, hand=self._hands)
        return self.view

    @property
    def _hands(self) -> bool:
        """Whether people may raise a hand to the face (the failure case is on)."""
        return self.config.motion.hand_to_face > 0

    def _face(self) -> tuple[str | None, int]:
        """(signal id or None, frame) shown now. Subclasses implement."""
        raise NotImplementedError

    def _phase(self) -> dict:
        """What the person is doing now, for their motion: ``expressing``, ``neutral``, ``leaving`` (0..1)."""
        signal, frame = self._face()
        return {"expressing": signal is not None and frame >= 0, "neutral": signal is None or frame < 0}

    def _advance_pose(self) -> None:
        """The person's idle motion and placement for this step (once per step: attention has state)."""
        from sim_env.envs import person

        face = person.face_centre(self.human) if self._geometry() else _TYPICAL_FACE
        camera = self.world.camera_pose()[:3, 3]
        self.pose = self.motion.pose(self.t, face, camera, **self._phase())

    def _face_box(self) -> np.ndarray:
        """(x0, y0, x1, y1) pixels of the face as shown now, in the robot camera's image."""
        from sim_env.envs import person
        from sim_env.render.camera import RobotCamera

        signal, frame = self._face()
        points = person.face_points(self.human, signal, frame, self.options.rig, self.pose)
        cam = RobotCamera(width=self.config.width, height=self.config.height, yfov_deg=self.config.yfov_deg,
                          pose=self.world.camera_pose())
        uv = cam.project(points)
        return np.concatenate([uv.min(0), uv.max(0)]).astype(np.float32)

    def _draw(self, camera: str = "robot") -> np.ndarray:
        view = self._ensure_view()
        view.set_human(self.human)
        if self.pose is None:
            self._advance_pose()
        view.show(*self._face(), pose=self.pose)
        if camera == "robot":
            return view.draw(view.camera(self.world.camera_pose()), self._face_box())
        return view.draw(view.overview_camera())

    def _observation(self):
        self._advance_pose()
        state = self.world.robot_state()
        if not self._draws:
            self._image = None
            return state
        self._image = self._draw()
        return self._image if self.config.obs_type == "rgb" else {"image": self._image, "state": state}

    def _ground_truth(self, emotion: str) -> dict:
        from sim_env.envs import person

        signal, frame = self._face()
        h, vp = self.human, self.viewpoint
        pose = self.pose
        scale = pose.intensity_scale if pose is not None else 1.0
        info = {
            "emotion": emotion,
            "signal": signal or "neutral",
            "au": person.au_at(h, signal, frame, self.options.rig, scale) if self._geometry() else {},
            "human": h.id,
            "group": h.group,
            "gender": h.sex,
            "age_years": float(h.age_years),
            "skin_tone": int(h.effective_skin_tone),
            "viewpoint": (float(vp.horizontal_deg), float(vp.vertical_deg), float(vp.distance)),
            "step": self.t,
        }
        if pose is not None:
            info["idle"] = {"blink": round(pose.blink, 4), "gaze_deg": pose.gaze_deg, "head_deg": pose.head_deg,
                            "talking": pose.jaw > 0, "leaving": bool(not np.array_equal(pose.root, np.eye(4))),
                            "hand": round(pose.hand, 4), "hand_contact": pose.contact,
                            "intensity_scale": pose.intensity_scale}
        if self._geometry():
            box = self._face_box()
            info["face_box"] = box
            info["face_visible"] = bool(box[0] >= 0 and box[1] >= 0 and box[2] <= self.config.width
                                        and box[3] <= self.config.height)
            if self._hands:  # how much of the face box the raised hand hides, as the dataset labels it
                info["hand_occlusion"] = self._hand_occlusion(box)
                info["face_occluded"] = info["hand_occlusion"] > 0
        return info

    def _hand_occlusion(self, box: np.ndarray) -> float:
        from sim_env.envs import person
        from sim_env.render.camera import RobotCamera
        from sim_env.render.occlusion import hand_cover

        if self.pose is None or self.pose.hand <= 0:
            return 0.0
        vertices = person.shown_vertices(self.human, *self._face(), self.options.rig, self.pose, hand=True)
        cam = RobotCamera(width=self.config.width, height=self.config.height, yfov_deg=self.config.yfov_deg,
                          pose=self.world.camera_pose())
        return round(hand_cover(vertices, person.hand_side(self.human), cam, box), 4)

    # -- gym API ------------------------------------------------------------------------------------
    def render(self):
        if self.render_mode != "rgb_array":
            return None
        if self.config.render_camera == "robot" and self._image is not None:
            return self._image
        return self._draw(self.config.render_camera)

    def close(self):
        if self.view is not None:
            self.view.close()
            self.view = None
        if self.world is not None:
            self.world.close()
            self.world = None


# Where a typical adult's face is, for placing the robot when no mesh is built (obs_type="state").
_TYPICAL_FACE = np.array([0.0, -0.17, 1.55])
