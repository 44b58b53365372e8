"""The physical scene: a pybullet DIRECT world with a floor, a counter, a person's collision body and
the robot (``assets/robot.urdf``). Rendering lives in ``sim_env.envs.view``; this module knows no GL.

Layout (world frame of ``humans.mesh``: metres, z up, the person stands at the origin facing -y):
the person stands at a service counter (a menu on it) and the robot works on the other side of
the counter, so the camera sees the face over the counter top, as at a shop or reception desk.
A back wall behind the person gives the camera a background.
"""
from __future__ import annotations

import dataclasses
from importlib import resources

import numpy as np

from sim_env.render.viewpoints import Viewpoint

ROBOT_JOINTS = ("base_x", "base_y", "base_yaw", "lift", "head_pan", "head_tilt")
# Robot state reported to policies: base x, y, yaw (rad), lift (m), head pan, tilt (rad).
STATE_LOW = np.array([-6.0, -6.0, -np.pi, 0.5, -2.6, -1.0], np.float32)
STATE_HIGH = np.array([6.0, 6.0, np.pi, 2.6, 2.6, 1.0], np.float32)
# OpenGL camera axes (right, up, back) expressed in camera_link's ROS axes (forward, left, up).
_LINK_TO_GL = np.array([[0.0, 0.0, -1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


@dataclasses.dataclass(frozen=True)
class Box:
    """A static box: centre (m), full size (m), colour (linear RGBA)."""

    name: str
    centre: tuple[float, float, float]
    size: tuple[float, float, float]
    rgba: tuple[float, float, float, float]
    pitch_deg: float = 0.0  # rotation about the x axis (the menu leans back)
    collides: bool = True


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where the furniture stands. Defaults: a 2 m counter 0.5 m in front of the person's toes."""

    counter_front_y: float = -0.45  # the edge on the person's side
    counter_depth: float = 0.35
    counter_width: float = 2.0
    counter_height: float = 1.0
    wall_y: float = 1.4
    person_radius: float = 0.24
    person_height: float = 1.75

    def boxes(self) -> tuple[Box, ...]:
        y0, d, w, h = self.counter_front_y, self.counter_depth, self.counter_width, self.counter_height
        cy = y0 - d / 2
        return (
            Box("floor", (0.0, 0.0, -0.05), (12.0, 12.0, 0.1), (0.36, 0.33, 0.3, 1.0)),
            Box("back_wall", (0.0, self.wall_y + 0.05, 3.0), (12.0, 0.1, 6.0), (0.62, 0.6, 0.55, 1.0)),
            Box("counter", (0.0, cy, h / 2 - 0.02), (w, d, h - 0.04), (0.35, 0.2, 0.1, 1.0)),
            Box("counter_top", (0.0, cy, h - 0.02), (w + 0.04, d + 0.04, 0.04), (0.8, 0.78, 0.72, 1.0)),
            Box("menu", (0.25, cy + 0.02, h + 0.12), (0.3, 0.02, 0.24), (0.85, 0.12, 0.1, 1.0), pitch_deg=-20.0,
                collides=False),
        )


class World:
    """pybullet world with the robot; moves the robot by its joint motors and reports poses."""

    def __init__(self, layout: Layout | None = None, physics_hz: int = 240):
        from hrisim.quiet import native_output_silenced

        with native_output_silenced():  # pybullet prints its build banner from C at import
            import pybullet
            from pybullet_utils import bullet_client

        self.layout = layout or Layout()
        self.physics_hz = int(physics_hz)
        self._p = pybullet
        with native_output_silenced():  # and "argv[0]=" when it connects
            self.client = bullet_client.BulletClient(connection_mode=pybullet.DIRECT)
        c = self.client
        c.setGravity(0, 0, -9.81)
        c.setTimeStep(1.0 / self.physics_hz)
        self.static_bodies: dict[str, int] = {}
        for box in self.layout.boxes():
            half = [s / 2 for s in box.size]
            orn = c.getQuaternionFromEuler([np.radians(box.pitch_deg), 0, 0])
            col = c.createCollisionShape(pybullet.GEOM_BOX, halfExtents=half) if box.collides else -1
            vis = c.createVisualShape(pybullet.GEOM_BOX, halfExtents=half, rgbaColor=box.rgba)
            self.static_bodies[box.name] = c.createMultiBody(0, col, vis, box.centre, orn)
        # The person: a static cylinder the robot cannot drive through (drawn by the human mesh instead).
        lay = self.layout
        person = c.createCollisionShape(pybullet.GEOM_CYLINDER, radius=lay.person_radius, height=lay.person_height)
        self.person_body = c.createMultiBody(0, person, -1, (0.0, -0.12, lay.person_height / 2))
        urdf = resources.files("sim_env.envs.assets") / "robot.urdf"
        with resources.as_file(urdf) as path:
            self.robot = c.loadURDF(str(path), useFixedBase=True, flags=pybullet.URDF_USE_INERTIA_FROM_FILE)
        self.joints: dict[str, int] = {}
        self.links: dict[str, int] = {}
        self.joint_limits: dict[str, tuple[float, float]] = {}
        for j in range(c.getNumJoints(self.robot)):
            info = c.getJointInfo(self.robot, j)
            self.joints[info[1].decode()] = j
            self.links[info[12].decode()] = j
            self.joint_limits[info[1].decode()] = (info[8], info[9])
        self._motor_ids = [self.joints[n] for n in ROBOT_JOINTS]
        self._velocities = np.zeros(len(ROBOT_JOINTS))
        for j in range(c.getNumJoints(self.robot)):  # no friction-like default motors fighting ours
            c.changeDynamics(self.robot, j, linearDamping=0, angularDamping=0, jointDamping=0)
        self.hold()

    # -- geometry of the head, from the URDF (read once, so kinematics never duplicate the file) ---------
    def _camera_offsets(self) -> tuple[float, np.ndarray]:
        """(pan->tilt height, tilt->camera offset in the head frame)."""
        c = self.client
        tilt = c.getJointInfo(self.robot, self.joints["head_tilt"])
        cam = c.getJointInfo(self.robot, self.joints["camera"])
        return float(tilt[14][2]), np.asarray(cam[14], np.float64)

    # -- placing --------------------------------------------------------------------------------------
    def set_robot(self, x: float, y: float, yaw: float, lift: float, pan: float = 0.0, tilt: float = 0.0) -> None:
        for name, value in zip(ROBOT_JOINTS, (x, y, yaw, lift, pan, tilt)):
            self.client.resetJointState(self.robot, self.joints[name], float(value), 0.0)
        self.hold()

    def place_camera(self, face_centre, viewpoint: Viewpoint, face_forward=(0.0, -1.0, 0.0)) -> None:
        """Put the robot so that its camera sits at ``viewpoint`` around the face, aiming at it.

        Solved in closed form (pan = 0, the base turns to the face, the head tilts by the vertical
        angle). Raises ValueError when the pose is out of the lift's range or collides.
        """
        from sim_env.render.camera import RobotCamera

        target = RobotCamera.around_face(face_centre, viewpoint.horizontal_deg, viewpoint.vertical_deg,
                                         viewpoint.distance, face_forward=face_forward)
        eye = target.position
        forward = np.asarray(face_centre, np.float64) - eye
        forward /= np.linalg.norm(forward)
        yaw = float(np.arctan2(forward[1], forward[0]))
        tilt = float(np.arcsin(-forward[2]))  # + looks down
        tilt_height, cam = self._camera_offsets()
        cy, sy, ct, st = np.cos(yaw), np.sin(yaw), np.cos(tilt), np.sin(tilt)
        # camera offset rotated by tilt (about y) then yaw (about z)
        off = np.array([ct * cam[0] + st * cam[2], cam[1], -st * cam[0] + ct * cam[2]])
        off = np.array([cy * off[0] - sy * off[1], sy * off[0] + cy * off[1], off[2]])
        x, y = eye[0] - off[0], eye[1] - off[1]
        lift = eye[2] - off[2] - tilt_height
        lo, hi = self.joint_limits["lift"]
        if not lo <= lift <= hi:
            raise ValueError(f"viewpoint {viewpoint.name} needs the camera mast at {lift:.2f} m, outside the "
                             f"robot's lift range [{lo}, {hi}] m: use a smaller distance or vertical angle")
        t_lo, t_hi = self.joint_limits["head_tilt"]
        if not t_lo <= tilt <= t_hi:
            raise ValueError(f"viewpoint {viewpoint.name} needs a head tilt of {np.degrees(tilt):.0f} deg, "
                             f"outside [{np.degrees(t_lo):.0f}, {np.degrees(t_hi):.0f}]")
        self.set_robot(x, y, yaw, lift, 0.0, tilt)
        hit = self.colliding_with()
        if hit:
            raise ValueError(f"viewpoint {viewpoint.name} puts the robot base inside the {hit} "
                             f"(base at x={x:.2f}, y={y:.2f}); use a larger distance or a smaller angle")

    def colliding_with(self) -> str | None:
        """Name of a static body the robot overlaps (None if free)."""
        c = self.client
        bodies = {**self.static_bodies, "person": self.person_body}
        for name, body in bodies.items():
            if name == "floor":
                continue
            if c.getClosestPoints(self.robot, body, distance=0.0):
                return name
        return None

    # -- moving ---------------------------------------------------------------------------------------
    def hold(self) -> None:
        self.command(np.zeros(len(ROBOT_JOINTS)))

    def command(self, velocities) -> None:
        """Joint velocities in ROBOT_JOINTS order (base x/y in the world frame), held until changed."""
        v = np.asarray(velocities, np.float64)
        self._velocities = v
        self.client.setJointMotorControlArray(
            self.robot, self._motor_ids, self._p.VELOCITY_CONTROL,
            targetVelocities=v.tolist(), forces=[4000.0, 4000.0, 500.0, 2000.0, 200.0, 200.0],
        )

    def command_twist(self, forward: float, left: float, turn: float, lift: float, pan: float, tilt: float) -> None:
        """Velocities in the robot's frame: m/s forward and to its left, rad/s turn, m/s lift, rad/s head."""
        yaw = self.robot_state()[2]
        c, s = np.cos(yaw), np.sin(yaw)
        self.command([c * forward - s * left, s * forward + c * left, turn, lift, pan, tilt])

    def step(self, seconds: float) -> None:
        for _ in range(max(1, int(round(seconds * self.physics_hz)))):
            self.client.stepSimulation()

    # -- reading --------------------------------------------------------------------------------------
    def robot_state(self) -> np.ndarray:
        states = self.client.getJointStates(self.robot, self._motor_ids)
        q = np.array([s[0] for s in states], np.float32)
        q[2] = (q[2] + np.pi) % (2 * np.pi) - np.pi
        return np.clip(q, STATE_LOW, STATE_HIGH)

    def link_pose(self, body: int, link: int) -> np.ndarray:
        """4x4 world pose of a link's URDF frame (link -1 = the body's base)."""
        c = self.client
        if link < 0:
            pos, orn = c.getBasePositionAndOrientation(body)
        else:
            state = c.getLinkState(body, link, computeForwardKinematics=True)
            pos, orn = state[4], state[5]
        pose = np.eye(4)
        pose[:3, :3] = np.asarray(c.getMatrixFromQuaternion(orn)).reshape(3, 3)
        pose[:3, 3] = pos
        return pose

    def camera_pose(self) -> np.ndarray:
        """OpenGL camera-to-world pose of camera_link (it looks along its +x, up is its +z)."""
        link = self.link_pose(self.robot, self.links["camera_link"])
        pose = np.eye(4)
        pose[:3, :3] = link[:3, :3] @ _LINK_TO_GL
        pose[:3, 3] = link[:3, 3]
        return pose

    def visual_shapes(self):
        """(body, link, kind, dimensions, local 4x4, rgba) of every drawable shape of the world."""
        c = self.client
        out = []
        for body in (*self.static_bodies.values(), self.robot):
            for shape in c.getVisualShapeData(body):
                _, link, kind, dims, _, pos, orn, rgba = shape[:8]
                local = np.eye(4)
                local[:3, :3] = np.asarray(c.getMatrixFromQuaternion(orn)).reshape(3, 3)
                local[:3, 3] = pos
                if link >= 0:  # visual frames are given relative to the link's inertial frame
                    inertial = c.getDynamicsInfo(body, link)
                    com = np.eye(4)
                    com[:3, :3] = np.asarray(c.getMatrixFromQuaternion(inertial[4])).reshape(3, 3)
                    com[:3, 3] = inertial[3]
                    local = com @ local
                out.append((body, link, kind, tuple(dims), local, tuple(rgba)))
        return out

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.disconnect()
            except Exception:  # already gone
                pass
            self.client = None
