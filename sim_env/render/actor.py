"""A virtual human in a pyrender scene, posed per frame.

Two looks share one actor:

* built-in (default): skin, lips, brows painted as vertex colours, our own eyeballs, hm08 teeth and
  tongue (see ``humans.appearance``);
* MakeHuman assets (``AssetLook``): the person's ``.mhmat`` skin texture on hm08's own UVs, their
  ``.mhclo`` proxies (hair, eyebrows, eyelashes, high-poly eyes, teeth, tongue) fitted to every
  frame's mesh and drawn with their textures, alpha-cut where the material is transparent.
  Anything the asset roots lack falls back to the built-in part, with a warning naming it.
"""
from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from humans.appearance import Appearance, eyeball_mesh, skin_surface, skin_vertex_colours, srgb_to_linear
from humans.hair import head_rotations, pose as pose_attached
from humans.assets import AssetRoots, SpecAssets
from humans.materials import Material
from humans.mesh import HumanBody, HumanFrames, kabsch_rotations, normal_operator, rotation_ypr, smooth_normals
from humans.proxies import Proxy
from humans.topology import EYE_VERTICES, PartTopology, part_topologies, textured_part
from sim_env.render.face_detail import (EYE_ROUGHNESS, MOUTH_SHUT_MM2, LidCover, SkinFolds, TeethShade, shade_part,
                                        shade_surface, teeth_maps, teeth_texcoords)
from sim_env.render.renderer import DynamicMesh, InstancedMesh, Renderer, TexturedDynamicMesh
from sim_env.render.skin_paint import brow_paint
from sim_env.render.wrinkles import frames as wrinkle_frames, tangent_operator, tangents as wrinkle_tangents, texcoords

# Parts drawn from hm08 geometry; the eyes are our own spheres (see ``humans.appearance``).
# hm08's eyelash helper is a flat placeholder strip that renders as a dark band, so lashes are left
# to the asset packs' proxies.
_DRAWN_PARTS = ("skin", "tongue", "teeth")
_ROUGHNESS = {"skin": 0.62, "tongue": 0.35, "teeth": 0.3, "eyelashes": 0.9, "hair": 0.7,
              "eyebrows": 0.9, "eyes": EYE_ROUGHNESS}
# The iris sits a little inside hm08's eye helper so that the lids cover the ball's rim.
EYEBALL_SCALE = 0.96
# Brow and lash textures are faint at their tips: their alpha is scaled up before the 0.5 cut-out
# (an effective cut at alpha 0.38), so thin strands survive minification at 160 px.
_ALPHA_GAIN = {"eyebrows": 1.3, "eyelashes": 1.3}
TEXTURE_MAX_SIZE = 1024


class AssetWarning(UserWarning):
    """A person's MakeHuman asset was not found; a named built-in part is drawn instead."""


@dataclasses.dataclass(frozen=True)
class ProxyPart:
    kind: str
    proxy: Proxy
    material: Material | None


@dataclasses.dataclass(frozen=True)
class AssetLook:
    """A person's MakeHuman look, read from the asset roots (see ``humans.assets``)."""

    skin: Material | None
    proxies: tuple[ProxyPart, ...]
    report: SpecAssets
    roots: AssetRoots

    @classmethod
    def load(cls, spec, roots) -> "AssetLook":
        """Read the files ``spec`` names; one :class:`AssetWarning` lists what is missing."""
        from humans.assets import resolve_spec
        from humans.materials import read_mhmat
        from humans.proxies import read_mhclo

        report = resolve_spec(spec, roots)
        if report.missing:
            warnings.warn(f"{spec.id}: " + "; ".join(report.missing), AssetWarning, stacklevel=2)
        skin = read_mhmat(report.skin, roots) if report.skin else None
        parts = []
        for kind, path in report.proxies.items():
            proxy = read_mhclo(path)
            material_path = report.eye_material if kind == "eyes" and report.eye_material else None
            if material_path is None and proxy.material:
                material_path = roots.find_beside(proxy.path, proxy.material)
            material = read_mhmat(material_path, roots) if material_path else None
            parts.append(ProxyPart(kind, proxy, material))
        parts.sort(key=lambda p: p.proxy.z_depth)  # MakeHuman's draw order
        return cls(skin, tuple(parts), report, roots)

    def proxy(self, kind: str) -> ProxyPart | None:
        return next((p for p in self.proxies if p.kind == kind), None)

    def deleted_vertices(self, n_vertices: int) -> np.ndarray:
        """(V,) bool: hm08 vertices some proxy's ``delete_verts`` hides."""
        deleted = np.zeros(n_vertices, bool)
        for part in self.proxies:
            deleted[part.proxy.delete_verts] = True
        return deleted


