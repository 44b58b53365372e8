"""Render one person performing one AU timeline, seen from several robot viewpoints.

Mesh deformation is computed once per clip (batched over frames) and shared by every view; each
view then costs one draw per frame.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from sim_env.render.camera import RobotCamera
from sim_env.render.camera_model import ClipCamera, develop_clip
from sim_env.render.options import RenderOptions
from sim_env.render.performance import LANDMARK_NAMES, Performance, make_actor, prepare_actor  # noqa: F401
from sim_env.render.renderer import Background, Renderer, add_lights
from sim_env.render.viewpoints import Viewpoint


@dataclasses.dataclass(frozen=True)
class ClipLabels:
    """Per-frame ground truth of a rendered clip."""

    au_keys: tuple[str, ...]
    au_values: np.ndarray  # (T, K) timeline intensities per AU key
    au_intensities: dict[int, np.ndarray]  # AU number -> (T,)
    face_boxes: np.ndarray  # (V, T, 4) x0, y0, x1, y1 pixels of the projected face
    landmarks: np.ndarray  # (V, T, 5, 2) pixels, LANDMARK_NAMES order
    viewpoints: tuple[Viewpoint, ...]
    occlusion: np.ndarray | None = None  # (V, T) share of the face box a raised hand covers (behaviour)
    behaviour: object = None  # the failure_cases.BehaviourTrack performed, or None


@dataclasses.dataclass(frozen=True)
class Clip:
    frames: np.ndarray  # (V, T, H, W, 3) uint8
    labels: ClipLabels
    camera: tuple[ClipCamera, ...] = ()  # per view: the exposure and white balance the camera chose


def render_views(renderer: Renderer, scene, actor, performance: Performance, cameras: list[RobotCamera],
                 background: Background | None = None) -> np.ndarray:
    """(V, T, H, W, 3) scene-linear float16 images of every frame of ``performance`` from each
    camera (``camera_model.develop`` makes them pictures)."""
    prepare_actor(actor, performance)
    t = performance.n_frames
    out = np.empty((len(cameras), t, cameras[0].height, cameras[0].width, 3), np.float16)
    for i in range(t):
        actor.show(scene, i)
        for v, cam in enumerate(cameras):
            out[v, i] = renderer.render_linear(scene, cam, background)
    return out


def render_clip(
    human,
    timeline=None,
    viewpoints: tuple[Viewpoint, ...] | list[Viewpoint] = (Viewpoint(0, 0),),
    n_frames: int = 25,
    options: RenderOptions | None = None,
    *,
    renderer: Renderer | None = None,
    variant: str = "head",
    seed: int = 0,
    behaviour=None,
    **settings,
) -> Clip:
    """Render ``human`` (a HumanSpec) playing ``timeline`` (an AUTimeline; None = neutral).

    Returns frames (views, T, H, W, 3) uint8 and labels: AU intensities, face boxes, landmarks.
    ``viewpoints`` are ``Viewpoint``s around the face or ``RobotCamera``s placed anywhere.

    ``options`` (a ``RenderOptions``) says how the picture is made; keyword ``settings`` override
    its fields (``size=`` sets width and height), e.g. ``render_clip(spec, t, paper9(), size=160,
    rig="facshuman", appearance="assets")`` is the faithful MakeHuman path. ``seed`` draws a
    ``random`` lighting preset. ``behaviour``: a ``failure_cases.BehaviourTrack`` (the paper's
    failure cases: near-static, head motion, talking, a hand raised to the face).
    """
    import pyrender

    if not viewpoints:
        raise ValueError("need at least one viewpoint")
    options = _options(options, settings)
    performance = Performance(human, timeline, n_frames, options.rig, behaviour=behaviour)
    body = performance.body
    cameras = [  # a viewpoint around the face, or a camera placed by the caller (a robot's, say)
        vp if isinstance(vp, RobotCamera) else
        RobotCamera.around_face(body.face_centre, vp.horizontal_deg, vp.vertical_deg, vp.distance,
                                width=options.width, height=options.height, yfov_deg=options.yfov_deg)
        for vp in viewpoints
    ]
    own = renderer is None
    renderer = renderer or Renderer(options.width, options.height, antialias=options.antialias)
    try:
        scene = pyrender.Scene()
        actor = make_actor(human, options, performance.drawn_variant(variant))
        actor.add_to(scene, renderer)
        add_lights(scene, options.lighting_for(seed), body.face_centre)
        images = render_views(renderer, scene, actor, performance, cameras, options.background_value())
        actor.remove_from(renderer)
    finally:
        if own:
            renderer.close()
    boxes, marks = performance.labels(cameras)
    developed = [develop_clip(images[v], boxes[v], options, seed=seed, index=v) for v in range(len(cameras))]
    images = np.stack([d[0] for d in developed])
    labels = ClipLabels(performance.au_keys, performance.au_values, performance.au_intensities, boxes, marks,
                        tuple(viewpoints), performance.occlusion(cameras) if performance.hand else None,
                        performance.behaviour)
    return Clip(images, labels, tuple(d[1] for d in developed))


def _options(options: RenderOptions | None, settings: dict) -> RenderOptions:
    """``options`` with keyword overrides (the legacy loose arguments of ``render_clip``)."""
    if "size" in settings:
        size = settings.pop("size")
        settings.setdefault("width", size)
        settings.setdefault("height", size)
    if options is None:
        return RenderOptions.make(**settings)
    return options.replace(**settings) if settings else options
