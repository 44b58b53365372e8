"""MakeHuman ``.mhclo`` proxies (hair, eyebrows, eyelashes, eyes ...) fitted to the hm08 mesh.

A proxy vertex is either a copy of one hm08 vertex or a barycentric mix of three plus an offset
scaled by the size of the person's head (``x/y/z_scale a b d``: scale = |V[a] - V[b]| / d along
that axis). Fitting evaluates this on the *morphed and animated* mesh of every frame (batched), so
hair, brows, lashes and eyes follow face shape and expression, as in MakeHuman.

Units: .mhclo offsets and scale distances are MakeHuman's (decimetres, y up, facing +z); hrisim's
world is metres, z up, facing -y. Since the scale is measured on the world mesh, offsets come out
in metres; only the axes are swapped (see :func:`humans.topology.hm08_axes_to_world`).
"""
from __future__ import annotations

import dataclasses
import functools
import math
import os
import warnings
from pathlib import Path

import numpy as np

from hrisim.textio import read_text
from humans.assets import AssetError
from humans.body_model import HM08_VERTEX_COUNT
from humans.topology import TexturedTopology, hm08_axes_to_world, uv_split


@dataclasses.dataclass(frozen=True)
class Proxy:
    """A parsed .mhclo with its OBJ mesh, ready to fit."""

    path: Path
    name: str
    uuid: str | None
    refs: np.ndarray  # (N, 3) hm08 vertex indices
    weights: np.ndarray  # (N, 3)
    offsets: np.ndarray  # (N, 3) MakeHuman axes (x, y up, z forward), decimetre-scaled units
    scale_refs: dict  # axis "x"/"y"/"z" -> (a, b, d)
    z_depth: int
    delete_verts: np.ndarray  # (D,) hm08 vertices this proxy hides (their faces are not drawn)
    material: str | None  # as written, relative to the .mhclo
    mesh: TexturedTopology  # render vertices (N_r) -> proxy vertex ids, UVs, triangles

    @property
    def n_vertices(self) -> int:
        return self.refs.shape[0]


def _int(path: Path, lineno: int, text: str, limit: int = HM08_VERTEX_COUNT) -> int:
    """A vertex index in [0, limit)."""
    try:
        value = int(text)
    except ValueError:
        raise AssetError(f"{path}:{lineno}: expected a vertex index, got {text[:40]!r}") from None
    if not 0 <= value < limit:
        raise AssetError(f"{path}:{lineno}: vertex index {value} outside hm08's vertices [0, {limit})")
    return value


