"""The robot's camera: image size, vertical field of view and a pose in the world.

The paper places the camera by (horizontal, vertical) angles around the face. Here: horizontal > 0
moves the camera toward the subject's left (+x), vertical > 0 raises it above the eyes; the camera
always aims at the face centre. Our world is z-up and the person faces -y (see ``humans.mesh``).
"""
from __future__ import annotations

import dataclasses

import numpy as np


def look_at(eye: np.ndarray, target: np.ndarray, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """4x4 camera-to-world pose, OpenGL convention (camera looks along its -z, y up)."""
    eye = np.asarray(eye, np.float64)
    forward = np.asarray(target, np.float64) - eye
    forward /= np.linalg.norm(forward)
    up = np.asarray(up, np.float64)
    if abs(np.dot(forward, up)) > 0.999:
        raise ValueError("camera cannot look straight along its up vector")
    right = np.cross(forward, up)
    right /= np.linalg.norm(right)
    true_up = np.cross(right, forward)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = right, true_up, -forward, eye
    return pose


@dataclasses.dataclass(frozen=True)
class RobotCamera:
    """A pinhole camera; ``pose`` is camera-to-world (OpenGL convention)."""

    width: int = 160
    height: int = 160
    yfov_deg: float = 20.0
    pose: np.ndarray = dataclasses.field(default_factory=lambda: np.eye(4))
    znear: float = 0.05
    zfar: float = 20.0

    def __post_init__(self):
        if self.width < 8 or self.height < 8:
            raise ValueError(f"camera image must be at least 8x8 pixels, got {self.width}x{self.height}")
        if not 1.0 <= self.yfov_deg <= 170.0:
            raise ValueError(f"yfov_deg must lie in [1, 170], got {self.yfov_deg}")

    @classmethod
    def around_face(
        cls,
        face_centre,
        horizontal_deg: float,
        vertical_deg: float,
        distance: float = 0.6,
        face_forward=(0.0, -1.0, 0.0),
        **kwargs,
    ) -> "RobotCamera":
        """Camera on a sphere of radius ``distance`` around the face (the paper's convention)."""
        if distance <= 0:
            raise ValueError(f"distance must be positive, got {distance}")
        f = np.asarray(face_forward, np.float64)
        f /= np.linalg.norm(f)
        up = np.array([0.0, 0.0, 1.0])
        left = np.cross(up, f)  # subject's left when facing f
        h, v = np.radians(horizontal_deg), np.radians(vertical_deg)
        direction = np.cos(v) * (np.cos(h) * f + np.sin(h) * left) + np.sin(v) * up
        centre = np.asarray(face_centre, np.float64)
        return cls(pose=look_at(centre + distance * direction, centre), **kwargs)

    @property
    def position(self) -> np.ndarray:
        return self.pose[:3, 3]

    def intrinsics(self) -> np.ndarray:
        fy = 0.5 * self.height / np.tan(np.radians(self.yfov_deg) / 2)
        return np.array([[fy, 0, self.width / 2], [0, fy, self.height / 2], [0, 0, 1.0]])

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (..., 3) to pixel coordinates (..., 2), origin top-left, x right, y down."""
        pts = np.asarray(points, np.float64)
        world_to_cam = np.linalg.inv(self.pose)
        cam = pts @ world_to_cam[:3, :3].T + world_to_cam[:3, 3]
        k = self.intrinsics()
        depth = -cam[..., 2]
        u = k[0, 0] * cam[..., 0] / depth + k[0, 2]
        v = -k[1, 1] * cam[..., 1] / depth + k[1, 2]
        return np.stack([u, v], axis=-1)
