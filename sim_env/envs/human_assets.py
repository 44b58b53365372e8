"""Per-process caches of what is expensive about a person: the body (~1 s to build) and the mesh of
each signal (one batched anny forward per (human, signal), never one per env step).

A signal is meshed once at ``SIGNAL_FRAMES`` frames, prefixed by the neutral face, so that frame 0
is neutral and frame ``k + 1`` is the signal's k-th frame: one ``HumanActor.prepare`` per event.
"""
from __future__ import annotations

import functools
import zlib

import numpy as np

COLLAR_HEIGHT = 0.835  # fraction of body height where the shirt ends at the neck
SIGNAL_FRAMES = 25  # the paper's clip length; the behaviour model stretches it in time
_NO_AU: dict[int, float] = {}


@functools.lru_cache(maxsize=8)
def human_body(spec):
    from humans.mesh import HumanBody

    return HumanBody.from_spec(spec)


@functools.lru_cache(maxsize=None)
def signal_rig(signal_id: str | None, n_frames: int = SIGNAL_FRAMES):
    """RigFrames of a built-in signal (None or ``neutral`` = a still face). Cheap: no mesh."""
    from animations.library import get_signal
    from animations.rigs import get_rig

    keys, values = ([], np.zeros((n_frames, 0), np.float32))
    if signal_id not in (None, "neutral"):
        keys, values = get_signal(signal_id).sample(n_frames)
    return get_rig("arkit").apply(list(keys), values)


def au_at(signal_id: str | None, frame: int) -> dict[int, float]:
    """AU number -> intensity shown at ``frame`` (-1 = neutral) of ``signal_id``."""
    if signal_id is None or frame < 0:
        return dict(_NO_AU)
    rig = signal_rig(signal_id)
    return {au: round(float(v[frame]), 6) for au, v in sorted(rig.au_intensities.items())}


@functools.lru_cache(maxsize=8)
def expression_basis(spec) -> tuple[np.ndarray, np.ndarray]:
    """(rest vertices (V, 3), per-unit offsets (52, V, 3)) of a person's ARKit face units.

    anny's face units are morph targets skinned with a fixed pose, so a face is exactly
    ``rest + weights @ offsets`` (checked to 1e-6 m in the tests): one anny forward of 53 frames per
    person replaces one per (person, signal), and a new signal costs a matrix product.
    """
    from humans.mesh import N_FACE_UNITS

    units = np.vstack([np.zeros((1, N_FACE_UNITS), np.float32), np.eye(N_FACE_UNITS, dtype=np.float32)])
    verts = human_body(spec).frames(units).vertices
    return verts[0], verts[1:] - verts[0]


@functools.lru_cache(maxsize=24)
def face_frames(spec, signal_id: str | None):
    """(HumanFrames of 1 + SIGNAL_FRAMES frames, eye angles (T, 2)): neutral first, then the signal."""
    from humans.mesh import HumanFrames
    from humans.topology import EYE_VERTICES

    body = human_body(spec)
    rig = signal_rig(signal_id)
    actions = np.concatenate([np.zeros((1, rig.facial_actions.shape[1]), np.float32), rig.facial_actions])
    head = np.concatenate([np.zeros((1, 3), np.float32), rig.head_yaw_pitch_roll_deg])
    eyes = np.concatenate([np.zeros((1, 2), np.float32), rig.eye_yaw_pitch_deg])
    if np.any(head):  # head motion is skinned by bones: the full model
        return body.frames(actions, head), eyes
    rest, offsets = expression_basis(spec)
    verts = rest + (actions @ offsets.reshape(len(offsets), -1)).reshape(len(actions), *rest.shape)
    centres = np.stack([verts[:, slice(*EYE_VERTICES[s])].mean(1) for s in ("L", "R")], axis=1)
    rotation = np.broadcast_to(np.eye(3, dtype=np.float32), (len(actions), 3, 3)).copy()
    return HumanFrames(verts.astype(np.float32), centres, body.eye_radius, rotation), eyes