def _without_deleted(part: PartTopology, deleted: np.ndarray) -> PartTopology:
    keep = ~deleted[part.vertex_ids][part.triangles].any(axis=1)
    return part if keep.all() else dataclasses.replace(part, triangles=part.triangles[keep])


def _keep_triangles(topo, keep: np.ndarray):
    """A TexturedTopology drawing only the triangles where ``keep`` is True."""
    return dataclasses.replace(topo, triangles=topo.triangles[keep], source_triangles=topo.source_triangles[keep])


def _texture_or_fallback(material, roots, fallback_rgb, kind: str, with_alpha: bool):
    """(texture or None, linear colour factor) of a material.

    No material: the fallback colour. A texture the roots lack: one warning, the fallback colour.
    No texture named: the material's diffuse colour. (All colours are sRGB until here.)
    """
    from humans.materials import load_texture, warn_if_missing

    if material is None or material.missing_texture is not None:
        if material is not None:
            warn_if_missing(material, roots, fallback_rgb)
        return None, tuple(float(c) for c in srgb_to_linear(fallback_rgb))
    if material.diffuse_texture is None:
        return None, tuple(float(c) for c in srgb_to_linear(material.diffuse_colour))
    rgba = load_texture(material.diffuse_texture, TEXTURE_MAX_SIZE, bleed=with_alpha)
    if not with_alpha:
        return rgba[..., :3], (1.0, 1.0, 1.0)
    gain = _ALPHA_GAIN.get(kind, 1.0)
    if gain != 1.0:
        rgba = rgba.copy()
        rgba[..., 3] = np.clip(rgba[..., 3].astype(np.float32) * gain, 0, 255).astype(np.uint8)
    return rgba, (1.0, 1.0, 1.0)


