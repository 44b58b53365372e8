"""What the robot camera sees: the pybullet world's shapes, the person and the lights, in one
pyrender scene drawn by the foundation ``Renderer``.

The GL context is created on the first draw, in the process that draws (EGL contexts cannot be
pickled, so vector-env workers each make their own). Static furniture is one mesh, added once; each
robot link is one mesh, re-posed from pybullet before each draw and skipped when outside the camera's
frustum; the person is swapped only when the human changes (the last four stay cached, hidden).
"""
from __future__ import annotations

import numpy as np

from sim_env.render.camera import RobotCamera, look_at
from sim_env.envs import human_assets
from sim_env.render.lighting import Lighting, lighting_preset

_BOX, _CYLINDER, _SPHERE, _CAPSULE = 3, 4, 2, 7  # pybullet GEOM_* codes


def _primitive(kind: int, dims, rgba):
    """A trimesh of one pybullet visual shape, vertex-coloured."""
    import trimesh

    if kind == _BOX:
        tm = trimesh.creation.box(extents=dims[:3])
    elif kind == _CYLINDER:
        tm = trimesh.creation.cylinder(radius=dims[1], height=dims[0], sections=24)
    elif kind == _SPHERE:
        tm = trimesh.creation.icosphere(subdivisions=2, radius=dims[0])
    elif kind == _CAPSULE:
        tm = trimesh.creation.capsule(height=dims[0], radius=dims[1])
    else:
        raise ValueError(f"pybullet visual geometry type {kind} is not drawable (box, cylinder, sphere, capsule)")
    tm.visual.vertex_colors = np.clip(np.asarray(rgba) * 255, 0, 255).astype(np.uint8)
    return tm


def _merged_mesh(parts):
    """One pyrender mesh (one draw call) for several coloured shapes."""
    import pyrender
    import trimesh

    merged = trimesh.util.concatenate(parts)
    faces = merged.faces
    positions = merged.vertices[faces].reshape(-1, 3).astype(np.float32)  # flat shading: unshared corners
    normals = np.repeat(merged.face_normals, 3, axis=0).astype(np.float32)
    colours = merged.visual.vertex_colors[faces].reshape(-1, 4).astype(np.float32) / 255.0
    material = pyrender.MetallicRoughnessMaterial(baseColorFactor=[1.0, 1.0, 1.0, 1.0], metallicFactor=0.0,
                                                  roughnessFactor=0.7)
    return pyrender.Mesh([pyrender.Primitive(positions=positions, normals=normals, color_0=colours,
                                             material=material, mode=4)])


