"""Lights cast shadows: a light the head hides does not reach the skin (no streak on dark temples)."""
import gc

import numpy as np
import pytest

pytest.importorskip("pyrender")

LUMA = np.array([0.2126, 0.7152, 0.0722])
BACK_LIGHT = 2  # studio's third lamp: from behind the head, 40 degrees up


def _darkest(tone_at_least=10):
    from humans.suites import balanced24

    return next(p for p in balanced24() if p.effective_skin_tone >= tone_at_least and p.hair_style != "bald")


def _render_linear(spec, lighting, horizontal, vertical, shadows, size=96, timeline=None, n_frames=1, views=None):
    """Scene-linear (V, T, H, W, 3) images, the performance and its cameras."""
    import pyrender

    from sim_env.render.camera import RobotCamera
    from sim_env.render.clip import render_views
    from sim_env.render.options import RenderOptions
    from sim_env.render.performance import Performance, make_actor
    from sim_env.render.renderer import Renderer, add_lights

    performance = Performance(spec, timeline, n_frames, "arkit")
    body = performance.body
    cameras = [RobotCamera.around_face(body.face_centre, h, v, 0.6, width=size, height=size, yfov_deg=25)
               for h, v in (views or [(horizontal, vertical)])]
    with Renderer(size, size, shadows=shadows) as renderer:
        scene = pyrender.Scene()
        actor = make_actor(spec, RenderOptions(width=size, height=size), performance.drawn_variant("head"))
        actor.add_to(scene, renderer)
        add_lights(scene, lighting, body.face_centre)
        images = render_views(renderer, scene, actor, performance, cameras).astype(np.float32)
    return images, performance, cameras


def _face_skin_facing(performance, camera):
    """hm08 skin vertices of the face in front of the ears and below the hairline that face the camera."""
    from humans.appearance import face_frame_coordinates
    from humans.hair import HeadGeometry
    from humans.topology import BODY_VERTICES

    rest = performance.body.rest_vertices
    p = face_frame_coordinates(rest) * 1000.0
    normals = HeadGeometry.of(rest).normals
    to_camera = camera.pose[:3, 3] - rest
    to_camera /= np.linalg.norm(to_camera, axis=1, keepdims=True)
    facing = np.einsum("ij,ij->i", normals, to_camera) > 0.5
    return np.flatnonzero((np.arange(len(p)) < BODY_VERTICES[1]) & (p[:, 1] < 20) & (p[:, 2] < 30)
                          & (p[:, 2] > -60) & facing)


@pytest.mark.parametrize("horizontal", [-40, 40])
def test_a_light_behind_the_head_does_not_reach_the_face(horizontal):
    """The default (studio) lighting's back lamp, from behind and above, is hidden from the face in
    front of the ears by the skull, the hair and the ears. Without shadows it drew a specular
    streak on the darkest tone's temple at 40 degrees of yaw (2.3x the lamp's head-on diffuse
    radiance there, bal_m_black_2). Bound: 10 % of E * albedo / pi, room for light scattered
    through the skin, far below any highlight."""
    from humans.appearance import mst_albedo
    from sim_env.render.lighting import PRESETS, Lighting

    spec = _darkest()
    lamp = PRESETS["studio"].lights[BACK_LIGHT]
    lighting = Lighting("back", (lamp,), 0.0)
    bound = 0.1 * lamp.intensity * float(mst_albedo(spec.effective_skin_tone) @ LUMA) / np.pi
    peaks = {}
    for shadows in (False, True):
        images, performance, cameras = _render_linear(spec, lighting, horizontal, -30, shadows)
        uv = np.round(cameras[0].project(performance.body.rest_vertices[_face_skin_facing(performance, cameras[0])]))
        uv = uv.astype(int)
        peaks[shadows] = float((images[0, 0] @ LUMA)[uv[:, 1], uv[:, 0]].max())
    assert peaks[True] <= bound, f"{spec.id}: the hidden back light reaches the face ({peaks[True]:.5f} > {bound:.5f})"
    assert peaks[False] > peaks[True], "without shadows the lamp lights the face through the head"


def test_views_of_one_frame_share_shadow_maps_without_changing_pixels():
    """Shadow maps are drawn once per frame and reused by its other views: a view drawn after
    another (of the same frames of a moving head) equals that view drawn alone."""
    from animations.library import signals_for
    from sim_env.render.lighting import PRESETS

    spec = _darkest(1)
    signal = next(iter(signals_for("confusion").values()))
    both, _, _ = _render_linear(spec, PRESETS["studio"], 0, 0, True, size=48, timeline=signal, n_frames=3,
                                views=[(-40, 30), (20, -15)])
    alone, _, _ = _render_linear(spec, PRESETS["studio"], 20, -15, True, size=48, timeline=signal, n_frames=3)
    assert np.abs(both[1, 2] - both[1, 0]).max() > 0, "the head moves between frames"
    np.testing.assert_array_equal(both[1], alone[0])