class HumanActor:
    def __init__(self, body: HumanBody, appearance: Appearance, variant: str = "head",
                 look: AssetLook | None = None, folds: bool = True, wrinkles: bool = True):
        """``folds``: shade expression folds on the built-in skin from its compression each frame
        (``face_detail.SkinFolds``); ``wrinkles``: draw the folds' fine creases per pixel
        (``wrinkles``); a MakeHuman skin texture is drawn as it is."""
        import pyrender

        self.body = body
        self.appearance = appearance
        self.look = look
        self.parts = part_topologies(variant)
        if look is not None:
            deleted = look.deleted_vertices(body.rest_vertices.shape[0])
            self.parts = {name: _without_deleted(part, deleted) for name, part in self.parts.items()}
        rest = body.rest_vertices[None]
        self.meshes: dict[str, DynamicMesh] = {}
        self._operators = {}
        self._textured: dict[str, object] = {}  # name -> TexturedTopology of hm08 or a proxy
        self._proxies: dict[str, ProxyPart] = {}
        drawn = list(_DRAWN_PARTS)
        if look is not None:
            self._add_asset_parts(look, appearance, variant, rest, drawn)
            if look.proxy("eyebrows"):  # the proxy draws the brows: none painted under it
                appearance = dataclasses.replace(appearance, brows=appearance.skin)
        # The built-in look's meshes (hair, facial hair, top, glasses, headscarf) and skin paint;
        # hair and brows only where no MakeHuman proxy draws them (see humans.outfit).
        from humans.appearance import face_regions
        from humans.outfit import build_outfit

        outfit = build_outfit(self.appearance, body.rest_vertices, variant,
                              hair=look is None or look.proxy("hair") is None,
                              brows=look is None or look.proxy("eyebrows") is None)
        # brows: painted per pixel over the built-in skin (skin_paint), not into its vertex colours
        paint = None
        if outfit.brows is not None and "skin" in drawn:
            paint = brow_paint(appearance.brow_shape, round(appearance.brow_thickness, 2), tuple(appearance.brows))
        regions = face_regions()
        if outfit.brows is not None:
            regions = dataclasses.replace(regions, brows=np.zeros_like(outfit.brows) if paint is not None else outfit.brows)
        skin = outfit.skin_colours(skin_vertex_colours(dataclasses.replace(appearance, hair=None), regions))
        flat = {
            "tongue": srgb_to_linear(appearance.tongue),
            "teeth": srgb_to_linear(appearance.teeth),
            "eyelashes": srgb_to_linear(appearance.eyelashes),
        }
        self._wrinkles = wrinkles and "skin" in drawn
        self._tangent_operator = None  # the relief map's per-vertex tangents (wrinkles.tangent_operator)
        face_texcoords = None  # the built-in skin's place on the face projection (paint and relief)
        if "skin" in drawn:
            face_texcoords, self._tangent_operator = _face_projection(self.parts["skin"], self._wrinkles)
        for name in drawn:
            part = self.parts[name]
            positions = rest[:, part.vertex_ids]
            weights = _labial_weights(part.vertex_ids, part.triangles) if name == "teeth" else None
            self._operators[name] = normal_operator(part.triangles, len(part.vertex_ids), weights)
            normals = smooth_normals(positions, part.triangles, self._operators[name])
            colours = skin[part.vertex_ids] if name == "skin" else np.broadcast_to(flat[name], (len(part.vertex_ids), 3))
            colours = shade_part(name, part.vertex_ids, colours)  # a dark mouth interior (face_detail)
            self.meshes[name] = DynamicMesh(
                positions[0], normals[0], colours, part.triangles,
                roughness=_ROUGHNESS[name], double_sided=name == "eyelashes",
                skin=_surface(name, part.vertex_ids, appearance),
                detail_texcoords=(face_texcoords if name == "skin" else
                                  teeth_texcoords(part.vertex_ids) if name == "teeth" else None),
                relief=name == "skin" and self._wrinkles,
            )
            if name == "skin":
                self.meshes[name].set_paint(paint)
            if name == "teeth":  # crowns, embrasures and gums per pixel
                occlusion, gums = teeth_maps(tuple(map(float, appearance.lips)))
                self.meshes[name].set_occlusion(occlusion)
                self.meshes[name].set_paint(gums)
        self._drawn = tuple(drawn)
        self._folds = None
        if folds and "skin" in drawn:
            part = self.parts["skin"]
            self._folds = SkinFolds(body.rest_vertices[part.vertex_ids], part.triangles, part.vertex_ids)
            self._skin_surface = np.array(self.meshes["skin"].primitive.texcoord_1, np.float32)  # folds scale its occlusion
        self._skin_frames = None  # (T, V, 2) per-frame skin attributes (roughness, occlusion x folds)
        self._skin_tangents = None  # (T, V, 4) the relief map's tangents, when a map is drawn
        self._teeth = None  # the lips' shadow on the built-in teeth, and their unshadowed colours
        if "teeth" in drawn and "skin" in drawn:
            teeth, skin = self.parts["teeth"], self.parts["skin"]
            self._teeth = (TeethShade(teeth.vertex_ids, teeth.triangles, skin.vertex_ids, skin.triangles),
                           np.array(self.meshes["teeth"].primitive.color_0, np.float32))
        self._teeth_frames = None  # per frame: the light on the teeth (T, V), and whether they show (T,)
        self._attached = {}
        for part in outfit.meshes:
            name = f"builtin_{part.name}"
            positions = part.rest_positions(body.rest_vertices)
            self._operators[name] = normal_operator(part.triangles, part.n_vertices)
            normals = smooth_normals(positions[None], part.triangles, self._operators[name])[0]
            self.meshes[name] = DynamicMesh(positions, normals, part.colours, part.triangles,
                                            roughness=part.roughness, double_sided=part.double_sided)
            self._attached[name] = part
        self._eyes = None  # the built-in eyeballs (none when MakeHuman eye proxies are drawn)
        if "eyes" not in self._proxies:
            verts, tris, cols = eyeball_mesh(tuple(appearance.iris), tuple(appearance.sclera))
            material = pyrender.MetallicRoughnessMaterial(baseColorFactor=[1.0, 1.0, 1.0, 1.0], metallicFactor=0.0, roughnessFactor=EYE_ROUGHNESS)
            rgba = np.concatenate([cols, np.ones((len(cols), 1), np.float32)], 1)
            self._eyes = InstancedMesh(pyrender.Mesh(
                [pyrender.Primitive(positions=verts, normals=verts, color_0=rgba, indices=tris.astype(np.uint32), material=material, mode=4)]
            ), 2)
        self._lids = None
        if self._eyes is not None and "skin" in self._drawn:
            self._lids = LidCover(self.parts["skin"].vertex_ids, body.rest_vertices,
                                  body.rest_eye_centres, body.eye_radius * EYEBALL_SCALE)
        self._nodes = []
        self._prepared: tuple | None = None
        self._detail_frames = None  # per frame, (H, W, 4) the skin's relief map (wrinkles.frames)

    # -- MakeHuman assets -------------------------------------------------------------------
    def _add_asset_parts(self, look: AssetLook, appearance: Appearance, variant: str, rest, drawn: list) -> None:
        from humans.proxies import fit, swatch_shells

        deleted = look.deleted_vertices(rest.shape[1])
        if look.skin is not None:
            topo = textured_part("skin", variant)
            topo = _keep_triangles(topo, ~deleted[topo.source_triangles].any(axis=1))
            skin_rgb = tuple(float(c) for c in appearance.skin)
            texture, colour = _texture_or_fallback(look.skin, look.roots, skin_rgb, "skin", with_alpha=False)
            if texture is not None:
                drawn.remove("skin")
                self._add_textured("skin", topo, rest[0], texture, colour, cull=look.skin.backface_cull, cutout=False)
            # else: the built-in painted skin (Monk tone of the spec) is drawn, as warned
        hair_rgb = tuple(float(c) for c in (appearance.hair or appearance.brows))
        for part in look.proxies:
            if part.kind in ("teeth", "tongue") and part.kind in drawn:
                drawn.remove(part.kind)
            cutout = part.material is not None and part.material.transparent and part.kind != "eyes"
            fallback = hair_rgb if part.kind in ("hair", "eyebrows", "eyelashes") else (0.9, 0.9, 0.9)
            texture, colour = _texture_or_fallback(part.material, look.roots, fallback, part.kind, with_alpha=cutout)
            cull = part.material.backface_cull if part.material is not None else True
            positions = fit(part.proxy, rest)[0]
            self._proxies[part.kind] = part
            topo = part.proxy.mesh
            if part.kind == "eyes":  # the cornea shells would hide the iris (see swatch_shells)
                topo = _keep_triangles(topo, ~swatch_shells(topo))
            self._add_textured(part.kind, topo, positions, texture, colour, cull=cull,
                               cutout=cutout and texture is not None and texture.shape[-1] == 4)

    def _add_textured(self, name, topo, source_positions, texture, colour, cull: bool, cutout: bool) -> None:
        op = normal_operator(topo.source_triangles, topo.n_source_vertices)
        normals = smooth_normals(source_positions[None], topo.source_triangles, op)[0]
        self._operators[name] = op
        self._textured[name] = topo
        self.meshes[name] = TexturedDynamicMesh(
            source_positions[topo.vertex_ids], normals[topo.vertex_ids], topo.texcoords, topo.triangles,
            texture, colour=colour, roughness=_ROUGHNESS.get(name, 0.6), double_sided=not cull, alpha_cutout=cutout,
        )

    @property
    def eye_mesh(self):
        """The built-in eyeballs' pyrender mesh (both eyes, one instanced draw), or None."""
        return None if self._eyes is None else self._eyes.mesh

    # -- scene --------------------------------------------------------------------------------
    def add_to(self, scene, renderer: Renderer) -> None:
        for mesh in self.meshes.values():
            self._nodes.append(scene.add(mesh.mesh))
            renderer.dynamic_meshes.append(mesh)
        if self._eyes is not None:  # both eyeballs, one node, one draw; named to be drawn after the
            # skin (content order), as when they were nearer nodes: where lid and ball meet at one
            # depth, the lid keeps the pixel
            self._nodes.append(scene.add(self.eye_mesh, name="hrisim_eyes"))
            renderer.dynamic_meshes.append(self._eyes)

    def remove_from(self, renderer: Renderer) -> None:
        """Stop uploading this actor's geometry (its nodes stay in the scene)."""
        for mesh in (*self.meshes.values(), self._eyes):
            if mesh is not None:
                renderer.dynamic_meshes.remove(mesh)

    def prepare(self, frames: HumanFrames, eye_yaw_pitch_deg: np.ndarray | None = None,
                gaze_in_mesh: bool = False, au_intensities: dict | None = None,
                fold_weights: dict | None = None) -> None:
        """Precompute every frame's part geometry (batched normals) before ``show``.

        ``au_intensities`` (AU number -> (T,)): the AUs shown, for the folds FACS names where the rig
        does not squash the skin (``face_detail.AU_FOLDS``). ``fold_weights`` (``RigFrames``'s): the
        folds whose creases the skin's relief map draws (``wrinkles``).

        ``eye_yaw_pitch_deg``: gaze the eyes add to the mesh (eye bones). ``gaze_in_mesh``: the
        mesh's eye helpers already carry the gaze (morph-target rigs); built-in eyeballs then take
        their rotation from the helpers.
        """
        from humans.proxies import fit

        geometry = {}
        for name in self._drawn:
            part = self.parts[name]
            positions = frames.vertices[:, part.vertex_ids]
            if name == "skin" and self._lids is not None:  # the lids stay over the built-in eyeballs
                positions = self._lids.apply(positions, frames.eye_centres)
            geometry[name] = (positions, smooth_normals(positions, part.triangles, self._operators[name]))
        if self._attached:  # built-in hair, clothes, accessories: anchored, turned with the head
            head = head_rotations(self.body.rest_vertices, frames.vertices)
            for name, part in self._attached.items():
                positions = pose_attached(part, frames.vertices, head)
                if part.follow == "body" and np.ptp(positions, axis=0).max() < 2e-4:
                    # clothes that do not move in this clip: posed once, not re-uploaded per frame
                    self.meshes[name].update(positions[0], smooth_normals(positions[:1], part.triangles, self._operators[name])[0])
                    continue
                geometry[name] = (positions, smooth_normals(positions, part.triangles, self._operators[name]))
        t = frames.n_frames
        gaze = np.zeros((t, 2), np.float32) if eye_yaw_pitch_deg is None else np.asarray(eye_yaw_pitch_deg, np.float32)
        bone = frames.head_rotation @ rotation_ypr(gaze[:, 0], gaze[:, 1], np.zeros(t))
        for name, topo in self._textured.items():
            if name in self._proxies:
                source = fit(self._proxies[name].proxy, frames.vertices)
                if name == "eyes" and np.any(gaze):
                    source = _turn_eyes(source, frames, bone @ np.swapaxes(frames.head_rotation, 1, 2))
            else:
                source = frames.vertices
            normals = smooth_normals(source, topo.source_triangles, self._operators[name])
            geometry[name] = (source[:, topo.vertex_ids], normals[:, topo.vertex_ids])
        eye_rot = helper_eye_rotations(self.body.rest_vertices, frames.vertices) if gaze_in_mesh else np.stack([bone, bone], 1)
        self._prepared = (frames, geometry, eye_rot)
        self._skin_frames = None
        if self._folds is not None:
            frames_attr = np.repeat(self._skin_surface[None], t, 0)
            skin_positions, skin_normals = geometry["skin"]
            frames_attr[..., 1] *= self._folds.occlusion(skin_positions, au_intensities, normals=skin_normals)
            self._skin_frames = frames_attr
        self._detail_frames = None
        if self._wrinkles and fold_weights:
            maps = wrinkle_frames(fold_weights)
            # one array per frame, kept: the skin mesh recognises the map it already holds
            self._detail_frames = None if maps is None else list(maps)
        self._skin_tangents = None
        if self._detail_frames is not None:
            self._skin_tangents = wrinkle_tangents(self._tangent_operator, *geometry["skin"])
        self._teeth_frames = None
        if self._teeth is not None:
            area = self._teeth[0].visible_area(frames.vertices, frames.head_rotation)
            self._teeth_frames = (self._teeth[0].light(area), area >= MOUTH_SHUT_MM2)

    def prepare_basis(self, frames: HumanFrames, eye_yaw_pitch_deg: np.ndarray | None = None,
                      gaze_in_mesh: bool = False) -> None:
        """Remember how each part moves from ``frames``' first frame to each of the others.

        ``show(..., basis_weights=w)`` then adds ``sum_k w_k * (frame k+1 - frame 0)`` to the shown
        frame: small motions (blinks, head sway, gaze) superposed on any prepared expression without
        a new mesh forward. The prepared expression frames are kept.
        """
        saved = self._prepared, self._skin_frames, self._teeth_frames, self._detail_frames, self._skin_tangents
        self.prepare(frames, eye_yaw_pitch_deg, gaze_in_mesh)
        basis_frames, geometry, _ = self._prepared
        self._basis = ({name: (pos[1:] - pos[:1], nor[1:] - nor[:1]) for name, (pos, nor) in geometry.items()},
                       basis_frames.eye_centres[1:] - basis_frames.eye_centres[:1])
        self._prepared, self._skin_frames, self._teeth_frames, self._detail_frames, self._skin_tangents = saved

    def show(self, scene, index: int, basis_weights: np.ndarray | None = None,
             eye_rotation: np.ndarray | None = None, root_pose: np.ndarray | None = None) -> None:
        """Pose the actor as in prepared frame ``index``.

        ``basis_weights``: superpose the motions of ``prepare_basis``; ``eye_rotation`` (3, 3): an
        extra rotation of the built-in eyeballs (idle gaze and head sway); ``root_pose`` (4, 4): move
        the whole person rigidly (turning and walking away).
        """
        frames, geometry, eye_rot = self._prepared
        basis = getattr(self, "_basis", None) if basis_weights is not None else None
        for name, (positions, normals) in geometry.items():
            p, n = positions[index], normals[index]
            if basis is not None:
                dp, dn = basis[0][name]
                p = p + np.tensordot(basis_weights, dp, 1)
                n = n + np.tensordot(basis_weights, dn, 1)
                n = n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-9)
            tangent = None
            if name == "skin" and self._skin_tangents is not None:
                tangent = (self._skin_tangents[index] if basis is None
                           else wrinkle_tangents(self._tangent_operator, p[None], n[None])[0])
            self.meshes[name].update(p, n, tangent)
        if self._skin_frames is not None:  # the expression's folds travel with the skin attributes
            self.meshes["skin"].primitive.texcoord_1 = self._skin_frames[index]
        if self._wrinkles:  # and their creases with its relief map
            self.meshes["skin"].set_detail(None if self._detail_frames is None else self._detail_frames[index])
        if self._teeth_frames is not None:  # the lips' shadow on the teeth (uploaded with the geometry)
            base, light, shown = self._teeth[1], self._teeth_frames[0][index], bool(self._teeth_frames[1][index])
            teeth = self.meshes["teeth"].primitive
            teeth.color_0 = np.concatenate([base[:, :3] * light[:, None], base[:, 3:]], 1)
            teeth.texcoord_1 = np.stack([np.full_like(light, _ROUGHNESS["teeth"]), light], 1)  # no highlight in shadow
            for name in ("teeth", "tongue"):  # a shut mouth hides both: not drawn
                if name in self.meshes:
                    self.meshes[name].mesh.is_visible = shown
        root = np.eye(4) if root_pose is None else np.asarray(root_pose, np.float64)
        if not np.array_equal(root, getattr(self, "_root", np.eye(4))):  # re-pose nodes only when it moves
            for node in self._nodes:
                scene.set_pose(node, root)
            self._root = root
        centres = frames.eye_centres[index]
        if basis is not None:
            centres = centres + np.tensordot(basis_weights, basis[1], 1)
        if self._eyes is not None:
            radius = frames.eye_radius * EYEBALL_SCALE
            poses = np.repeat(np.eye(4)[None], 2, 0)
            for side in range(2):
                rot = eye_rot[index, side] if eye_rotation is None else eye_rotation @ eye_rot[index, side]
                poses[side, :3, :3] = rot * radius
                poses[side, :3, 3] = centres[side]
            self._eyes.set_poses(poses)  # the node carries the root pose


