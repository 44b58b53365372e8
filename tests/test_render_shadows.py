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
    with Renderer(32, 32) as first:
        render_clip(spec, None, n_frames=1, size=32, renderer=first)
    with Renderer(32, 32) as second:
        render_clip(spec, None, n_frames=1, size=32, renderer=second)  # makes its shadow framebuffer
        gc.collect()  # frees the first renderer's pyrender state while the second's context is current
        assert render_clip(spec, None, n_frames=1, size=32, renderer=second).frames.max() > 0
