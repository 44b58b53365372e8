"""Offscreen rendering on pyrender: one GL context per process, reused across frames.

EGL (headless, Mesa llvmpipe on a CPU machine) is the default; OSMesa on request. The platform
must be chosen before PyOpenGL is first imported, which ``sim_env/__init__`` does.
Deforming meshes are updated in place on the GPU (``glBufferSubData``), so a clip costs one upload
per frame and one draw per view.

The renderer draws **scene-linear** light into a half-float framebuffer (nothing is clipped or
gamma-encoded on the GPU); ``sim_env.render.camera_model`` then exposes, white-balances, adds sensor
noise and tone-maps it, as a camera does. pyrender's mesh shader is patched here (the one place that
patches pyrender's shaders): vertex colours are the albedo (glTF's COLOR_0), not a tint of the lit
result, so highlights stay white on every skin tone; a skin BRDF; alpha cut-outs; linear output.
"""
from __future__ import annotations

import dataclasses
import os
import sys
import types

import numpy as np

from humans.appearance import srgb_to_linear
from sim_env.render.camera import RobotCamera
from sim_env.render.camera_model import Camera, CameraSettings
from sim_env.render.lighting import Lighting
from sim_env.render.mesh_order import cache_order
from sim_env.render.options import RenderOptions

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


def llvmpipe_threads(threads: int) -> str:
    """The ``LP_NUM_THREADS`` value for llvmpipe to use ``threads`` cores (Mesa reads it when it loads).

    One core is "0": the drawing thread rasterises itself. "1" hands every frame to one raster
    thread and waits for it, which costs about a tenth of a 160 px view (9.2 -> 8.3 CPU ms; 2
    workers on 2 cores: 170 -> 176 frames/s, byte-identical files).
    """
    return "0" if threads <= 1 else str(int(threads))


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


def _face_map_sampler():
    """The sampler of the skin's paint and relief maps: bilinear on one mip level (half the texel
    reads of trilinear on llvmpipe, 12 -> 8 % a frame; the face's scale in a clip barely changes, so
    no level pops), clamped at the map's flat rim."""
    import pyrender

    GLTF = pyrender.constants.GLTF
    return pyrender.Sampler(magFilter=GLTF.LINEAR, minFilter=GLTF.LINEAR_MIPMAP_NEAREST,
                            wrapS=GLTF.CLAMP_TO_EDGE, wrapT=GLTF.CLAMP_TO_EDGE)


