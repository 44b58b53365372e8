"""The person in the robot's scene, drawn by the same pipeline as the dataset's clips.

Each signal is the dataset's ``Performance`` (cached per person, signal and rig), with one neutral
frame first: frame 0 is neutral and frame ``k + 1`` is the signal's k-th frame, so showing any
event costs no mesh forward. Idle motion (blinks, gaze, head sway and breathing, looking at the
robot) is superposed on it through a per-person basis of small motions (``idle_basis``); with the
hand-to-face failure case on, the basis also holds the person's habitual hand raised to each
contact at a few levels (``HAND_LEVELS``), blended between neighbours. The body below the animated
head is meshed once and dressed (``clothed_body``).
"""
from __future__ import annotations

import dataclasses
import functools
import zlib

import numpy as np

from humans.pose import CONTACTS
from sim_env.render.performance import Performance, body_for

COLLAR_HEIGHT = 0.835  # fraction of body height where the shirt ends at the neck
SIGNAL_FRAMES = 25  # the paper's clip length; the behaviour model stretches it in time
BASIS_DEG = 10.0  # head and eye angles of the idle basis frames (central differences)
N_BASIS = 10  # blink, head yaw +/-, pitch +/-, roll +/-, eye yaw +, eye pitch +, jaw open (talking)
HAND_LEVELS = (0.2, 0.4, 0.6, 0.8, 1.0)  # how far raised, per contact, in the hand basis
RIGHT_HANDED = 0.85  # share of people who raise their right hand (seeded per person)


def signal_performance(spec, signal_id: str | None, rig: str = "arkit", intensity_scale: float = 1.0) -> Performance:
    """The person playing a built-in signal (None or ``neutral`` = a still face), neutral frame first;
    ``intensity_scale`` < 1: a near-static expression (failure_cases)."""
    return _signal_performance(spec, signal_id, rig, round(float(intensity_scale), 2))


@functools.lru_cache(maxsize=64)
def _signal_performance(spec, signal_id: str | None, rig: str, intensity_scale: float) -> Performance:
    from animations.library import get_signal
    from sim_env.render.failure_cases import BehaviourTrack

    timeline = None if signal_id in (None, "neutral") else get_signal(signal_id)
    return Performance(spec, timeline, SIGNAL_FRAMES, rig, neutral_lead=1,
                       behaviour=BehaviourTrack(intensity_scale=float(intensity_scale)))


def shown_index(signal_id: str | None, frame: int) -> int:
    """Index into ``signal_performance`` of ``frame`` of ``signal_id`` (frame < 0 = neutral)."""
    return 0 if signal_id is None or frame < 0 else frame + 1


def au_at(spec, signal_id: str | None, frame: int, rig: str = "arkit", intensity_scale: float = 1.0) -> dict[int, float]:
    """AU number -> intensity shown at ``frame`` (-1 = neutral) of ``signal_id``."""
    if signal_id is None or frame < 0:
        return {}
    return signal_performance(spec, signal_id, rig, intensity_scale).au_at(shown_index(signal_id, frame))


def hand_side(spec) -> str:
    """The hand ``spec``'s person raises to the face (seeded per person: most raise the right)."""
    return "R" if np.random.default_rng([zlib.crc32(spec.id.encode()), 0x4A4D]).random() < RIGHT_HANDED else "L"


def drawn_variant(spec, hand: bool) -> str:
    """The actor's mesh variant: the head, plus the habitual arm when hands may go to the face."""
    return f"head+arm.{hand_side(spec)}" if hand else "head"


@functools.lru_cache(maxsize=8)
def idle_basis(spec, hand: bool = False):
    """(HumanFrames of 1 + N_BASIS (+ hand) frames, eye angles (same, 2)): neutral, then one small
    motion each; with ``hand``, then the habitual hand at each of ``HAND_LEVELS`` per contact."""
    from animations.rigs.arkit_table import ARKIT_UNITS

    n = 1 + N_BASIS + (len(CONTACTS) * len(HAND_LEVELS) if hand else 0)
    actions = np.zeros((n, len(ARKIT_UNITS)), np.float32)
    actions[1, [ARKIT_UNITS.index("eyeBlinkLeft"), ARKIT_UNITS.index("eyeBlinkRight")]] = 1.0
    head = np.zeros((n, 3), np.float32)
    for axis in range(3):
        head[2 + 2 * axis, axis], head[3 + 2 * axis, axis] = BASIS_DEG, -BASIS_DEG
    eyes = np.zeros((n, 2), np.float32)
    eyes[8, 0], eyes[9, 1] = BASIS_DEG, BASIS_DEG
    actions[10, ARKIT_UNITS.index("jawOpen")] = 1.0
    body = body_for(spec)
    return body.frames(actions, head, bone_deltas=_hand_basis_deltas(body, spec, n) if hand else None), eyes


