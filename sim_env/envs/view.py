"""What the robot camera sees: the pybullet world's shapes, the person and the lights, in one
pyrender scene drawn by the foundation ``Renderer``.

The GL context is created on the first draw, in the process that draws (EGL contexts cannot be
pickled, so vector-env workers each make their own). Static furniture is one mesh, added once; each
robot link is one mesh, re-posed from pybullet before each draw and skipped when outside the camera's
frustum; the person is swapped only when the human changes (the last four stay cached, hidden).
"""
from __future__ import annotations

import numpy as np

from sim_env.envs import person as person_assets
from sim_env.render.camera import RobotCamera, look_at
from sim_env.render.options import RenderOptions

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
    """Draws ``world`` plus the current person from any ``RobotCamera``, as ``render_clip`` draws a
    dataset's clips: the same ``RenderOptions`` (rig, appearance, lighting, exposure, antialias), the
    same actor and the same ``Performance`` of each signal."""

    def __init__(self, world, options: RenderOptions, seed: int = 0, hand: bool = False):
        """``hand``: people may raise a hand to the face (the actor draws that arm; ``person.idle_basis``)."""
        self.world = world
        self.hand = bool(hand)
        self.options = options
        self.width, self.height, self.yfov_deg = options.width, options.height, options.yfov_deg
        self.lighting = options.lighting_for(seed)
        self._seed = int(seed)
        self.background = options.background_value()
        self.renderer = None
        self.scene = None
        self._moving: list[tuple] = []  # (node, body, link, bounding sphere in the link frame)
        self._actors: dict[str, tuple] = {}
        self._lights: list = []
        self._human = None  # the HumanSpec shown
        self._prepared_signal = ("", None)
        self._root = np.eye(4)

    # -- lazily built GL side -------------------------------------------------------------------------
    def _ensure(self) -> None:
        if self.renderer is not None:
            return
        import pyrender

        from sim_env.render.renderer import Renderer

        from sim_env.render.camera_model import Camera, settings_for

        self.renderer = Renderer(self.width, self.height, antialias=self.options.antialias)
        # The dataset's camera, as a stream: exposure meters on the face and adapts frame to frame.
        self.renderer.camera_model = Camera(settings_for(self.options, self._seed), self.lighting)
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
        self._aim_lights(np.array([0.0, -0.17, 1.55]))  # a typical face until a person is shown

    def _aim_lights(self, face_centre: np.ndarray) -> None:
        """The lighting preset aimed at the shown person's face, as ``render_clip`` lights a clip."""
        from sim_env.render.renderer import add_lights

        for node in self._lights:
            self.scene.remove_node(node)
        self._lights = add_lights(self.scene, self.lighting, face_centre)

    def set_human(self, spec) -> None:
        """Show ``spec``'s person (built on first use; the last few stay in the scene, hidden)."""
        self._ensure()
        if self._human is not None and self._human == spec:
            return
        from sim_env.render.performance import make_actor
        from sim_env.render.renderer import DynamicMesh

        for entry in self._actors.values():
            _set_visible(entry, False)
        entry = self._actors.get(spec.id)
        if entry is None or entry[0] != spec:
            if entry is not None or len(self._actors) >= 4:
                self._evict(spec.id if entry is not None else next(iter(self._actors)))
            actor = make_actor(spec, self.options, person_assets.drawn_variant(spec, self.hand))
            actor.prepare_basis(*person_assets.idle_basis(spec, self.hand))
            pos, normals, colours, tris = person_assets.clothed_body(spec, self.hand)
            clothes = DynamicMesh(pos, normals, colours, tris, roughness=0.85).mesh
            before = set(self.scene.nodes)
            actor.add_to(self.scene, self.renderer)
            clothes_node = self.scene.add(clothes)
            entry = (spec, actor, clothes, [n for n in self.scene.nodes if n not in before], clothes_node)
            self._actors[spec.id] = entry
        _set_visible(entry, True)
        self._aim_lights(person_assets.face_centre(spec))
        self._human = spec
        self._prepared_signal = ("", None)

    def _evict(self, human_id: str) -> None:
        _, actor, _, nodes, _ = self._actors.pop(human_id)
        for node in nodes:
            self.scene.remove_node(node)
        actor.remove_from(self.renderer)

    def show(self, signal_id: str | None, frame: int, pose=None) -> None:
        """Pose the face: ``frame`` of ``signal_id`` (frame < 0 or no signal = neutral), with the idle
        motion and whole-body placement of ``pose`` (a ``person.PersonPose``; None = still)."""
        from sim_env.render.performance import prepare_actor

        spec = self._human
        _, actor, _, _, clothes_node = self._actors[spec.id]
        scale = pose.intensity_scale if pose is not None else 1.0  # near-static expressions
        if self._prepared_signal != (spec.id, signal_id, scale):
            prepare_actor(actor, person_assets.signal_performance(spec, signal_id, self.options.rig, scale))
            self._prepared_signal = (spec.id, signal_id, scale)
        index = person_assets.shown_index(signal_id, frame)
        if pose is None:
            actor.show(self.scene, index)
            root = np.eye(4)
        else:
            actor.show(self.scene, index, pose.weights(self.hand), pose.eye_rotation(), pose.root)
            root = pose.root
        if not np.array_equal(root, self._root):
            self.scene.set_pose(clothes_node, root)
            self._root = root

    def camera(self, pose: np.ndarray) -> RobotCamera:
        return RobotCamera(width=self.width, height=self.height, yfov_deg=self.yfov_deg, pose=pose)

    def overview_camera(self) -> RobotCamera:
        """A third-person view of the counter, the person and the robot (for videos and debugging)."""
        return RobotCamera(width=self.width, height=self.height, yfov_deg=50.0,
                           pose=look_at(np.array([2.6, -2.6, 2.3]), np.array([0.0, -0.6, 1.0])))

    def draw(self, camera: RobotCamera, face_box: np.ndarray | None = None) -> np.ndarray:
        """The camera's image; ``face_box`` (x0, y0, x1, y1) is where its exposure meters."""
        self._ensure()
        for node, body, link, (centre, radius) in self._moving:
            pose = self.world.link_pose(body, link)
            node.mesh.is_visible = _in_view(camera, pose[:3, :3] @ centre + pose[:3, 3], radius)
            if node.mesh.is_visible:
                self.scene.set_pose(node, pose)
        return self.renderer.render(self.scene, camera, self.background, face_box=face_box)

    def close(self) -> None:
        if self.renderer is not None:
            self.renderer.close()
            self.renderer = None


def _set_visible(entry, visible: bool) -> None:
    _, actor, clothes, _, _ = entry
    for mesh in (*[m.mesh for m in actor.meshes.values()], actor.eye_mesh, clothes):
        if mesh is not None:  # no built-in eyeballs when MakeHuman eye proxies are drawn
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