class DynamicMesh:
    """A vertex-coloured triangle mesh whose positions and normals change every frame."""

    def __init__(self, positions, normals, colours, triangles, roughness=0.6, double_sided=False,
                 skin: np.ndarray | None = None, detail_texcoords: np.ndarray | None = None,
                 relief: bool = False):
        """``skin``: (N, 2) per-vertex (roughness, ambient occlusion) draws the mesh with the skin
        shader (see ``humans.appearance.skin_surface``); it travels as the second texture coordinate.
        ``detail_texcoords``: (N, 2) where the skin samples its paint (``set_paint``) and relief map
        (``set_detail``); ``relief``: the mesh carries the relief map's tangents (``update``)."""
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
            tangents=None if not relief else np.tile(np.float32([1.0, 0.0, 0.0, 1.0]), (len(positions), 1)),
            color_0=rgba,
            texcoord_0=None if detail_texcoords is None else np.asarray(detail_texcoords, np.float32),
            texcoord_1=None if skin is None else np.asarray(skin, np.float32),
            indices=cache_order(np.asarray(triangles, np.uint32)),  # same triangles, fewer vertex-shader runs
            material=material,
            mode=4,  # GL_TRIANGLES
        )
        self.mesh = pyrender.Mesh([self.primitive])
        self._dirty = False
        self._detail_given = None  # the relief map last given to set_detail (None: no map)
        self._detail_dirty = False

    def set_paint(self, rgba: np.ndarray | None) -> None:
        """Lay ``rgba`` (H, W, 4) uint8 over the vertex colours: sRGB colour, alpha its coverage
        (``skin_paint``); None: the vertex colours alone. Set once, before the first render."""
        import pyrender

        if rgba is None:
            self.primitive.material.baseColorTexture = None
            return
        self.primitive.material.baseColorTexture = pyrender.Texture(
            source=np.ascontiguousarray(rgba), source_channels="RGBA", sampler=_face_map_sampler())

    def set_occlusion(self, grey: np.ndarray | None) -> None:
        """Scale the lit colour per pixel by ``grey`` (H, W) uint8, linear (pyrender's occlusion
        texture, sampled at the detail texture coordinates); None: no map. Set once."""
        import pyrender

        self.primitive.material.occlusionTexture = None if grey is None else pyrender.Texture(
            source=np.ascontiguousarray(grey[..., None]), source_channels="R", sampler=_face_map_sampler())

    def set_detail(self, rgba: np.ndarray | None) -> None:
        """Draw the skin with relief map ``rgba`` (H, W, 4) uint8: a 128-centred tangent-space normal
        and, in alpha, an occlusion factor (``wrinkles``); None draws the mesh's own normals."""
        import pyrender

        material = self.primitive.material
        if rgba is self._detail_given:
            return  # the map shown last (a held frame): nothing to upload
        self._detail_given = rgba
        if rgba is None:
            material.normalTexture = None  # pyrender frees it at the next render
            return
        texture = material.normalTexture
        if texture is None or texture.source.shape != rgba.shape:
            material.normalTexture = pyrender.Texture(source=np.ascontiguousarray(rgba), source_channels="RGBA",
                                                      sampler=_face_map_sampler())
            self._detail_dirty = False  # uploaded whole when pyrender first binds it
        else:
            texture.source = np.ascontiguousarray(rgba)
            self._detail_dirty = True

    def update(self, positions: np.ndarray, normals: np.ndarray, tangents: np.ndarray | None = None) -> None:
        """``tangents`` (N, 4): the relief map's (``wrinkles.tangents``); None keeps the last."""
        self.primitive.positions = positions
        self.primitive.normals = normals
        if tangents is not None:
            self.primitive.tangents = tangents
        self._dirty = True

    def upload(self) -> None:
        """Copy the new geometry and relief map into the GPU (the GL context must be current)."""
        prim = self.primitive
        if prim._vaid is None:
            return
        from OpenGL import GL

        if self._dirty:
            # pyrender's interleaved layout: positions, normals, tangents, texcoord_0, texcoord_1,
            # color_0 (those present)
            columns = [a for a in (prim.positions, prim.normals, prim.tangents, prim.texcoord_0, prim.texcoord_1,
                                   prim.color_0) if a is not None]
            data = np.ascontiguousarray(np.hstack(columns), dtype=np.float32)
            GL.glBindBuffer(GL.GL_ARRAY_BUFFER, prim._buffers[0])
            GL.glBufferSubData(GL.GL_ARRAY_BUFFER, 0, data.nbytes, data)
            self._dirty = False
        texture = prim.material.normalTexture
        if self._detail_dirty and texture is not None and texture._texid is not None:
            h, w = texture.source.shape[:2]
            GL.glBindTexture(GL.GL_TEXTURE_2D, texture._texid)
            GL.glTexSubImage2D(GL.GL_TEXTURE_2D, 0, 0, 0, w, h, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE,
                               np.ascontiguousarray(np.flip(texture.source, axis=0)))  # rows as pyrender uploads
            GL.glGenerateMipmap(GL.GL_TEXTURE_2D)
            self._detail_dirty = False


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
            indices=cache_order(np.asarray(triangles, np.uint32)),  # same triangles, fewer vertex-shader runs
            material=material,
            mode=4,
        )
        self.mesh = pyrender.Mesh([self.primitive])
        self._dirty = False
        self._detail_given = None  # no relief map (set_detail is for the built-in skin)
        self._detail_dirty = False


class InstancedMesh:
    """A static mesh drawn at several poses in one draw call, the poses changing every frame (the
    two built-in eyeballs: each draw costs llvmpipe about 0.1 ms a view whatever its size).

    The poses travel as pyrender's per-instance model matrices; the node's own pose stays the
    identity (or the person's root pose), so ``M * inst_m`` is the matrix one node a pose gave.
    """

    def __init__(self, mesh, n_instances: int):
        self.mesh = mesh
        self.primitive = mesh.primitives[0]
        self.primitive.poses = np.repeat(np.eye(4)[None], n_instances, 0)
        self._dirty = False

    def set_poses(self, poses: np.ndarray) -> None:
        """``poses`` (n_instances, 4, 4), from the next render on."""
        poses = np.asarray(poses, np.float32)
        if poses.shape != self.primitive.poses.shape:
            raise ValueError(f"expected poses of shape {self.primitive.poses.shape}, got {poses.shape}")
        if not np.array_equal(poses, self.primitive.poses):
            self.primitive.poses = poses
            self._dirty = True

    def upload(self) -> None:
        """Copy new poses into the instance buffer (the GL context must be current)."""
        prim = self.primitive
        if prim._vaid is None or not self._dirty:
            return  # not in the context yet: pyrender uploads ``poses`` when it first binds it
        from OpenGL import GL

        data = np.ascontiguousarray(np.transpose(prim.poses, (0, 2, 1)), np.float32)  # pyrender's layout
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, prim._buffers[1])  # vertices, model matrices, indices
        GL.glBufferSubData(GL.GL_ARRAY_BUFFER, 0, data.nbytes, data)
        self._dirty = False