class SceneView:
    """Draws ``world`` plus the current person from any ``RobotCamera``."""

    def __init__(self, world, width: int, height: int, yfov_deg: float, lighting: Lighting | str = "studio"):
        self.world = world
        self.width, self.height, self.yfov_deg = int(width), int(height), float(yfov_deg)
        self.lighting = lighting_preset(lighting) if isinstance(lighting, str) else lighting
        self.renderer = None
        self.scene = None
        self._moving: list[tuple] = []  # (node, body, link, bounding sphere in the link frame)
        self._actors: dict[str, tuple] = {}
        self._human = None  # the HumanSpec shown
        self._prepared_signal = ("", None)

    # -- lazily built GL side -------------------------------------------------------------------------
    def _ensure(self) -> None:
        if self.renderer is not None:
            return
        import pyrender

        from sim_env.render.renderer import Renderer, add_lights

        self.renderer = Renderer(self.width, self.height)
        self.scene = pyrender.Scene()
        # Static furniture becomes one mesh; each robot link one mesh re-posed from pybullet per draw
        # and drawn only when its bounding sphere is inside the camera's view.
        groups: dict = {}
        for body, link, kind, dims, local, rgba in self.world.visual_shapes():
            tm = _primitive(kind, dims, rgba)
            moving = body == self.world.robot
            tm.apply_transform(local if moving else self.world.link_pose(body, link) @ local)
            groups.setdefault((body, link) if moving else "static", []).append(tm)
        for key, parts in groups.items():
            mesh = _merged_mesh(parts)
            if key == "static":
                self.scene.add(mesh)
                continue
            lo, hi = np.min([p.bounds[0] for p in parts], 0), np.max([p.bounds[1] for p in parts], 0)
            sphere = ((lo + hi) / 2, float(np.linalg.norm(hi - lo) / 2))
            node = self.scene.add(mesh, pose=self.world.link_pose(*key))
            self._moving.append((node, key[0], key[1], sphere))
        # Lights are fixed to the person's place (a room's lights), aimed at a typical face height.
        add_lights(self.scene, self.lighting, np.array([0.0, -0.17, 1.55]))

    def set_human(self, spec) -> None:
        """Show ``spec``'s person (built on first use; the last few stay in the scene, hidden)."""
        self._ensure()
        if self._human is not None and self._human == spec:
            return
        from humans.appearance import appearance_for
        from sim_env.render.actor import HumanActor
        from sim_env.render.renderer import DynamicMesh

        for entry in self._actors.values():
            _set_visible(entry, False)
        entry = self._actors.get(spec.id)
        if entry is None or entry[0] != spec:
            if entry is not None or len(self._actors) >= 4:
                self._evict(spec.id if entry is not None else next(iter(self._actors)))
            body = human_assets.human_body(spec)
            actor = HumanActor(body, appearance_for(spec), "head")
            pos, normals, colours, tris = human_assets.clothed_body(spec)
            clothes = DynamicMesh(pos, normals, colours, tris, roughness=0.85).mesh
            before = set(self.scene.nodes)
            actor.add_to(self.scene, self.renderer)
            self.scene.add(clothes)
            entry = (spec, actor, clothes, [n for n in self.scene.nodes if n not in before])
            self._actors[spec.id] = entry
        _set_visible(entry, True)
        self._human = spec
        self._prepared_signal = ("", None)

    def _evict(self, human_id: str) -> None:
        _, actor, _, nodes = self._actors.pop(human_id)
        for node in nodes:
            self.scene.remove_node(node)
        for mesh in actor.meshes.values():
            self.renderer.dynamic_meshes.remove(mesh)

    def show(self, signal_id: str | None, frame: int) -> None:
        """Pose the face: ``frame`` of ``signal_id`` (frame < 0 or no signal = neutral)."""
        spec = self._human
        actor = self._actors[spec.id][1]
        if self._prepared_signal != (spec.id, signal_id):
            frames, eyes = human_assets.face_frames(spec, signal_id)
            actor.prepare(frames, eyes)
            self._prepared_signal = (spec.id, signal_id)
        actor.show(self.scene, 0 if signal_id is None or frame < 0 else frame + 1)

    def camera(self, pose: np.ndarray) -> RobotCamera:
        return RobotCamera(width=self.width, height=self.height, yfov_deg=self.yfov_deg, pose=pose)

    def overview_camera(self) -> RobotCamera:
        """A third-person view of the counter, the person and the robot (for videos and debugging)."""
        return RobotCamera(width=self.width, height=self.height, yfov_deg=50.0,
                           pose=look_at(np.array([2.6, -2.6, 2.3]), np.array([0.0, -0.6, 1.0])))

    def draw(self, camera: RobotCamera) -> np.ndarray:
        self._ensure()
        for node, body, link, (centre, radius) in self._moving:
            pose = self.world.link_pose(body, link)
            node.mesh.is_visible = _in_view(camera, pose[:3, :3] @ centre + pose[:3, 3], radius)
            if node.mesh.is_visible:
                self.scene.set_pose(node, pose)
        return self.renderer.render(self.scene, camera)

    def close(self) -> None:
        if self.renderer is not None:
            release_renderer(self.renderer)
            self.renderer = None


def release_renderer(renderer) -> None:
    """Free a Renderer's GL context but keep the process's EGL display initialised.

    pyrender's ``delete()`` ends with ``eglTerminate``, which invalidates every other context on the
    same display: closing one env would break the others of the process (a sync vector env,
    ``check_env``'s temporary envs, a test session). Envs release their context this way instead.
    """
    off = renderer._offscreen
    platform = getattr(off, "_platform", None)
    if off is None or getattr(platform, "_egl_display", None) is None:
        renderer.close()
        return
    from OpenGL.EGL import eglDestroyContext

    platform.make_current()
    if off._renderer is not None:
        off._renderer.delete()
    eglDestroyContext(platform._egl_display, platform._egl_context)
    platform._egl_context = platform._egl_display = None
    off._renderer = off._platform = None
    renderer._offscreen = None


def _set_visible(entry, visible: bool) -> None:
    _, actor, clothes, _ = entry
    for mesh in (*[m.mesh for m in actor.meshes.values()], actor.eye_mesh, clothes):
        mesh.is_visible = visible


def _in_view(camera: RobotCamera, centre: np.ndarray, radius: float) -> bool:
    """Does a sphere intersect the camera's view frustum (near plane and the four sides)?"""
    p = np.linalg.inv(camera.pose)[:3] @ np.append(centre, 1.0)
    depth = -p[2]
    if depth + radius < camera.znear:
        return False
    ty = np.tan(np.radians(camera.yfov_deg) / 2)
    tx = ty * camera.width / camera.height
    for t, c in ((tx, p[0]), (ty, p[1])):  # distance to the side planes |c| = t * depth
        if (abs(c) - t * depth) / np.sqrt(1 + t * t) > radius:
            return False
    return True
