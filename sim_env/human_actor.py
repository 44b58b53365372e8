"""A virtual human in a pyrender scene: skin, lips, brows, eyes, teeth and tongue, posed per frame."""
from __future__ import annotations

import numpy as np

from humans.appearance import Appearance, eyeball_mesh, skin_vertex_colours, srgb_to_linear
from humans.mesh import HumanBody, HumanFrames, normal_operator, rotation_ypr, smooth_normals
from humans.topology import part_topologies
from sim_env.renderer import DynamicMesh, Renderer

# Parts drawn from hm08 geometry; the eyes are our own spheres (see ``humans.appearance``).
# hm08's eyelash helper is a flat placeholder strip that renders as a dark band, so lashes are left
# to the asset packs' proxies.
_DRAWN_PARTS = ("skin", "tongue", "teeth")
_ROUGHNESS = {"skin": 0.62, "tongue": 0.35, "teeth": 0.3, "eyelashes": 0.9}
# The iris sits a little inside hm08's eye helper so that the lids cover the ball's rim.
EYEBALL_SCALE = 0.96


class HumanActor:
    def __init__(self, body: HumanBody, appearance: Appearance, variant: str = "head"):
        import pyrender

        self.body = body
        self.appearance = appearance
        self.parts = part_topologies(variant)
        skin = skin_vertex_colours(appearance)
        flat = {
            "tongue": srgb_to_linear(appearance.tongue),
            "teeth": srgb_to_linear(appearance.teeth),
            "eyelashes": srgb_to_linear(appearance.eyelashes),
        }
        rest = body.rest_vertices[None]
        self.meshes: dict[str, DynamicMesh] = {}
        self._operators = {}
        for name in _DRAWN_PARTS:
            part = self.parts[name]
            positions = rest[:, part.vertex_ids]
            self._operators[name] = normal_operator(part.triangles, len(part.vertex_ids))
            normals = smooth_normals(positions, part.triangles, self._operators[name])
            colours = skin[part.vertex_ids] if name == "skin" else np.broadcast_to(flat[name], (len(part.vertex_ids), 3))
            self.meshes[name] = DynamicMesh(
                positions[0], normals[0], colours, part.triangles,
                roughness=_ROUGHNESS[name], double_sided=name == "eyelashes",
            )
        verts, tris, cols = eyeball_mesh(tuple(appearance.iris), tuple(appearance.sclera))
        material = pyrender.MetallicRoughnessMaterial(baseColorFactor=[1.0, 1.0, 1.0, 1.0], metallicFactor=0.0, roughnessFactor=0.25)
        rgba = np.concatenate([cols, np.ones((len(cols), 1), np.float32)], 1)
        self.eye_mesh = pyrender.Mesh(
            [pyrender.Primitive(positions=verts, normals=verts, color_0=rgba, indices=tris.astype(np.uint32), material=material, mode=4)]
        )
        self._nodes = []
        self._eye_nodes = []
        self._prepared: tuple[HumanFrames, dict, np.ndarray] | None = None

    def add_to(self, scene, renderer: Renderer) -> None:
        for mesh in self.meshes.values():
            self._nodes.append(scene.add(mesh.mesh))
            renderer.dynamic_meshes.append(mesh)
        self._eye_nodes = [scene.add(self.eye_mesh, pose=np.eye(4)) for _ in range(2)]

    def prepare(self, frames: HumanFrames, eye_yaw_pitch_deg: np.ndarray | None = None) -> None:
        """Precompute every frame's part geometry (batched normals) before ``show``."""
        geometry = {}
        for name in _DRAWN_PARTS:
            part = self.parts[name]
            positions = frames.vertices[:, part.vertex_ids]
            geometry[name] = (positions, smooth_normals(positions, part.triangles, self._operators[name]))
        t = frames.n_frames
        gaze = np.zeros((t, 2), np.float32) if eye_yaw_pitch_deg is None else np.asarray(eye_yaw_pitch_deg, np.float32)
        eye_rot = frames.head_rotation @ rotation_ypr(gaze[:, 0], gaze[:, 1], np.zeros(t))
        self._prepared = (frames, geometry, eye_rot)

    def show(self, scene, index: int) -> None:
        """Pose the actor as in prepared frame ``index``."""
        frames, geometry, eye_rot = self._prepared
        for name, (positions, normals) in geometry.items():
            self.meshes[name].update(positions[index], normals[index])
        radius = frames.eye_radius * EYEBALL_SCALE
        for side, node in enumerate(self._eye_nodes):
            pose = np.eye(4)
            pose[:3, :3] = eye_rot[index] * radius
            pose[:3, 3] = frames.eye_centres[index, side]
            scene.set_pose(node, pose)