@dataclasses.dataclass
class Background:
    """A flat colour (sRGB 0..1) or an image (H, W, 3) uint8 behind the scene."""

    colour: tuple[float, float, float] = (0.42, 0.44, 0.47)
    image: np.ndarray | None = None


def _read_colour_only(renderer, scene, flags):
    """Drop-in for pyrender's ``Renderer._read_main_framebuffer``: linear half-float RGBA as GL
    holds it (bottom row first; ``_planes`` turns it into an image), no depth.

    Resolving the multisampled colour buffer and reading it back is what a frame needs; the
    depth blit, read and conversion pyrender adds cost a third of each 160 px frame on llvmpipe.
    """
    from OpenGL import GL

    width, height = renderer._main_fb_dims
    GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, renderer._main_fb_ms)
    if renderer._hrisim_multisampled:  # resolve the samples first
        GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, renderer._main_fb)
        GL.glBlitFramebuffer(0, 0, width, height, 0, 0, width, height, GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR)
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, renderer._main_fb)
    # else one sample a pixel: read where it was drawn (the copy cost 2 % of a 160 px view)
    # Half floats, the buffer's own format (PyOpenGL's wrapper knows no GL_HALF_FLOAT, so the raw
    # call): asking for floats makes Mesa convert every texel, about a fifth of a frame's CPU.
    import ctypes

    from OpenGL.raw.GL.VERSION.GL_1_0 import glReadPixels

    colour = np.empty((height, width, 4), np.float16)
    glReadPixels(0, 0, width, height, GL.GL_RGBA, GL.GL_HALF_FLOAT, ctypes.c_void_p(colour.ctypes.data))
    return colour, None


def _planes(colour: np.ndarray, channels: int) -> np.ndarray:
    """The first ``channels`` of a read-back buffer as float32 planes (C, H, W), top row first: one
    copy, and each plane contiguous for the filter."""
    return np.ascontiguousarray(colour[::-1, :, :channels].transpose(2, 0, 1), dtype=np.float32)


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
# supersampling draws the picture larger without it and filters it down. The filter matters more
# than the factor: against 4x supersampling (the reference), 1.5x box-filtered differed by 1.5-2.0
# grey levels at 160 px and kept stair-stepped glasses rims; 1.25x through a Hamming-windowed sinc
# (PIL's HAMMING: one lobe, no ringing) differs by 1.0-1.4, its edges as soft as the reference's,
# for 8-10 % more frames/s (benchmarks/render.py prints every mode).
ANTIALIAS = ("ssaa1.25", "ssaa1.5", "msaa4", "none")
SSAA_FACTORS = {"ssaa1.25": 1.25, "ssaa1.5": 1.5}
DEFAULT_ANTIALIAS = RenderOptions.antialias


def _linear_framebuffers(renderer, samples: int | None) -> None:
    """Make pyrender's colour buffers half-float (scene-linear light, unclipped); ``samples``
    replaces its 4x multisampling (0 = none), None keeps it."""
    import pyrender.renderer as pyrender_renderer
    from OpenGL import GL

    configure = renderer._configure_main_framebuffer
    renderer._hrisim_multisampled = samples != 0  # read back through a resolve (_read_colour_only)

    def colour_format(fmt):
        return GL.GL_RGBA16F if fmt == GL.GL_RGBA else fmt

    def configure_linear():
        storage = pyrender_renderer.glRenderbufferStorage
        storage_ms = pyrender_renderer.glRenderbufferStorageMultisample
        pyrender_renderer.glRenderbufferStorage = (
            lambda target, fmt, width, height: storage(target, colour_format(fmt), width, height))
        pyrender_renderer.glRenderbufferStorageMultisample = (
            lambda target, n, fmt, width, height: storage_ms(
                target, n if samples is None else samples, colour_format(fmt), width, height))
        try:
            configure()
        finally:
            pyrender_renderer.glRenderbufferStorage = storage
            pyrender_renderer.glRenderbufferStorageMultisample = storage_ms

    renderer._configure_main_framebuffer = configure_linear


