"""A person performing a timeline: the body, the rig's frames, per-frame geometry and the labels.

``Performance`` is what the dataset generator renders into clips and what the environments show
frame by frame, so a policy is evaluated on exactly the people, rigs and expressions a dataset
holds. Drawing is the actor's job (``make_actor``); this module knows no GL.
"""
from __future__ import annotations

import functools

import numpy as np

from humans.mesh import HumanBody, HumanFrames
from humans.topology import BODY_VERTICES

# hm08 vertices used as 2D landmarks (chosen on the neutral template; they follow every shape).
NOSE_TIP_VERTEX = 297
LANDMARK_NAMES = ("left_eye", "right_eye", "nose_tip", "mouth_left", "mouth_right")


@functools.lru_cache(maxsize=8)
def body_for(spec) -> HumanBody:
    """The person's body model (about a second to build; kept for the last few people)."""
    return HumanBody.from_spec(spec)


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


def project_labels(frames: HumanFrames, cameras) -> tuple[np.ndarray, np.ndarray]:
    """Face boxes (V, T, 4) x0, y0, x1, y1 and landmarks (V, T, 5, 2) in pixels of each camera."""
    face = frames.vertices[:, face_box_vertices()]
    ml, mr = mouth_corner_vertices()
    points = np.concatenate([frames.eye_centres, frames.vertices[:, [NOSE_TIP_VERTEX, ml, mr]]], axis=1)
    boxes, marks = [], []
    for cam in cameras:
        uv = cam.project(face)
        boxes.append(np.concatenate([uv.min(1), uv.max(1)], axis=-1))
        marks.append(cam.project(points))
    return np.asarray(boxes, np.float32), np.asarray(marks, np.float32)


class Performance:
    """``human`` (a HumanSpec) playing ``timeline`` (an AUTimeline; None = a still, neutral face)
    over ``n_frames`` frames with ``rig`` (``arkit`` | ``facshuman``).

    Holds the rig's per-frame output and the body's per-frame geometry (one batched forward);
    ``labels(cameras)`` projects the face boxes and landmarks for any cameras. ``behaviour`` (a
    ``failure_cases.BehaviourTrack``, frames after the neutral lead) adds the paper's failure cases:
    a near-static expression, head movement, talking, a hand raised to the face (a second forward
    with the arm posed onto the face of the first).
    """

    def __init__(self, human, timeline=None, n_frames: int = 25, rig: str = "arkit", neutral_lead: int = 0,
                 behaviour=None):
        from animations.rigs import get_rig

        if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 1:
            raise ValueError(f"n_frames must be a whole number of frames >= 1, got {n_frames!r}")
        self.human, self.timeline, self.rig = human, timeline, rig
        self.behaviour = None if behaviour is None or behaviour.is_still else behaviour
        self.body = body_for(human)
        if timeline is None:
            keys, values = (), np.zeros((int(n_frames), 0), np.float32)
        else:
            keys, values = timeline.sample(int(n_frames))
        if self.behaviour is not None and self.behaviour.intensity_scale != 1.0:  # near-static: a small apex
            values = (values * np.float32(self.behaviour.intensity_scale)).astype(np.float32)
        lead = int(neutral_lead)
        if lead:  # still, neutral frames before the timeline (an env shows them between events)
            values = np.concatenate([np.zeros((lead, values.shape[1]), np.float32), values])
        self.au_keys: tuple[str, ...] = tuple(keys)
        self.au_values: np.ndarray = values
        self.rig_frames = get_rig(rig).apply(list(keys), values)
        r = self.rig_frames
        actions, head = r.facial_actions, r.head_yaw_pitch_roll_deg
        track = self.behaviour
        if track is not None:
            actions, head = _with_behaviour(actions, head, track, lead)
        self.frames: HumanFrames = self.body.frames(actions, head, morph_offsets_hm08=r.morph_offsets_hm08,
                                                    head_forward_m=r.head_forward_m)
        self.hand = track.hand if track is not None else None
        if self.hand is not None:  # the arm posed onto the face of the first pass
            from humans.pose import hand_to_face_deltas

            weight = np.concatenate([np.zeros(lead, np.float32), self.hand.weight])
            deltas = hand_to_face_deltas(self.body, self.frames, self.hand.side, self.hand.contact, weight)
            self.frames = self.body.frames(actions, head, morph_offsets_hm08=r.morph_offsets_hm08,
                                           head_forward_m=r.head_forward_m, bone_deltas=deltas)

    def drawn_variant(self, variant: str = "head") -> str:
        """The mesh variant that draws this performance: the head's, plus the raised arm."""
        return f"head+arm.{self.hand.side}" if self.hand is not None and variant == "head" else variant

    def occlusion(self, cameras) -> np.ndarray:
        """(V, T) share of each frame's face box the raised hand covers, seen from each camera (0 without)."""
        out = np.zeros((len(cameras), self.n_frames), np.float32)
        if self.hand is None:
            return out
        from sim_env.render.occlusion import hand_cover

        boxes, _ = self.labels(cameras)
        raised = np.flatnonzero(np.concatenate([np.zeros(self.n_frames - len(self.hand.weight)), self.hand.weight]) > 0)
        for v, cam in enumerate(cameras):
            for i in raised:
                out[v, i] = hand_cover(self.frames.vertices[i], self.hand.side, cam, boxes[v, i])
        return out

    @property
    def n_frames(self) -> int:
        return self.frames.n_frames

    @property
    def au_intensities(self) -> dict[int, np.ndarray]:
        """AU number -> (T,) intensity the rig realised."""
        return self.rig_frames.au_intensities

    @property
    def gaze_in_mesh(self) -> bool:
        """Morph-target rigs carry the gaze in the eye helper vertices (no eye bones to turn)."""
        return self.rig_frames.gaze_in_mesh

    def eye_angles(self, look=None) -> np.ndarray:
        """(T, 2) eye yaw/pitch the actor adds; MakeHuman eye proxies already turn with anny's units."""
        if look is not None and look.proxy("eyes") is not None and self.rig == "arkit":
            from animations.rigs.arkit import eye_bone_residual_deg

            return eye_bone_residual_deg(self.rig_frames)
        return self.rig_frames.eye_yaw_pitch_deg

    def au_at(self, index: int) -> dict[int, float]:
        """AU number -> intensity shown at frame ``index``."""
        return {au: round(float(v[index]), 6) for au, v in sorted(self.au_intensities.items())}

    def labels(self, cameras) -> tuple[np.ndarray, np.ndarray]:
        """Face boxes (V, T, 4) and landmarks (V, T, 5, 2) of every frame in every camera."""
        return project_labels(self.frames, cameras)

    def face_box(self, camera, index: int) -> np.ndarray:
        """(x0, y0, x1, y1) pixels of frame ``index``'s face in ``camera``."""
        uv = camera.project(self.frames.vertices[index, face_box_vertices()])
        return np.concatenate([uv.min(0), uv.max(0)]).astype(np.float32)