def clothes_colours(spec) -> tuple[np.ndarray, np.ndarray]:
    """A seeded shirt and trousers colour (sRGB) per person, stable across processes."""
    rng = np.random.default_rng(zlib.crc32(spec.id.encode()))
    shirts = np.array([[0.2, 0.35, 0.6], [0.55, 0.15, 0.2], [0.25, 0.45, 0.3], [0.8, 0.75, 0.65],
                       [0.3, 0.3, 0.35], [0.85, 0.55, 0.2], [0.5, 0.4, 0.6]])
    trousers = np.array([[0.12, 0.14, 0.2], [0.3, 0.25, 0.2], [0.2, 0.2, 0.22], [0.45, 0.4, 0.33]])
    return shirts[rng.integers(len(shirts))], trousers[rng.integers(len(trousers))]


@functools.lru_cache(maxsize=8)
def clothed_body(spec):
    """Static (positions, normals, linear colours, triangles) of the body below the animated head part.

    The head variant of ``HumanActor`` ends at the upper chest; the rest of the body never moves
    with the face, so it is meshed once in the rest pose and dressed in flat clothes colours.
    """
    from humans.appearance import appearance_for, skin_vertex_colours, srgb_to_linear
    from humans.mesh import smooth_normals
    from humans.topology import base_obj_groups, part_topologies, quads_to_triangles

    body = human_body(spec)
    rest = body.rest_vertices
    top = float(rest[:, 2].max())
    head_ids = np.zeros(len(rest), bool)
    head_ids[part_topologies("head")["skin"].vertex_ids] = True
    quads = base_obj_groups()["body"]
    in_head = np.all(head_ids[quads], axis=1)
    # Below the animated part: the body itself, dressed. Over the upper chest and shoulders: a shell
    # 4 mm outside the skin, shirt below the neckline and the person's own skin colours above it,
    # so the shell's (quad-stepped) edge is invisible and the neckline is a smooth blend.
    neckline = COLLAR_HEIGHT * top
    shell = in_head & np.all(rest[quads, 2] < neckline + 0.04, axis=1)
    shirt, trousers = (srgb_to_linear(np.asarray(c, np.float64)) for c in clothes_colours(spec))
    appearance = appearance_for(spec)
    skin_rgb = skin_vertex_colours(appearance).astype(np.float64)
    pieces = []
    for sel, lift in ((~in_head, 0.0), (shell, 0.004)):
        tris = quads_to_triangles(quads[sel])
        ids, local = np.unique(tris, return_inverse=True)
        tris = local.reshape(-1, 3).astype(np.int32)
        pos = rest[ids]
        normals = smooth_normals(pos[None], tris)[0]
        z = pos[:, 2] / top
        if lift == 0.0:
            colours = np.where((z < 0.5)[:, None], trousers, shirt)
            colours = np.where((z < 0.04)[:, None], srgb_to_linear(np.array([0.08, 0.07, 0.07])), colours)  # shoes
            hands = np.abs(pos[:, 0]) > 0.36 * top / 1.7  # hands and wrists below the sleeves
            colours = np.where(hands[:, None], skin_rgb[ids], colours)
        else:
            w = np.clip((pos[:, 2] - neckline + 0.006) / 0.012, 0.0, 1.0)[:, None]
            colours = (1 - w) * shirt + w * skin_rgb[ids]
        pieces.append((pos + lift * normals, normals, colours, tris))
    offset = np.cumsum([0] + [len(p[0]) for p in pieces[:-1]])
    pos = np.concatenate([p[0] for p in pieces])
    normals = np.concatenate([p[1] for p in pieces])
    colours = np.concatenate([p[2] for p in pieces])
    tris = np.concatenate([p[3] + o for p, o in zip(pieces, offset)])
    return pos.astype(np.float32), normals.astype(np.float32), colours.astype(np.float32), tris


def face_centre(spec) -> np.ndarray:
    return human_body(spec).face_centre


def face_box(spec, signal_id: str | None, frame: int, camera_pose: np.ndarray, width: int, height: int,
             yfov_deg: float) -> np.ndarray:
    """(x0, y0, x1, y1) pixels of the face as a detector boxes it, in the robot camera's image."""
    from sim_env.render.camera import RobotCamera
    from sim_env.render.clip import face_box_vertices

    frames, _ = face_frames(spec, signal_id)
    index = 0 if signal_id is None or frame < 0 else frame + 1
    cam = RobotCamera(width=width, height=height, yfov_deg=yfov_deg, pose=camera_pose)
    uv = cam.project(frames.vertices[index, face_box_vertices()])
    return np.concatenate([uv.min(0), uv.max(0)]).astype(np.float32)
