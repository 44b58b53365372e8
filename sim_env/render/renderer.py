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
import types

import numpy as np

from sim_env.render.camera import RobotCamera
from sim_env.render.lighting import Lighting

BACKENDS = ("egl", "osmesa")
_SYSTEM_PACKAGES = {
    "egl": "the EGL and Mesa libraries (Debian/Ubuntu: apt-get install libegl1 libgl1-mesa-dri)",
    "osmesa": "OSMesa (Debian/Ubuntu: apt-get install libosmesa6) and PyOpenGL>=3.1.10 "
    "(pip install --no-deps 'PyOpenGL>=3.1.10'; pyrender pins 3.1.0, which cannot load OSMesa)",
}


_GL_OWNER_PID: int | None = None  # the process that made this module's first GL context


def check_not_forked_after_gl() -> None:
    """GL/EGL state does not survive ``fork()``: a forked child that draws hangs for good (an async
    vector env made with the default ``fork`` start method in a process that had rendered)."""
    if _GL_OWNER_PID is not None and _GL_OWNER_PID != os.getpid():
        raise RendererUnavailable(
            f"this process ({os.getpid()}) was forked from process {_GL_OWNER_PID} after that one had made an "
            "OpenGL context; GL state does not survive fork() and drawing here would hang. Start worker "
            "processes with 'spawn' or 'forkserver' (gymnasium.vector.AsyncVectorEnv(fns, context='forkserver'), "
            "multiprocessing.get_context('spawn')), or make them before anything renders.")


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

        # pyrender's interleaved layout: positions, normals, texcoord_0, color_0 (those present)
        columns = [a for a in (prim.positions, prim.normals, prim.texcoord_0, prim.color_0) if a is not None]
        data = np.ascontiguousarray(np.hstack(columns), dtype=np.float32)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, prim._buffers[0])
        GL.glBufferSubData(GL.GL_ARRAY_BUFFER, 0, data.nbytes, data)
        self._dirty = False


class TexturedDynamicMesh(DynamicMesh):
    """A deforming mesh drawn with a texture (MakeHuman skins and proxies).

    ``alpha_cutout``: the texture's alpha cuts the surface out (hair, brows, lashes). Fragments
    below alpha 0.5 are discarded (the renderer's shaders do this for every textured material), so
    strands write depth only where they are drawn: no back-to-front sorting is needed and no
    sorting holes appear, whatever the order of the hair's own triangles.
    """

    def __init__(self, positions, normals, texcoords, triangles, texture: np.ndarray | None,
                 colour=(1.0, 1.0, 1.0), roughness=0.6, double_sided=False, alpha_cutout=False):
        import pyrender

        tex = None
        if texture is not None:
            sampler = pyrender.Sampler(magFilter=pyrender.constants.GLTF.LINEAR,
                                       minFilter=pyrender.constants.GLTF.LINEAR_MIPMAP_LINEAR)
            channels = "RGBA" if texture.shape[-1] == 4 else "RGB"
            tex = pyrender.Texture(source=np.ascontiguousarray(texture), source_channels=channels, sampler=sampler)
        material = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=[*map(float, colour), 1.0],
            baseColorTexture=tex,
            metallicFactor=0.0,
            roughnessFactor=roughness,
            doubleSided=double_sided,
            alphaMode="MASK" if alpha_cutout else "OPAQUE",
        )
        self.primitive = pyrender.Primitive(
            positions=positions,
            normals=normals,
            texcoord_0=np.asarray(texcoords, np.float32) if tex is not None else None,
            indices=np.asarray(triangles, np.uint32),
            material=material,
            mode=4,
        )
        self.mesh = pyrender.Mesh([self.primitive])
        self._dirty = False


@dataclasses.dataclass
class Background:
    """A flat colour (sRGB 0..1) or an image (H, W, 3) uint8 behind the scene."""

    colour: tuple[float, float, float] = (0.42, 0.44, 0.47)
    image: np.ndarray | None = None


def _read_colour_only(renderer, scene, flags):
    """Drop-in for pyrender's ``Renderer._read_main_framebuffer`` that skips the depth read.

    Resolving the multisampled colour buffer and reading it back is what a frame needs; the
    depth blit, read and conversion pyrender adds cost a third of each 160 px frame on llvmpipe.
    """
    from OpenGL import GL

    width, height = renderer._main_fb_dims
    GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, renderer._main_fb_ms)
    GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, renderer._main_fb)
    GL.glBlitFramebuffer(0, 0, width, height, 0, 0, width, height, GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR)
    GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, renderer._main_fb)
    import pyrender

    rgba = bool(flags & pyrender.RenderFlags.RGBA)
    channels, fmt = (4, GL.GL_RGBA) if rgba else (3, GL.GL_RGB)
    buf = GL.glReadPixels(0, 0, width, height, fmt, GL.GL_UNSIGNED_BYTE)
    colour = np.frombuffer(buf, dtype=np.uint8).reshape((height, width, channels))
    return np.flip(colour, axis=0), None


def _load_llvm_users_first() -> None:
    """Import anny (torch, roma, triton) before Mesa is loaded.

    llvmpipe and triton each carry their own LLVM; loading triton's after a GL context exists
    crashes the process (segfault in ``libtriton``). Loaded in this order they coexist.
    """
    try:
        from humans.body_model import import_anny

        import_anny()
        import roma  # noqa: F401
    except ImportError:  # the renderer itself does not need them
        pass