def _downsample(planes: np.ndarray, width: int, height: int) -> np.ndarray:
    """Float planes (C, H, W) filtered down to an image (height, width, C) (Hamming-windowed sinc)."""
    from PIL import Image

    out = np.empty((height, width, len(planes)), np.float32)
    for c, plane in enumerate(planes):
        out[..., c] = Image.fromarray(plane, "F").resize((width, height), Image.HAMMING)
    return out


class Renderer:
    """Owns the GL context; renders pyrender scenes from a ``RobotCamera``.

    ``antialias``: ``ssaa1.25`` (default: draw 1.25x larger, filter down), ``ssaa1.5``, ``msaa4`` (pyrender's
    multisampling) or ``none``.
    """

    def __init__(self, width: int = 160, height: int = 160, backend: str | None = None,
                 antialias: str = DEFAULT_ANTIALIAS):
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
        _linear_framebuffers(inner, None if antialias == "msaa4" else 0)
        self.dynamic_meshes: list[DynamicMesh] = []
        self._camera_node = None
        # The camera ``render`` uses (a stream camera: exposure adapts frame to frame).
        self.camera_model = Camera(CameraSettings())
        _use_hrisim_shaders(self._offscreen)

    def close(self) -> None:
        """Free this renderer's GL context, but keep the process's EGL display initialised.

        pyrender's ``delete()`` ends with ``eglTerminate``, which invalidates every other context on
        the same display: closing one renderer (a clip's, an env's, ``check_env``'s temporary envs)
        would break the others of the process. So only this context is destroyed.
        """
        off = self._offscreen
        if off is None:
            return
        self._offscreen = None
        platform = getattr(off, "_platform", None)
        if getattr(platform, "_egl_display", None) is None:  # OSMesa, or never made current
            off.delete()
            return
        from OpenGL.EGL import eglDestroyContext
        from OpenGL.error import GLError

        try:
            platform.make_current()
        except (GLError, AssertionError):  # the context is already gone (EGL_BAD_CONTEXT): nothing to free
            platform._egl_context = platform._egl_display = None
            off._renderer = off._platform = None
            return
        if off._renderer is not None:
            try:
                off._renderer.delete()
            except GLError:
                # A name the context no longer knows: glDeleteProgram raised GL_INVALID_VALUE when
                # a kept worker renderer was closed after other renderers of the process had drawn
                # and closed (about one full suite in three; the cause is not found). It must not
                # keep the context alive: destroying the context frees every object in it anyway.
                pass
        eglDestroyContext(platform._egl_display, platform._egl_context)
        platform._egl_context = platform._egl_display = None
        if off._renderer is not None:
            # Its objects went with the context. pyrender's renderer frees them again when it is
            # collected (``__del__``), and a reference cycle (the patched read-back method) leaves
            # that to the garbage collector, at any moment, in whatever context is then current: a
            # renderer whose delete had raised deleted another renderer's programs and vertex arrays
            # (GL names are small integers in every context) in the middle of its render.
            off._renderer.delete = lambda: None
        off._renderer = off._platform = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def render(self, scene, camera: RobotCamera, background: Background | None = None,
               face_box=None) -> np.ndarray:
        """RGB uint8 (H, W, 3) image of ``scene`` seen by ``camera``, through ``self.camera_model``
        as one frame of a stream (``face_box`` x0, y0, x1, y1 pixels: where its exposure meters)."""
        lighting = getattr(scene, "hrisim_lighting", None)
        if lighting is not self.camera_model.lighting:  # white balance for the scene's lights
            self.camera_model.set_lighting(lighting)
        return self.camera_model.frame(self.render_linear(scene, camera, background), face_box)

    def render_linear(self, scene, camera: RobotCamera, background: Background | None = None) -> np.ndarray:
        """Scene-linear float32 RGB (H, W, 3) of ``scene`` seen by ``camera`` (nothing clipped)."""
        import pyrender

        off = self._offscreen
        scale = SSAA_FACTORS.get(self.antialias, 1.0)
        viewport = (int(round(camera.width * scale)), int(round(camera.height * scale)))
        if (off.viewport_width, off.viewport_height) != viewport:
            off.viewport_width, off.viewport_height = viewport
        lens = dict(yfov=np.radians(camera.yfov_deg), aspectRatio=camera.width / camera.height,
                    znear=camera.znear, zfar=camera.zfar)
        node = self._camera_node
        if node is not None and scene.has_node(node) and scene.main_camera_node is node:
            # The same node moved: a new node costs a third of a millisecond a view (pyrender turns
            # its pose into a quaternion, scale and translation), 3 % of a 160 px dataset frame.
            for name, value in lens.items():
                setattr(node.camera, name, value)
            scene.set_pose(node, np.asarray(camera.pose, np.float64))
        else:
            if node is not None and scene.has_node(node):
                scene.remove_node(node)
            self._camera_node = scene.add(pyrender.PerspectiveCamera(**lens), pose=camera.pose)
            scene.main_camera_node = self._camera_node
        _in_content_order(scene)
        background = background or Background()
        scene.bg_color = np.array([*srgb_to_linear(background.colour), 0.0 if background.image is not None else 1.0])
        off._platform.make_current()
        for mesh in self.dynamic_meshes:
            mesh.upload()
        _set_light_counts(off._renderer, scene, pyrender.RenderFlags.RGBA)
        buffer, _ = off.render(scene, flags=pyrender.RenderFlags.RGBA)
        # A mesh is first bound inside render(): upload what changed before that on the next call.
        for mesh in self.dynamic_meshes:
            mesh.upload()
        planes = _planes(buffer, 3 if background.image is None else 4)
        if viewport != (camera.width, camera.height):
            colour = _downsample(planes, camera.width, camera.height)
        else:
            colour = planes.transpose(1, 2, 0)
        if background.image is not None:
            colour = _composite(colour, background.image)
        return np.ascontiguousarray(colour[..., :3])


