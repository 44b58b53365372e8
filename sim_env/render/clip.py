"""Render one person performing one AU timeline, seen from several robot viewpoints.

Mesh deformation is computed once per clip (batched over frames) and shared by every view; each
view then costs one draw per frame.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from humans.topology import BODY_VERTICES

from humans.mesh import HumanBody, HumanFrames
from sim_env.render.camera import RobotCamera
from sim_env.render.lighting import Lighting, lighting_preset
from sim_env.render.renderer import Background, Renderer, add_lights
from sim_env.render.viewpoints import Viewpoint

# hm08 vertices used as 2D landmarks (chosen on the neutral template; they follow every shape).
NOSE_TIP_VERTEX = 297
LANDMARK_NAMES = ("left_eye", "right_eye", "nose_tip", "mouth_left", "mouth_right")


@dataclasses.dataclass(frozen=True)
class ClipLabels:
    """Per-frame ground truth of a rendered clip."""

    au_keys: tuple[str, ...]
    au_values: np.ndarray  # (T, K) timeline intensities per AU key
    au_intensities: dict[int, np.ndarray]  # AU number -> (T,)
    face_boxes: np.ndarray  # (V, T, 4) x0, y0, x1, y1 pixels of the projected face
    landmarks: np.ndarray  # (V, T, 5, 2) pixels, LANDMARK_NAMES order
    viewpoints: tuple[Viewpoint, ...]


@dataclasses.dataclass(frozen=True)
class Clip:
    frames: np.ndarray  # (V, T, H, W, 3) uint8
    labels: ClipLabels


@functools.lru_cache(maxsize=1)
def face_box_vertices() -> np.ndarray:
    """hm08 vertices of the face as face detectors box it: mid-forehead to chin, temple to temple.

    Chosen so that MTCNN's boxes on our renders overlap ours (median IoU 0.87 over the paper's views).
    """
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices

    p = face_frame_coordinates(template_vertices()) * 1000.0
    body = np.arange(len(p)) < BODY_VERTICES[1]
    sel = body & (p[:, 2] < 60) & (p[:, 2] > -118) & (np.abs(p[:, 0]) < 72) & (p[:, 1] < 25)
    return np.flatnonzero(sel)


@functools.lru_cache(maxsize=1)
def mouth_corner_vertices() -> tuple[int, int]:
    """Left/right mouth corners: the outermost lip vertices of the template."""
    from humans.appearance import face_regions
    from humans.body_model import template_vertices

    idx = np.flatnonzero(face_regions().lips > 0.5)
    x = template_vertices()[idx, 0]
    return int(idx[np.argmax(x)]), int(idx[np.argmin(x)])


def render_views(
    renderer: Renderer,
    scene,
    actor,
    frames: HumanFrames,
    cameras: list[RobotCamera],
    eye_yaw_pitch_deg: np.ndarray | None = None,
    background: Background | None = None,
    gaze_in_mesh: bool = False,
) -> np.ndarray:
    """(V, T, H, W, 3) images of prepared frames from each camera.

    ``gaze_in_mesh``: the frames' eye helpers already carry the gaze (morph-target rigs).
    """
    if gaze_in_mesh:
        actor.prepare(frames, eye_yaw_pitch_deg, gaze_in_mesh=True)
    else:
        actor.prepare(frames, eye_yaw_pitch_deg)
    t = frames.n_frames
    out = np.empty((len(cameras), t, cameras[0].height, cameras[0].width, 3), np.uint8)
    for i in range(t):
        actor.show(scene, i)
        for v, cam in enumerate(cameras):
            out[v, i] = renderer.render(scene, cam, background)
    return out


def project_labels(frames: HumanFrames, cameras: list[RobotCamera]) -> tuple[np.ndarray, np.ndarray]:
    """Face boxes (V, T, 4) and landmarks (V, T, 5, 2) in pixels."""
    face = frames.vertices[:, face_box_vertices()]
    ml, mr = mouth_corner_vertices()
    points = np.concatenate(
        [frames.eye_centres, frames.vertices[:, [NOSE_TIP_VERTEX, ml, mr]]], axis=1
    )
    boxes, marks = [], []
    for cam in cameras:
        uv = cam.project(face)
        boxes.append(np.concatenate([uv.min(1), uv.max(1)], axis=-1))
        marks.append(cam.project(points))
    return np.asarray(boxes, np.float32), np.asarray(marks, np.float32)


APPEARANCES = ("builtin", "assets")
EXPOSURES = ("fixed", "face")
# Face-priority auto-exposure: the metered face is brought to this mean linear luminance (about
# mid-grey in sRGB, 0.27 linear ~ 0.55 sRGB), within +-3 stops, as a robot camera's AE would.
FACE_EXPOSURE_TARGET = 0.27
FACE_EXPOSURE_STOPS = 3.0


def face_exposure(frames: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Re-expose a view's frames (T, H, W, 3) so the face, metered in ``boxes`` (T, 4), is mid-grey.

    One gain for the whole clip (metered on the median box over all frames), like a camera whose
    exposure is locked once it has found the face: no flicker within a clip. Applied in linear
    light through a 256-entry table, so highlights clip as a real sensor's would.
    """
    h, w = frames.shape[1:3]
    x0, y0, x1, y1 = np.median(boxes, axis=0)
    x0, y0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
    x1, y1 = min(w, int(np.ceil(x1))), min(h, int(np.ceil(y1)))
    if x1 <= x0 or y1 <= y0:  # the face is out of view: nothing to meter
        return frames
    linear = (np.arange(256) / 255.0) ** 2.2
    face = linear[frames[:, y0:y1, x0:x1]]
    metered = float((face @ np.array([0.2126, 0.7152, 0.0722])).mean())
    gain = np.clip(FACE_EXPOSURE_TARGET / max(metered, 1e-6), 2 ** -FACE_EXPOSURE_STOPS, 2 ** FACE_EXPOSURE_STOPS)
    table = np.round(255 * np.clip(linear * gain, 0, 1) ** (1 / 2.2)).astype(np.uint8)
    return table[frames]