def _finite(path: Path, lineno: int, text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise AssetError(f"{path}:{lineno}: expected a number for {what}, got {text[:40]!r}") from None
    if not math.isfinite(value):
        raise AssetError(f"{path}:{lineno}: expected a finite number for {what}, got {text[:40]!r}")
    return value


def read_mhclo(path: str | Path) -> Proxy:
    """Parse a .mhclo and the OBJ it names; errors name the file and line."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"{path}: no such MakeHuman proxy file")
    lines = read_text(path, AssetError, "MakeHuman proxy file").splitlines()
    header: dict[str, list[str]] = {}
    header_lines: dict[str, int] = {}
    unknown: list[str] = []
    scale: dict[str, tuple[int, int, float]] = {}
    refs, weights, offsets, deleted = [], [], [], []
    state = "header"
    for lineno, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        head = parts[0]
        if head == "verts":
            state = "verts"
            continue
        if head == "delete_verts":
            state = "delete"
            parts = parts[1:]
            if not parts:
                continue
        elif not _is_number(head):  # header keys may also follow 'verts' (short04 has 'material')
            if head in ("x_scale", "y_scale", "z_scale"):
                if len(parts) != 4:
                    raise AssetError(f"{path}:{lineno}: expected '{head} <vertex> <vertex> <distance>', "
                                     f"got {len(parts)} fields")
                if head[0] in scale:
                    raise AssetError(f"{path}:{lineno}: '{head}' again; each scale may appear once")
                distance = _finite(path, lineno, parts[3], f"the {head} distance")
                if distance <= 0:
                    raise AssetError(f"{path}:{lineno}: field '{head}': expected a distance > 0, got {distance!r}")
                scale[head[0]] = (_int(path, lineno, parts[1]), _int(path, lineno, parts[2]), distance)
            else:
                if head in header and head in _SINGLE_KEYS:
                    raise AssetError(f"{path}:{lineno}: '{head}' again (first on line {header_lines[head]}); "
                                     "each key may appear once")
                header.setdefault(head, parts[1:])
                header_lines.setdefault(head, lineno)
                if head not in _MAKEHUMAN_KEYS:  # the key's name only, never the line
                    unknown.append(f"{head!r} (line {lineno})" if head.isidentifier() and len(head) <= 40
                                   else f"a line that is no key (line {lineno})")
            continue
        if state == "verts":
            if len(parts) == 1:
                i = _int(path, lineno, parts[0])
                refs.append((i, i, i)); weights.append((1.0, 0.0, 0.0)); offsets.append((0.0, 0.0, 0.0))
            elif len(parts) >= 9:
                refs.append(tuple(_int(path, lineno, p) for p in parts[:3]))
                weights.append(tuple(_finite(path, lineno, p, "a weight") for p in parts[3:6]))
                offsets.append(tuple(_finite(path, lineno, p, "an offset") for p in parts[6:9]))
            else:
                raise AssetError(f"{path}:{lineno}: expected a vertex row of 1 or 9 numbers, got {len(parts)}")
        elif state == "delete":
            deleted.extend(_index_ranges(path, lineno, parts))
        else:
            raise AssetError(f"{path}:{lineno}: a vertex row before the 'verts' line")
    if not refs:
        raise AssetError(f"{path}: no 'verts' rows: not a MakeHuman proxy file")
    if unknown:
        warnings.warn(f"{path}: {len(unknown)} key(s) MakeHuman proxies do not have were ignored: "
                      + ", ".join(unknown[:8]), stacklevel=2)
    refs_a = np.asarray(refs, np.int64)
    if refs_a.max() >= HM08_VERTEX_COUNT or refs_a.min() < 0:
        raise AssetError(f"{path}: vertex index {int(refs_a.max())} outside hm08's {HM08_VERTEX_COUNT} vertices "
                         f"(basemesh {' '.join(header.get('basemesh', ['?']))})")
    missing_axes = [a for a in "xyz" if a not in scale]
    if missing_axes and np.any(offsets):
        raise AssetError(f"{path}: offsets need x_scale, y_scale and z_scale; missing {missing_axes}")
    obj_name = " ".join(header.get("obj_file", [f"{path.stem}.obj"]))
    mesh = read_obj_mesh(_beside(path, obj_name, header_lines.get("obj_file")))
    if mesh.n_source_vertices != len(refs):
        raise AssetError(f"{path}: {len(refs)} vertex rows but {obj_name} has {mesh.n_source_vertices} vertices")
    return Proxy(
        path=path,
        name=" ".join(header.get("name", [path.stem])),
        uuid=(header.get("uuid") or [None])[0],
        refs=refs_a,
        weights=np.asarray(weights, np.float32),
        offsets=np.asarray(offsets, np.float32),
        scale_refs=scale,
        z_depth=int(_finite(path, header_lines.get("z_depth", 0), (header.get("z_depth") or ["50"])[0], "z_depth")),
        delete_verts=np.asarray(sorted(set(deleted)), np.int64),
        material=" ".join(header["material"]) if header.get("material") else None,
        mesh=mesh,
    )


# Keys MakeHuman 1.x writes in a .mhclo (besides the scales, 'verts' and 'delete_verts').
_MAKEHUMAN_KEYS = frozenset({"name", "uuid", "tag", "tags", "basemesh", "obj_file", "material", "z_depth",
                             "max_pole", "version", "author", "license", "homepage", "description",
                             "vertexboneweights_file", "special_pose", "offset_scale", "scale", "x_offset",
                             "y_offset", "z_offset", "shear_x", "shear_y", "shear_z"})
_SINGLE_KEYS = frozenset({"name", "uuid", "obj_file", "material", "z_depth", "basemesh"})


def _beside(path: Path, reference: str, lineno: int | None) -> Path:
    """The file a .mhclo names (its OBJ), which must lie in the .mhclo's own folder: MakeHuman
    keeps it there, and a path out of it (``..``, absolute, a symlink out) is refused."""
    where = f"{path}:{lineno}" if lineno else f"{path}"
    folder = path.parent.resolve()
    candidate = Path(os.path.normpath(folder / reference.replace("\\", "/")))
    if os.path.isabs(reference) or not candidate.is_relative_to(folder):
        raise AssetError(f"{where}: obj_file {reference!r} leads outside the proxy's folder {folder}; refused")
    try:
        real = candidate.resolve(strict=True)
    except FileNotFoundError:
        raise AssetError(f"{where}: no such OBJ file {candidate} (named by obj_file)") from None
    except (OSError, RuntimeError) as err:
        raise AssetError(f"{where}: obj_file {reference!r} cannot be resolved ({err})") from None
    if not real.is_relative_to(folder):
        raise AssetError(f"{where}: obj_file {reference!r} is a link to outside the proxy's folder {folder}; refused")
    return candidate


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _index_ranges(path: Path, lineno: int, parts: list[str]) -> list[int]:
    """``delete_verts`` rows: indices and ``a - b`` ranges (inclusive)."""
    out: list[int] = []
    i = 0
    while i < len(parts):
        if i + 2 < len(parts) and parts[i + 1] == "-":
            a, b = _int(path, lineno, parts[i]), _int(path, lineno, parts[i + 2])
            if b < a:
                raise AssetError(f"{path}:{lineno}: delete_verts range {a} - {b} runs backwards")
            out.extend(range(a, b + 1))
            i += 3
        else:
            out.append(_int(path, lineno, parts[i]))
            i += 1
    return out


@functools.lru_cache(maxsize=64)
def read_obj_mesh(path: Path) -> TexturedTopology:
    """The faces and UVs of a proxy's OBJ (its vertex positions are replaced by the fit)."""
    n_vertices, uvs, face_v, face_vt = 0, [], [], []
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"{path}: no such OBJ file (named by its .mhclo)")
    text = read_text(path, AssetError, "Wavefront OBJ file")
    face_lines: list[int] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.startswith("v "):
            n_vertices += 1
        elif line.startswith("vt "):
            uv = line.split()[1:3]
            uvs.append([_finite(path, lineno, x, "a texture coordinate") for x in uv])
            if len(uv) != 2:
                raise AssetError(f"{path}:{lineno}: expected 'vt u v', got {len(uv)} numbers")
        elif line.startswith("f "):
            corners = line.split()[1:]
            try:
                v = [int(c.split("/")[0]) - 1 for c in corners]
                vt = [int(c.split("/")[1]) - 1 if "/" in c and c.split("/")[1] else -1 for c in corners]
            except ValueError:
                raise AssetError(f"{path}:{lineno}: expected 'f v/vt ...' with whole numbers") from None
            if len(v) not in (3, 4):
                raise AssetError(f"{path}:{lineno}: expected a triangle or quad, got {len(v)} corners")
            face_lines.append(lineno)
            if len(v) == 3:
                v.append(v[-1]); vt.append(vt[-1])
            face_v.append(v)
            face_vt.append(vt)
    for index, (v, vt) in enumerate(zip(face_v, face_vt)):
        if min(v) < 0 or max(v) >= n_vertices:
            raise AssetError(f"{path}:{face_lines[index]}: face vertex outside the file's {n_vertices} vertices "
                             "(indices count from 1)")
        if max(vt) >= len(uvs) or min(vt) < -1:
            raise AssetError(f"{path}:{face_lines[index]}: face texture coordinate outside the file's {len(uvs)} "
                             "'vt' rows (indices count from 1)")
    if not face_v:
        raise AssetError(f"{path}: no 'f' (face) rows: a proxy OBJ needs faces to draw")
    uv_array = np.asarray(uvs, np.float32).reshape(-1, 2)
    fv, fvt = np.asarray(face_v, np.int64), np.asarray(face_vt, np.int64)
    if (fvt < 0).any():  # faces without UVs: give them a UV of their own (0, 0)
        uv_array = np.concatenate([uv_array, np.zeros((1, 2), np.float32)])
        fvt[fvt < 0] = len(uv_array) - 1
    return uv_split(fv, fvt, uv_array, n_source_vertices=n_vertices)