def _hand_basis_deltas(body, spec, n: int) -> dict:
    """Arm deltas (n, 4, 4) of the hand basis frames (identity on the idle ones), on the neutral face."""
    from humans.mesh import HumanFrames
    from humans.pose import hand_to_face_deltas

    k = len(HAND_LEVELS)
    neutral = HumanFrames(np.repeat(body.rest_vertices[None], k, 0), np.zeros((k, 2, 3), np.float32),
                          body.eye_radius, np.repeat(np.eye(3, dtype=np.float32)[None], k, 0))
    out: dict[str, np.ndarray] = {}
    for c, contact in enumerate(CONTACTS):
        deltas = hand_to_face_deltas(body, neutral, hand_side(spec), contact, np.asarray(HAND_LEVELS))
        for name, d in deltas.items():
            out.setdefault(name, np.repeat(np.eye(4, dtype=np.float32)[None], n, 0))
            out[name][1 + N_BASIS + c * k: 1 + N_BASIS + (c + 1) * k] = d
    return out


def hand_weights(weight: float, contact: str) -> np.ndarray:
    """Weights of the hand basis frames for the hand raised ``weight`` (0..1) to ``contact``: the two
    neighbouring levels, linearly."""
    w = np.zeros(len(CONTACTS) * len(HAND_LEVELS), np.float32)
    if weight <= 0 or not contact:
        return w
    levels = np.array((0.0, *HAND_LEVELS))
    j = int(np.clip(np.searchsorted(levels, weight) - 1, 0, len(HAND_LEVELS) - 1))
    f = (weight - levels[j]) / (levels[j + 1] - levels[j])
    base = CONTACTS.index(contact) * len(HAND_LEVELS)
    if j > 0:
        w[base + j - 1] = 1 - f
    w[base + j] = f
    return w


@functools.lru_cache(maxsize=8)
def idle_vertex_deltas(spec) -> np.ndarray:
    """(N_BASIS, V, 3) how each idle-basis motion moves the hm08 vertices (for face boxes)."""
    frames, _ = idle_basis(spec)
    return frames.vertices[1:] - frames.vertices[:1]


def basis_weights(blink: float, gaze_deg, head_deg, jaw: float = 0.0) -> np.ndarray:
    """Weights of the ``idle_basis`` motions for a pose: exact for blinks, jaw and eye proxies, second
    order (central differences through +/-BASIS_DEG) for head angles."""
    w = np.zeros(N_BASIS, np.float32)
    w[0] = blink
    w[9] = jaw
    for axis, theta in enumerate(np.asarray(head_deg, np.float64)):
        lin, quad = theta / (2 * BASIS_DEG), theta * theta / (2 * BASIS_DEG ** 2)
        w[1 + 2 * axis] = lin + quad
        w[2 + 2 * axis] = -lin + quad
    w[7], w[8] = np.asarray(gaze_deg, np.float64) / BASIS_DEG
    return w


def eye_rotation(gaze_deg, head_deg) -> np.ndarray:
    """(3, 3) extra rotation of built-in eyeballs: the idle head sway, then the idle gaze."""
    from humans.mesh import rotation_ypr

    head = rotation_ypr(*head_deg)[0]
    return head @ rotation_ypr(gaze_deg[0], gaze_deg[1], 0.0)[0]


@dataclasses.dataclass(frozen=True)
class PersonPose:
    """Idle motion and placement superposed on the shown expression frame."""

    blink: float = 0.0
    gaze_deg: tuple[float, float] = (0.0, 0.0)
    head_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    jaw: float = 0.0  # mouth opening of talking, 0..1
    root: np.ndarray = dataclasses.field(default_factory=lambda: np.eye(4))  # the whole person, rigidly
    hand: float = 0.0  # how far the hand is raised to the face, 0..1 (failure case)
    contact: str = ""  # where it goes: cheek | mouth | chin
    intensity_scale: float = 1.0  # < 1: expressions peak low (near-static failure case)

    def weights(self, hand_basis: bool = False) -> np.ndarray:
        """Basis weights; ``hand_basis``: with the hand frames (``idle_basis(spec, hand=True)``)."""
        w = basis_weights(self.blink, self.gaze_deg, self.head_deg, self.jaw)
        return np.concatenate([w, hand_weights(self.hand, self.contact)]) if hand_basis else w

    def eye_rotation(self) -> np.ndarray:
        return eye_rotation(self.gaze_deg, self.head_deg)