def test_closing_a_shadowed_renderer_leaves_the_next_one_working():
    """pyrender's Renderer.delete() frees the shadow framebuffer but keeps its name; its __del__,
    run later by the garbage collector, freed that name again in the next renderer's context, whose
    next draw failed (GL_INVALID_OPERATION)."""
    from sim_env.render.clip import render_clip
    from sim_env.render.renderer import Renderer

    spec = _darkest(1)
    with Renderer(32, 32, shadows=True) as first:
        render_clip(spec, None, n_frames=1, size=32, renderer=first)
    with Renderer(32, 32, shadows=True) as second:
        render_clip(spec, None, n_frames=1, size=32, renderer=second)  # makes its shadow framebuffer
        gc.collect()  # frees the first renderer's pyrender state while the second's context is current
        assert render_clip(spec, None, n_frames=1, size=32, renderer=second).frames.max() > 0


def test_a_thin_frame_casts_a_soft_continuous_shadow():
    """A 3 mm rod 10 mm above a lit plane (a glasses temple over the skin) under a studio-sized
    light: the penumbra (~0.4 x 10 mm) is as wide as the rod, so its shadow is a faint, even
    line, neither black nor broken into texel-sized dots (as a hard 2 mm shadow map draws it)."""
    import pyrender

    from sim_env.render.camera import RobotCamera, look_at
    from sim_env.render.lighting import Light, Lighting
    from sim_env.render.renderer import DynamicMesh, Renderer, add_lights

    def box(x0, x1, y0, y1, z0, z1):
        corners = np.array([[x, y, z] for x in (x0, x1) for y in (y0, y1) for z in (z0, z1)], np.float32)
        faces = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
                          [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]])
        return corners[faces.reshape(-1)], np.arange(faces.size).reshape(-1, 3)

    def flat_normals(points):
        tri = points.reshape(-1, 3, 3)
        n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
        return np.repeat(n / np.linalg.norm(n, axis=1, keepdims=True), 3, axis=0).astype(np.float32)

    plane = np.array([[-0.1, -0.1, 0], [0.1, -0.1, 0], [0.1, 0.1, 0], [-0.1, -0.1, 0], [0.1, 0.1, 0],
                      [-0.1, 0.1, 0]], np.float32)
    rod, rod_tris = box(-0.06, 0.06, -0.0015, 0.0015, 0.0085, 0.0115)
    scene = pyrender.Scene()
    size = 160
    with Renderer(size, size, antialias="none", shadows=True) as renderer:
        for points, tris in ((plane, np.arange(6).reshape(-1, 3)), (rod, rod_tris)):
            mesh = DynamicMesh(points, flat_normals(points), np.full((len(points), 3), 0.5, np.float32), tris)
            scene.add(mesh.mesh)
        add_lights(scene, Lighting("top", (Light(0.0, 60.0, 1.0),), 0.0), np.zeros(3), face_forward=(0.0, -1.0, 0.0))
        camera = RobotCamera(width=size, height=size, yfov_deg=20,
                             pose=look_at(np.array([0.0, 0.0, 0.25]), np.zeros(3), up=(0.0, 1.0, 0.0)))
        image = renderer.render_linear(scene, camera) @ LUMA
    lit = float(np.median(image[10:30, 60:100]))  # plane far from the rod (the light comes from -y, 60 up)
    # the shadow falls on the plane at y = +10 mm / tan(60) = 5.8 mm: rows of the image there, beside the rod
    rows = np.round(camera.project(np.array([[0.0, y, 0.0] for y in (0.003, 0.009)]))[:, 1]).astype(int)
    cols = np.round(camera.project(np.array([[x, 0.0, 0.0] for x in (-0.04, 0.04)]))[:, 0]).astype(int)
    band = image[min(rows):max(rows) + 1, min(cols):max(cols) + 1]
    darkest_per_column = band.min(axis=0) / lit
    assert darkest_per_column.max() < 0.9, "the rod casts a shadow"
    assert darkest_per_column.min() > 0.25, f"a soft penumbra, not a black line ({darkest_per_column.min():.2f})"
    assert np.ptp(darkest_per_column) < 0.15, f"an even line, not dots ({np.ptp(darkest_per_column):.2f})"