def _composite(rgba: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Linear RGBA over a background photograph (sRGB uint8), in linear light."""
    from PIL import Image

    h, w = rgba.shape[:2]
    bg = srgb_to_linear(np.asarray(Image.fromarray(np.asarray(image, np.uint8)).convert("RGB").resize((w, h)),
                                   np.float32) / 255.0)
    alpha = np.clip(rgba[..., 3:4], 0.0, 1.0)
    return rgba[..., :3] * alpha + bg * (1 - alpha)


def add_lights(scene, lighting: Lighting, face_centre, face_forward=(0.0, -1.0, 0.0)) -> list:
    """Add the lighting's directional lights (and ambient) to a pyrender scene."""
    import pyrender

    from sim_env.render.camera import look_at

    scene.ambient_light = np.asarray(lighting.ambient_rgb, np.float64)
    scene.hrisim_lighting = lighting  # the camera balances for it (Renderer.render)
    nodes = []
    for light in lighting.lights:
        direction = light.direction_to_light(face_forward)
        pose = look_at(np.asarray(face_centre) + direction, face_centre, up=_up_for(direction))
        nodes.append(scene.add(pyrender.DirectionalLight(color=light.rgb, intensity=light.intensity), pose=pose))
    return nodes


def _up_for(direction: np.ndarray):
    return (0.0, 1.0, 0.0) if abs(direction[2]) > 0.99 else (0.0, 0.0, 1.0)


def _use_hrisim_shaders(offscreen) -> None:
    """Give the renderer pyrender's shaders with hrisim's patches (see ``_patched_mesh_frag``),
    compiled for the scene's light counts, with uniforms that are set only when they change."""
    inner = offscreen._renderer
    inner._program_cache = _program_cache_class()(shader_dir=str(_shader_dir()))
    compute = inner._compute_max_n_lights
    limits: dict = {}

    def max_n_lights(flags):  # a glGetIntegerv per call in pyrender, twice per primitive per frame
        if flags not in limits:
            limits[flags] = compute(flags)
        return list(limits[flags])

    inner._compute_max_n_lights = max_n_lights

    # pyrender binds every light's uniforms again for every primitive (a get_pose and six uniform
    # calls per light); the lights do not change within a pass, and a program keeps its uniforms,
    # so each program is bound once per pass (light sorting by distance to the node, which would
    # differ by primitive, happens only when a scene has more lights than the shader holds, never
    # here: the shaders are compiled for the scene's light counts).
    bind_lighting, forward_pass = inner._bind_lighting, inner._forward_pass
    bound: set = set()

    def bind_once(scene, program, node, flags):
        if id(program) not in bound:
            bound.add(id(program))
            bind_lighting(scene, program, node, flags)

    def forward(scene, flags, seg_node_map=None):
        bound.clear()
        scene.__dict__["_hrisim_poses"] = {}  # nothing moves during a pass (ContentOrderedScene.get_pose)
        try:
            return forward_pass(scene, flags, seg_node_map)
        finally:
            scene.__dict__.pop("_hrisim_poses", None)

    inner._bind_lighting, inner._forward_pass = bind_once, forward


def _node_key(node) -> tuple:
    """A content key for a scene node: its name, pose, and what it holds (never its memory address)."""
    thing = node.mesh or node.light
    extra = ()
    if node.mesh is not None and node.mesh.primitives:
        positions = node.mesh.primitives[0].positions
        extra = (len(positions), np.asarray(positions[:1], np.float64).tobytes())
    elif node.light is not None:
        extra = (type(thing).__name__, np.asarray(thing.color, np.float64).tobytes(), float(thing.intensity))
    return (node.name or "", getattr(thing, "name", None) or "", np.asarray(node.matrix, np.float64).tobytes(), *extra)


_ORDERED_SCENE_CLASS = None


def _in_content_order(scene) -> None:
    """Make ``scene`` hand pyrender its meshes and lights in an order fixed by their content.

    pyrender keeps nodes in sets, iterated in the order of the nodes' memory addresses: lights are
    summed, and meshes at one distance drawn, in an order that changes from run to run, and a pixel
    now and then rounds the other way (same-seed datasets differed by one pixel's level). The scene
    keeps its data; only its class gains ordered views of the node sets.
    """
    global _ORDERED_SCENE_CLASS
    if _ORDERED_SCENE_CLASS is None:
        import pyrender

        def ordered(attr):
            def nodes(self):  # sorted once per set of nodes: pyrender reads these many times a frame
                members = getattr(self, attr)
                cache = self.__dict__.setdefault("_hrisim_order", {})
                hit = cache.get(attr)
                if hit is None or hit[0] != members:
                    hit = cache[attr] = (frozenset(members), sorted(members, key=_node_key))
                return list(hit[1])
            return property(nodes)

        def get_pose(self, node):  # pyrender walks the scene graph ~30 times a pass: once per node in a pass
            poses = self.__dict__.get("_hrisim_poses")
            if poses is None:
                return pyrender.Scene.get_pose(self, node)
            if node not in poses:
                poses[node] = pyrender.Scene.get_pose(self, node)
            return poses[node]

        _ORDERED_SCENE_CLASS = type("ContentOrderedScene", (pyrender.Scene,), {
            "__doc__": "A pyrender Scene whose node collections iterate in content order.",
            "get_pose": get_pose,
            "mesh_nodes": ordered("_mesh_nodes"),
            "point_light_nodes": ordered("_point_light_nodes"),
            "spot_light_nodes": ordered("_spot_light_nodes"),
            "directional_light_nodes": ordered("_directional_light_nodes"),
            "light_nodes": property(lambda self: sorted(
                self.point_light_nodes + self.spot_light_nodes + self.directional_light_nodes, key=_node_key)),
        })
    if type(scene) is not _ORDERED_SCENE_CLASS:
        scene.__class__ = _ORDERED_SCENE_CLASS


def _set_light_counts(renderer, scene, flags) -> None:
    """Compile-time light counts for the next frame's programs (see ``_LIGHT_LOOPS``): the numbers
    of lights pyrender binds, as ``_bind_lighting`` counts them."""
    n_max = renderer._compute_max_n_lights(flags)
    renderer._program_cache.light_counts = (
        min(len(scene.directional_light_nodes), n_max[0]),
        min(len(scene.spot_light_nodes), n_max[1]),
        min(len(scene.point_light_nodes), n_max[2]),
    )


_PROGRAM_CACHE_CLASS = None


def _program_cache_class():
    """pyrender's ``ShaderProgramCache`` whose programs know the scene's light counts and skip
    redundant uniform uploads (made on first use: pyrender is imported lazily)."""
    global _PROGRAM_CACHE_CLASS
    if _PROGRAM_CACHE_CLASS is not None:
        return _PROGRAM_CACHE_CLASS
    from pyrender.shader_program import ShaderProgram, ShaderProgramCache

    class CachedUniformProgram(ShaderProgram):
        """A program that remembers its uniform locations and last values.

        pyrender looks every uniform's location up and uploads it again for every primitive of
        every frame (~230 PyOpenGL calls a frame here, a third of a frame's CPU at 8 px). A
        uniform keeps its value in its program, so skipping an upload of the value it already
        holds changes nothing.
        """

        def set_uniform(self, name, value, unsigned=False):
            if isinstance(value, np.ndarray):
                key = (value.dtype.str, value.shape, value.tobytes(), unsigned)
            else:
                key = (type(value), value, unsigned)
            values = self.__dict__.setdefault("_hrisim_values", {})
            if values.get(name) == key:
                return
            values[name] = key
            super().set_uniform(name, value, unsigned)

        def _remove_from_context(self):
            self.__dict__.pop("_hrisim_values", None)
            super()._remove_from_context()

    class LightCountProgramCache(ShaderProgramCache):
        light_counts = (0, 0, 0)  # directional, spot, point: set per frame by Renderer.render_linear

        def get_program(self, vertex_shader, fragment_shader, geometry_shader=None, defines=None):
            defines = dict(defines or {})
            if fragment_shader == "mesh.frag":
                for name, count in zip(_LIGHT_COUNT_DEFINES, self.light_counts):
                    defines[name] = int(count)
            program = super().get_program(vertex_shader, fragment_shader, geometry_shader, defines)
            if type(program) is ShaderProgram:
                program.__class__ = CachedUniformProgram
            return program

    _PROGRAM_CACHE_CLASS = LightCountProgramCache
    return LightCountProgramCache


# Textured fragments with alpha < 0.5 are discarded (alpha-tested hair, brows, lashes).
_CUTOUT = """
#ifdef HAS_BASE_COLOR_TEX
#ifndef TEXCOORD_1_LOC
    if (base_color.a < 0.5) discard;
#endif
#endif
"""
# The built-in skin's paint (``skin_paint``: brows) lies over its vertex colours by its alpha; other
# textures multiply the base colour, as glTF says. (The skin has no cut-out: its fragments keep
# llvmpipe's early depth test.)
_BASE_COLOUR_TEXTURE = """#ifdef HAS_BASE_COLOR_TEX
    base_color = base_color * srgb_to_linear(texture(material.base_color_texture, uv_0));
#endif"""
_SKIN_PAINT = """#ifdef HAS_BASE_COLOR_TEX
#ifdef TEXCOORD_1_LOC
    vec4 paint = texture(material.base_color_texture, uv_0);
    base_color.rgb = mix(base_color.rgb, srgb_to_linear(vec4(paint.rgb, 1.0)).rgb, paint.a);
#else
    base_color = base_color * srgb_to_linear(texture(material.base_color_texture, uv_0));
#endif
#endif"""

# The skin BRDF, used by meshes that carry skin attributes (texcoord_1 = roughness, occlusion):
# a GGX specular lobe with skin's F0 = 0.028 and per-vertex roughness, untinted by the albedo, and a
# wrapped diffuse term whose wrap is widest in red: light scattered under the skin reaches past the
# shadow line, so shadows on skin turn warm, not grey (a cheap stand-in for subsurface scattering).
_SKIN_BRDF = """
const vec3 SKIN_WRAP = vec3(0.45, 0.2, 0.12);
const float SKIN_F0 = 0.028;

vec3 skin_brdf(vec3 n, vec3 v, vec3 l, float roughness, vec3 albedo, vec3 radiance, float ao)
{
    vec3 h = normalize(l + v);
    float ndl = dot(n, l);
    float nl = clamp(ndl, 0.001, 1.0);
    float nv = clamp(abs(dot(n, v)), 0.001, 1.0);
    float nh = clamp(dot(n, h), 0.0, 1.0);
    float lh = clamp(dot(l, h), 0.0, 1.0);
    float vh = clamp(dot(v, h), 0.0, 1.0);
    PBRInfo info = PBRInfo(nl, nv, nh, lh, vh, roughness, 0.0, vec3(SKIN_F0), albedo);
    vec3 F = specular_reflection(info);
    float G = geometric_occlusion(info);
    float D = microfacet_distribution(info);
    vec3 spec = step(0.0, ndl) * nl * F * G * D / (4.0 * nl * nv + 0.001);
    vec3 wrapped = clamp((vec3(ndl) + SKIN_WRAP) / (1.0 + SKIN_WRAP), 0.0, 1.0);  // Lambert where lit head-on
    vec3 diffuse = (1.0 - F) * albedo / PI * wrapped * (0.4 + 0.6 * ao);
    return radiance * (diffuse + spec * ao);
}
"""

_LIGHT_CALL = """        vec3 res = compute_brdf(n, v, l, roughness, metallic,
                                f0, c_diff, base_color.rgb, radiance);"""
# The skin's occlusion: per vertex, times the relief map's crease occlusion (its alpha) where drawn.
_SKIN_OCCLUSION = """
#ifdef TEXCOORD_1_LOC
    float skin_ao = uv_1.y;
#ifdef HAS_NORMAL_TEX
    skin_ao *= texture(material.normal_texture, uv_0).a;
#endif
#endif
"""
_SKIN_LIGHT_CALL = """#ifdef TEXCOORD_1_LOC
        vec3 res = skin_brdf(n, v, l, clamp(uv_1.x, min_roughness, 1.0), base_color.rgb, radiance, skin_ao);
#else
""" + _LIGHT_CALL + """
#endif"""

# The light loops run to compile-time counts (the scene's, see ``LightCountProgramCache``) instead
# of uniforms: llvmpipe then unrolls them and indexes the light arrays with constants, which makes
# the mesh shader about twice as fast, with the same arithmetic (frames are bit-identical).
_LIGHT_COUNT_DEFINES = ("HRISIM_DIRECTIONAL_COUNT", "HRISIM_SPOT_COUNT", "HRISIM_POINT_COUNT")
_LIGHT_LOOPS = tuple(
    (f"    for (int i = 0; i < {uniform}; i++) {{", f"    for (int i = 0; i < {define}; i++) {{", 1)
    for uniform, define in zip(("n_directional_lights", "n_spot_lights", "n_point_lights"), _LIGHT_COUNT_DEFINES))

# (anchor, replacement, how many times) applied to pyrender's mesh.frag, in order.
_MESH_FRAG_PATCHES = _LIGHT_LOOPS + (
    # the skin BRDF, after pyrender's BRDF helpers
    ("float texture2DCompare(", _SKIN_BRDF + "\nfloat texture2DCompare(", 1),
    # vertex colours are the albedo (glTF COLOR_0 multiplies the base colour), not a tint of the
    # lit result: a white highlight stays white on a dark surface
    ("    vec4 base_color = material.base_color_factor;\n",
     "    vec4 base_color = material.base_color_factor;\n#ifdef COLOR_0_LOC\n    base_color *= color_multiplier;\n#endif\n", 1),
    ("#ifdef COLOR_0_LOC\n    color *= color_multiplier;\n#endif\n", "", 1),
    (_BASE_COLOUR_TEXTURE, _SKIN_PAINT, 1),
    ("    // Compute specular and diffuse colors", _CUTOUT + _SKIN_OCCLUSION + "    // Compute specular and diffuse colors", 1),
    (_LIGHT_CALL, _SKIN_LIGHT_CALL, 3),
    # skin's ambient light is occluded in creases
    ("    color.xyz += base_color.xyz * ambient_light;",
     "#ifdef TEXCOORD_1_LOC\n    color.xyz += base_color.xyz * ambient_light * skin_ao;\n#else\n"
     "    color.xyz += base_color.xyz * ambient_light;\n#endif", 1),
    # per-vertex tangents when the mesh has them: pyrender's shader tests a HAS_TANGENTS that its
    # renderer never defines, so it always took screen derivatives (a third of the maps' cost)
    ("#ifndef HAS_TANGENTS", "#ifndef TANGENT_LOC", 1),
    # the tangent from screen derivatives is undefined where the map's projection meets the surface
    # edge-on (the sides of the face): any tangent then, never NaN
    ("    t = normalize(t - ng * dot(ng, t));",
     "    t = t - ng * dot(ng, t);\n    float t_len = dot(t, t);\n"
     "    t = (t_len > 1e-20 && t_len < 1e20) ? t * inversesqrt(t_len)\n"
     "        : normalize(cross(abs(ng.z) < 0.9 ? vec3(0.0, 0.0, 1.0) : vec3(1.0, 0.0, 0.0), ng));", 1),
    # relief maps store 128-centred normals (``wrinkles``): a flat texel is exactly the mesh normal
    ("    n = normalize(tbn_n * ((2.0 * n - 1.0) * vec3(1.0, 1.0, 1.0)));",
     "    n = normalize(tbn_n * ((n * 255.0 - 128.0) / 127.0));", 1),
    # scene-linear output: the camera model exposes and tone-maps
    ("    frag_color = clamp(vec4(pow(color.xyz, vec3(1.0/2.2)), color.a * base_color.a), 0.0, 1.0);",
     "    frag_color = vec4(max(color.xyz, vec3(0.0)), clamp(base_color.a, 0.0, 1.0));", 1),
)


def _patched_mesh_frag(source: str, path) -> str:
    for anchor, replacement, count in _MESH_FRAG_PATCHES:
        if source.count(anchor) != count:
            raise RendererUnavailable(
                f"{path}: unexpected pyrender shader (expected {count} of {anchor.strip()[:60]!r}); "
                f"hrisim's shader patches fit pyrender 0.1.45")
        source = source.replace(anchor, replacement)
    return source


def _shader_dir():
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
    (target / "mesh.frag").write_text(_patched_mesh_frag((source / "mesh.frag").read_text(), source / "mesh.frag"))
    _SHADER_DIR = target
    return target


_SHADER_DIR = None