def _with_behaviour(actions: np.ndarray, head: np.ndarray, track, lead: int):
    """Facial actions with talking and head angles with head movement (frames after ``lead``)."""
    from animations.rigs.arkit_table import ARKIT_UNITS

    actions, head = np.array(actions, np.float32), np.array(head, np.float32)
    if track.jaw is not None and np.any(track.jaw):
        jaw = ARKIT_UNITS.index("jawOpen")
        actions[lead:, jaw] = np.clip(actions[lead:, jaw] + track.jaw[: len(actions) - lead], 0.0, 1.0)
    if track.head_deg is not None and np.any(track.head_deg):
        head[lead:] += track.head_deg[: len(head) - lead]
    return actions, head


def asset_look(human, asset_roots=None):
    """The person's MakeHuman look from ``asset_roots`` (AssetRoots, folders, or None = configured)."""
    from humans.assets import AssetRoots
    from sim_env.render.actor import AssetLook

    roots = asset_roots if isinstance(asset_roots, AssetRoots) else AssetRoots.configured(asset_roots)
    return AssetLook.load(human, roots)


def make_actor(human, options, variant: str = "head"):
    """The drawable person for ``options`` (built-in look, or MakeHuman assets)."""
    from humans.appearance import appearance_for
    from sim_env.render.actor import HumanActor

    look = asset_look(human, options.asset_roots) if options.appearance == "assets" else None
    return HumanActor(body_for(human), appearance_for(human), variant, look=look, folds=options.folds,
                      wrinkles=options.folds and options.wrinkles)


def prepare_actor(actor, performance: Performance) -> None:
    """Give ``actor`` every frame of ``performance`` (batched normals), ready for ``actor.show``."""
    actor.prepare(performance.frames, performance.eye_angles(actor.look), gaze_in_mesh=performance.gaze_in_mesh,
                  au_intensities=performance.au_intensities, fold_weights=performance.rig_frames.fold_weights)