# Anti-aliasing modes. On llvmpipe (CPU) pyrender's 4x multisampling doubles the cost of a frame;
# drawing 1.5x larger without it and box-filtering down looks the same at 160 px for ~30 % less.
ANTIALIAS = ("ssaa1.5", "msaa4", "none")
SSAA_FACTOR = 1.5


def _single_sample_framebuffers(renderer) -> None:
    """Make pyrender create its "multisample" framebuffer with one sample (no MSAA)."""
    import pyrender.renderer as pyrender_renderer

    configure = renderer._configure_main_framebuffer

    def configure_single_sample():
        original = pyrender_renderer.glRenderbufferStorageMultisample
        pyrender_renderer.glRenderbufferStorageMultisample = (
            lambda target, samples, fmt, width, height: original(target, 0, fmt, width, height))
        try:
            configure()
        finally:
            pyrender_renderer.glRenderbufferStorageMultisample = original

    renderer._configure_main_framebuffer = configure_single_sample


def _downsample(image: np.ndarray, width: int, height: int) -> np.ndarray:
    from PIL import Image

    mode = "RGBA" if image.shape[-1] == 4 else "RGB"
    return np.asarray(Image.fromarray(image, mode).resize((width, height), Image.BOX))


class Renderer:
    """Owns the GL context; renders pyrender scenes from a ``RobotCamera``.

    ``antialias``: ``ssaa1.5`` (default: draw 1.5x larger, box-filter down), ``msaa4`` (pyrender's
    multisampling) or ``none``.
    """

    def __init__(self, width: int = 160, height: int = 160, backend: str | None = None,
                 antialias: str = "ssaa1.5"):
        if antialias not in ANTIALIAS:
            raise ValueError(f"antialias must be one of {ANTIALIAS}, got {antialias!r}")
        self.antialias = antialias
        self.backend = select_backend(backend)
        _load_llvm_users_first()
        try:
            import pyrender

            check_not_forked_after_gl()
            self._offscreen = pyrender.OffscreenRenderer(width, height)
            global _GL_OWNER_PID
            _GL_OWNER_PID = _GL_OWNER_PID or os.getpid()
        except RendererUnavailable:
            raise
        except Exception as exc:  # the GL stack raises many kinds of errors
            raise RendererUnavailable(
                f"could not create an offscreen OpenGL context with {self.backend!r} "
                f"({type(exc).__name__}: {exc}). Install {_SYSTEM_PACKAGES[self.backend]}, "
                f"or try the other backend with HRISIM_GL={'osmesa' if self.backend == 'egl' else 'egl'}."
            ) from exc
        # pyrender reads back and linearises the depth buffer on every render; we only need colour.
        inner = self._offscreen._renderer
        inner._read_main_framebuffer = types.MethodType(_read_colour_only, inner)
        if antialias != "msaa4":
            _single_sample_framebuffers(inner)
        self.dynamic_meshes: list[DynamicMesh] = []
        self._camera_node = None
        _use_alpha_cutout_shaders(self._offscreen)

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
        scale = SSAA_FACTOR if self.antialias == "ssaa1.5" else 1.0
        viewport = (int(round(camera.width * scale)), int(round(camera.height * scale)))
        if (off.viewport_width, off.viewport_height) != viewport:
            off.viewport_width, off.viewport_height = viewport
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
        if viewport != (camera.width, camera.height):
            colour = _downsample(colour, camera.width, camera.height)
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

    from sim_env.render.camera import look_at

    scene.ambient_light = np.full(3, lighting.ambient)
    nodes = []
    for light in lighting.lights:
        direction = light.direction_to_light(face_forward)
        pose = look_at(np.asarray(face_centre) + direction, face_centre, up=_up_for(direction))
        nodes.append(scene.add(pyrender.DirectionalLight(color=light.rgb, intensity=light.intensity), pose=pose))
    return nodes


def _up_for(direction: np.ndarray):
    return (0.0, 1.0, 0.0) if abs(direction[2]) > 0.99 else (0.0, 0.0, 1.0)


def _use_alpha_cutout_shaders(offscreen) -> None:
    """Give the renderer pyrender's shaders with one addition: textured fragments with alpha < 0.5
    are discarded (alpha-tested hair, brows, lashes). Untextured meshes compile exactly as before."""
    from pyrender.shader_program import ShaderProgramCache

    offscreen._renderer._program_cache = ShaderProgramCache(shader_dir=str(_cutout_shader_dir()))


_CUTOUT = """
#ifdef HAS_BASE_COLOR_TEX
    if (base_color.a < 0.5) discard;
#endif
"""


def _cutout_shader_dir():
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    import pyrender

    global _SHADER_DIR
    if _SHADER_DIR is not None and _SHADER_DIR.is_dir():
        return _SHADER_DIR
    source = Path(pyrender.__file__).parent / "shaders"
    target = Path(tempfile.mkdtemp(prefix="hrisim-shaders-"))
    atexit.register(shutil.rmtree, target, True)
    for path in source.iterdir():
        shutil.copy(path, target / path.name)
    frag = (source / "mesh.frag").read_text()
    anchor = "    // Compute specular and diffuse colors"
    if anchor not in frag:
        raise RendererUnavailable(f"{source / 'mesh.frag'}: unexpected pyrender shader; cannot add alpha cut-outs")
    (target / "mesh.frag").write_text(frag.replace(anchor, _CUTOUT + anchor, 1))
    _SHADER_DIR = target
    return target


_SHADER_DIR = None