def face_points(spec, signal_id: str | None, frame: int, rig: str = "arkit", pose: PersonPose | None = None):
    """(N, 3) world positions of the face-box vertices as shown (expression, idle motion, placement)."""
    from sim_env.render.performance import face_box_vertices

    return shown_vertices(spec, signal_id, frame, rig, pose, face_box_vertices())


def shown_vertices(spec, signal_id: str | None, frame: int, rig: str = "arkit", pose: PersonPose | None = None,
                   ids=slice(None), hand: bool = False) -> np.ndarray:
    """World positions of hm08 vertices ``ids`` as shown; ``hand``: with the raised hand (hand basis)."""
    scale = pose.intensity_scale if pose is not None else 1.0
    points = signal_performance(spec, signal_id, rig, scale).frames.vertices[shown_index(signal_id, frame), ids]
    if pose is None:
        return points
    frames, _ = idle_basis(spec, hand)
    deltas = frames.vertices[1:] - frames.vertices[:1] if hand else idle_vertex_deltas(spec)
    points = points + np.tensordot(pose.weights(hand), deltas[:, ids], 1)
    return points @ pose.root[:3, :3].T + pose.root[:3, 3]


def clothes_colours(spec) -> tuple[np.ndarray, np.ndarray]:
    """A seeded shirt and trousers colour (sRGB) per person, stable across processes."""
    rng = np.random.default_rng(zlib.crc32(spec.id.encode()))
    shirts = np.array([[0.2, 0.35, 0.6], [0.55, 0.15, 0.2], [0.25, 0.45, 0.3], [0.8, 0.75, 0.65],
                       [0.3, 0.3, 0.35], [0.85, 0.55, 0.2], [0.5, 0.4, 0.6]])
    trousers = np.array([[0.12, 0.14, 0.2], [0.3, 0.25, 0.2], [0.2, 0.2, 0.22], [0.45, 0.4, 0.33]])
    return shirts[rng.integers(len(shirts))], trousers[rng.integers(len(trousers))]


@functools.lru_cache(maxsize=8)
def clothed_body(spec, hand: bool = False):
    """Static (positions, normals, linear colours, triangles) of the body below the animated head part.

    The head variant of ``HumanActor`` ends at the upper chest; the rest of the body never moves
    with the face, so it is meshed once in the rest pose and dressed in flat clothes colours.
    ``hand``: the habitual arm is the actor's (``drawn_variant``), not part of this body.
    """
    from humans.appearance import appearance_for, skin_vertex_colours, srgb_to_linear
    from humans.mesh import smooth_normals
    from humans.topology import base_obj_groups, part_topologies, quads_to_triangles

    body = body_for(spec)
    rest = body.rest_vertices
    top = float(rest[:, 2].max())
    head_ids = np.zeros(len(rest), bool)
    head_ids[part_topologies("head")["skin"].vertex_ids] = True
    quads = base_obj_groups()["body"]
    in_head = np.all(head_ids[quads], axis=1)
    drawn_ids = head_ids.copy()  # with the hand on, the actor draws the arm's faces too: left out here
    drawn_ids[part_topologies(drawn_variant(spec, hand))["skin"].vertex_ids] = True
    in_actor = np.all(drawn_ids[quads], axis=1)
    # Below the animated part: the body itself, dressed. Over the upper chest and shoulders: a shell
    # 4 mm outside the skin, shirt below the neckline and the person's own skin colours above it,
    # so the shell's (quad-stepped) edge is invisible and the neckline is a smooth blend.
    neckline = COLLAR_HEIGHT * top
    shell = in_head & np.all(rest[quads, 2] < neckline + 0.04, axis=1)
    shirt, trousers = (srgb_to_linear(np.asarray(c, np.float64)) for c in clothes_colours(spec))
    appearance = appearance_for(spec)
    skin_rgb = skin_vertex_colours(appearance).astype(np.float64)
    pieces = []
    for sel, lift in ((~in_actor, 0.0), (shell, 0.004)):
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
    return body_for(spec).face_centre
