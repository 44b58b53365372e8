"""Offscreen rendering on pyrender: one GL context per process, reused across frames.

EGL (headless, Mesa llvmpipe on a CPU machine) is the default; OSMesa on request. The platform
must be chosen before PyOpenGL is first imported, which ``sim_env/__init__`` does.
Deforming meshes are updated in place on the GPU (``glBufferSubData``), so a clip costs one upload
per frame and one draw per view.
"""
from __future__ import annotations

import dataclasses
import os
import sys

import numpy as np

from sim_env.camera import RobotCamera
from sim_env.lighting import Lighting

BACKENDS = ("egl", "osmesa")
_SYSTEM_PACKAGES = {
    "egl": "the EGL and Mesa libraries (Debian/Ubuntu: apt-get install libegl1 libgl1-mesa-dri)",
    "osmesa": "OSMesa (Debian/Ubuntu: apt-get install libosmesa6) and PyOpenGL>=3.1.10 "
    "(pip install --no-deps 'PyOpenGL>=3.1.10'; pyrender pins 3.1.0, which cannot load OSMesa)",
}


class RendererUnavailable(RuntimeError):
    """No OpenGL context could be created; the message names what to install."""


def select_backend(backend: str | None = None) -> str:
    """Set PYOPENGL_PLATFORM for ``backend`` (default: $PYOPENGL_PLATFORM, else egl)."""
    backend = backend or os.environ.get("HRISIM_GL") or os.environ.get("PYOPENGL_PLATFORM") or "egl"
    if backend not in BACKENDS:
        raise ValueError(f"unknown GL backend {backend!r}: choose one of {BACKENDS}")
    current = os.environ.get("PYOPENGL_PLATFORM")
    if "OpenGL" in sys.modules and current and current != backend:
        raise RendererUnavailable(
            f"OpenGL was already imported for platform {current!r}; start a new process with "
            f"PYOPENGL_PLATFORM={backend} (or HRISIM_GL={backend}) to use {backend}"
        )
    os.environ["PYOPENGL_PLATFORM"] = backend
    return backend


class DynamicMesh:
    """A vertex-coloured triangle mesh whose positions and normals change every frame."""

    def __init__(self, positions, normals, colours, triangles, roughness=0.6, double_sided=False):
        import pyrender

        rgba = np.concatenate([np.asarray(colours, np.float32), np.ones((len(colours), 1), np.float32)], 1)
        material = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=[1.0, 1.0, 1.0, 1.0],
            metallicFactor=0.0,
            roughnessFactor=roughness,
            doubleSided=double_sided,
        )
        self.primitive = pyrender.Primitive(
            positions=positions,
            normals=normals,
            color_0=rgba,
            indices=np.asarray(triangles, np.uint32),
            material=material,
            mode=4,  # GL_TRIANGLES
        )
        self.mesh = pyrender.Mesh([self.primitive])
        self._dirty = False

    def update(self, positions: np.ndarray, normals: np.ndarray) -> None:
        self.primitive.positions = positions
        self.primitive.normals = normals
        self._dirty = True

    def upload(self) -> None:
        """Copy the new geometry into the GPU buffer (the GL context must be current)."""
        prim = self.primitive
        if not self._dirty or prim._vaid is None:
            return
        from OpenGL import GL

        data = np.ascontiguousarray(
            np.hstack([prim.positions, prim.normals, prim.color_0]), dtype=np.float32
        )
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, prim._buffers[0])
        GL.glBufferSubData(GL.GL_ARRAY_BUFFER, 0, data.nbytes, data)
        self._dirty = False


@dataclasses.dataclass
class Background:
    """A flat colour (sRGB 0..1) or an image (H, W, 3) uint8 behind the scene."""

    colour: tuple[float, float, float] = (0.42, 0.44, 0.47)
    image: np.ndarray | None = None


class Renderer:
    """Owns the GL context; renders pyrender scenes from a ``RobotCamera``."""

    def __init__(self, width: int = 160, height: int = 160, backend: str | None = None):
        self.backend = select_backend(backend)
        try:
            import pyrender

            self._offscreen = pyrender.OffscreenRenderer(width, height)
        except Exception as exc:  # the GL stack raises many kinds of errors
            raise RendererUnavailable(
                f"could not create an offscreen OpenGL context with {self.backend!r} "
                f"({type(exc).__name__}: {exc}). Install {_SYSTEM_PACKAGES[self.backend]}, "
                f"or try the other backend with HRISIM_GL={'osmesa' if self.backend == 'egl' else 'egl'}."
            ) from exc
        self.dynamic_meshes: list[DynamicMesh] = []
        self._camera_node = None

    def close(self) -> None:
        if self._offscreen is not None:
            self._offscreen.delete()
            self._offscreen = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def render(self, scene, camera: RobotCamera, background: Background | None = None) -> np.ndarray:
        """RGB uint8 (H, W, 3) image of ``scene`` seen by ``camera``."""
        import pyrender

        off = self._offscreen
        if (off.viewport_width, off.viewport_height) != (camera.width, camera.height):
            off.viewport_width, off.viewport_height = camera.width, camera.height
        cam = pyrender.PerspectiveCamera(
            yfov=np.radians(camera.yfov_deg),
            aspectRatio=camera.width / camera.height,
            znear=camera.znear,
            zfar=camera.zfar,
        )
        if self._camera_node is not None and scene.has_node(self._camera_node):
            scene.remove_node(self._camera_node)
        self._camera_node = scene.add(cam, pose=camera.pose)
        scene.main_camera_node = self._camera_node
        background = background or Background()
        scene.bg_color = np.array([*background.colour, 0.0 if background.image is not None else 1.0])
        off._platform.make_current()
        for mesh in self.dynamic_meshes:
            mesh.upload()
        flags = pyrender.RenderFlags.RGBA if background.image is not None else pyrender.RenderFlags.NONE
        colour, _ = off.render(scene, flags=flags)
        # A mesh is first bound inside render(): upload what changed before that on the next call.
        for mesh in self.dynamic_meshes:
            mesh.upload()
        if background.image is not None:
            colour = _composite(colour, background.image)
        return np.ascontiguousarray(colour[..., :3])


def _composite(rgba: np.ndarray, image: np.ndarray) -> np.ndarray:
    from PIL import Image

    h, w = rgba.shape[:2]
    bg = np.asarray(Image.fromarray(np.asarray(image, np.uint8)).convert("RGB").resize((w, h)), np.float32)
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    return (rgba[..., :3] * alpha + bg * (1 - alpha)).astype(np.uint8)


def add_lights(scene, lighting: Lighting, face_centre, face_forward=(0.0, -1.0, 0.0)) -> list:
    """Add the lighting's directional lights (and ambient) to a pyrender scene."""
    import pyrender

    from sim_env.camera import look_at

    scene.ambient_light = np.full(3, lighting.ambient)
    nodes = []
    for light in lighting.lights:
        direction = light.direction_to_light(face_forward)
        pose = look_at(np.asarray(face_centre) + direction, face_centre, up=_up_for(direction))
        nodes.append(scene.add(pyrender.DirectionalLight(color=light.rgb, intensity=light.intensity), pose=pose))
    return nodes


def _up_for(direction: np.ndarray):
    return (0.0, 1.0, 0.0) if abs(direction[2]) > 0.99 else (0.0, 0.0, 1.0)