def asset_look(human, asset_roots=None):
    """The person's MakeHuman look from ``asset_roots`` (AssetRoots, folders, or None = configured)."""
    from humans.assets import AssetRoots
    from sim_env.render.actor import AssetLook

    roots = asset_roots if isinstance(asset_roots, AssetRoots) else AssetRoots.configured(asset_roots)
    return AssetLook.load(human, roots)


def render_clip(
    human,
    timeline=None,
    viewpoints: tuple[Viewpoint, ...] | list[Viewpoint] = (Viewpoint(0, 0),),
    n_frames: int = 25,
    size: int = 160,
    yfov_deg: float = 25.0,
    rig: str = "arkit",
    lighting: Lighting | str = "studio",
    background: Background | None = None,
    renderer: Renderer | None = None,
    variant: str = "head",
    appearance: str = "builtin",
    asset_roots=None,
    exposure: str = "fixed",
) -> Clip:
    """Render ``human`` (a HumanSpec) playing ``timeline`` (an AUTimeline; None = neutral).

    Returns frames (views, T, H, W, 3) uint8 and labels: AU intensities, face boxes, landmarks.

    The faithful MakeHuman path is ``rig="facshuman", appearance="assets"``: ``appearance="assets"``
    draws the skin, hair, brows, lashes and eyes the spec names from MakeHuman asset roots
    (``asset_roots``: a ``humans.assets.AssetRoots``, a list of folders, or None for the configured
    ones); the default ``"builtin"`` is hrisim's own look.

    ``exposure``: ``"fixed"`` (the scene's light as rendered) or ``"face"``, a camera's face-priority
    auto-exposure locked for the clip (see :func:`face_exposure`).
    """
    import pyrender

    from animations.rigs import get_rig
    from humans.appearance import appearance_for
    from sim_env.render.actor import HumanActor

    if n_frames < 1:
        raise ValueError(f"n_frames must be at least 1, got {n_frames}")
    if not viewpoints:
        raise ValueError("need at least one viewpoint")
    lighting = lighting_preset(lighting) if isinstance(lighting, str) else lighting
    body = HumanBody.from_spec(human)
    if timeline is None:
        keys, values = [], np.zeros((n_frames, 0), np.float32)
    else:
        keys, values = timeline.sample(n_frames)
    if appearance not in APPEARANCES:
        raise ValueError(f"unknown appearance {appearance!r}: expected one of {APPEARANCES}")
    if exposure not in EXPOSURES:
        raise ValueError(f"unknown exposure {exposure!r}: expected one of {EXPOSURES}")
    rig_frames = get_rig(rig).apply(list(keys), values)
    frames = body.frames(rig_frames.facial_actions, rig_frames.head_yaw_pitch_roll_deg,
                         morph_offsets_hm08=rig_frames.morph_offsets_hm08,
                         head_forward_m=rig_frames.head_forward_m)
    cameras = [
        RobotCamera.around_face(body.face_centre, vp.horizontal_deg, vp.vertical_deg, vp.distance,
                                width=size, height=size, yfov_deg=yfov_deg)
        for vp in viewpoints
    ]
    own = renderer is None
    renderer = renderer or Renderer(size, size)
    try:
        scene = pyrender.Scene()
        look = asset_look(human, asset_roots) if appearance == "assets" else None
        actor = HumanActor(body, appearance_for(human), variant, look=look)
        actor.add_to(scene, renderer)
        add_lights(scene, lighting, body.face_centre)
        gaze = rig_frames.eye_yaw_pitch_deg
        if look is not None and look.proxy("eyes") is not None and rig == "arkit":
            from animations.rigs.arkit import eye_bone_residual_deg

            gaze = eye_bone_residual_deg(rig_frames)  # the eye proxy already turns with anny's units
        images = render_views(renderer, scene, actor, frames, cameras, gaze, background,
                              gaze_in_mesh=rig_frames.morph_offsets_hm08 is not None)
        for mesh in actor.meshes.values():
            renderer.dynamic_meshes.remove(mesh)
    finally:
        if own:
            renderer.close()
    boxes, marks = project_labels(frames, cameras)
    if exposure == "face":
        images = np.stack([face_exposure(images[v], boxes[v]) for v in range(len(cameras))])
    labels = ClipLabels(tuple(keys), values, rig_frames.au_intensities, boxes, marks, tuple(viewpoints))
    return Clip(images, labels)