def fit(proxy: Proxy, vertices: np.ndarray) -> np.ndarray:
    """(T, N, 3) proxy vertex positions (world, m) on hm08 vertices (T, 19158, 3) (world, m)."""
    v = np.asarray(vertices, np.float32)
    if v.ndim == 2:
        v = v[None]
    mix = np.einsum("tnkc,nk->tnc", v[:, proxy.refs], proxy.weights)
    if not proxy.scale_refs:
        return mix
    return mix + head_scale(proxy, v)[:, None, :] * hm08_axes_to_world(proxy.offsets)[None]


def head_scale(proxy: Proxy, vertices: np.ndarray) -> np.ndarray:
    """(T, 3) world-axis scale of the offsets, measured on each frame's mesh (m per MakeHuman unit).

    MakeHuman's x, y (up), z (forward) scales apply to world x, z and y respectively.
    """
    out = np.ones((vertices.shape[0], 3), np.float32)
    world_axis = {"x": 0, "y": 2, "z": 1}
    for axis, (a, b, d) in proxy.scale_refs.items():
        k = world_axis[axis]
        out[:, k] = np.abs(vertices[:, a, k] - vertices[:, b, k]) / d
    return out


def swatch_shells(mesh: TexturedTopology, ratio: float = 0.1) -> np.ndarray:
    """(F,) bool: triangles of connected shells whose UVs cover under ``ratio`` of the largest
    shell's UV area, i.e. shells painted with one flat swatch of the texture.

    MakeHuman's high-poly eyes have such a shell in front of each eyeball, the cornea: its swatch is
    opaque in the texture and MakeHuman's own shader shows it as a transparent gloss. Drawn as a
    plain textured surface it would hide the iris, so the eye proxy is drawn without it.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    tris, n = mesh.source_triangles, mesh.n_source_vertices
    rows = np.concatenate([tris[:, 0], tris[:, 1], tris[:, 2]])
    cols = np.concatenate([tris[:, 1], tris[:, 2], tris[:, 0]])
    _, labels = connected_components(coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n)), directed=False)
    uv = mesh.texcoords[mesh.triangles]
    e1, e2 = uv[:, 1] - uv[:, 0], uv[:, 2] - uv[:, 0]
    area = 0.5 * np.abs(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
    face_label = labels[tris[:, 0]]
    shell_area = np.bincount(face_label, weights=area)
    small = shell_area < ratio * shell_area.max()
    return small[face_label]