def _surface(name: str, vertex_ids: np.ndarray, appearance: Appearance) -> np.ndarray | None:
    """Per-vertex (roughness, occlusion) of a built-in part drawn with the skin shader, else None:
    the skin, and the teeth, whose occlusion (``TeethShade``) must also put out their highlight."""
    if name == "skin":
        return shade_surface(vertex_ids, skin_surface(appearance)[vertex_ids])
    if name == "teeth":
        return np.tile(np.float32([_ROUGHNESS["teeth"], 1.0]), (len(vertex_ids), 1))
    return None


def _labial_weights(vertex_ids: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(F,) weights of hm08's tooth triangles in their corners' normals: those facing forward count,
    the rest barely. hm08's teeth are a coarse closed shell whose biting-edge and gum-line vertices
    are shared by the front and back faces, so plain smooth normals there point down or sideways
    and the visible fronts of the teeth were shaded as if turned away from the light (khaki)."""
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices

    p = face_frame_coordinates(template_vertices())[vertex_ids]
    a, b, c = (p[triangles[:, k]] for k in range(3))
    forward = np.cross(b - a, c - a)[:, 1] < 0.0  # y is back
    return np.where(forward, 1.0, 0.02).astype(np.float32)


def _face_projection(part, relief: bool) -> tuple:
    """Where each skin vertex samples the paint and relief maps (its place on the neutral
    template), and, with ``relief``, the operator giving the relief map's tangents from a frame's
    positions (else None)."""
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices

    template_mm = face_frame_coordinates(template_vertices())[part.vertex_ids] * 1000.0
    return texcoords(template_mm), tangent_operator(template_mm, part.triangles) if relief else None


def _turn_eyes(points: np.ndarray, frames: HumanFrames, rotation: np.ndarray) -> np.ndarray:
    """Rotate each eye's proxy vertices (T, N, 3) about its eye centre by ``rotation`` (T, 3, 3)."""
    centre = frames.eye_centres.mean(1, keepdims=True)  # (T, 1, 3)
    left = points[..., 0] > centre[..., 0]  # the subject's left is +x
    out = points.copy()
    for side, mask in ((0, left), (1, ~left)):
        c = frames.eye_centres[:, side][:, None]
        moved = np.einsum("tij,tnj->tni", rotation, points - c) + c
        out = np.where(mask[..., None], moved, out)
    return out


def helper_eye_rotations(rest: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """(T, 2, 3, 3) rotations of the left/right hm08 eye helpers from rest (Kabsch fit)."""
    out = np.empty((vertices.shape[0], 2, 3, 3), np.float32)
    for side, key in enumerate(("L", "R")):
        sl = slice(*EYE_VERTICES[key])
        out[:, side] = kabsch_rotations(rest[sl], vertices[:, sl])
    return out
