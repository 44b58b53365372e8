"""The closed mouth: teeth in the lips' shadow, no lit rims along the seam (sim_env.render.face_detail)."""
from __future__ import annotations

import numpy as np
import pytest

from humans.suites import balanced24
from image_probes import frame_crop, hold, luminance, pulses
from sim_env.render.clip import render_clip
from sim_env.render.viewpoints import Viewpoint

PEOPLE = ("bal_f_hispanic_1", "bal_m_caucasian_1", "bal_f_black_1")


def _person(pid):
    return next(h for h in balanced24() if h.id == pid)


@pytest.fixture(scope="module")
def shade():
    from humans.topology import part_topologies
    from sim_env.render.face_detail import TeethShade

    parts = part_topologies("body")
    return TeethShade(parts["teeth"].vertex_ids, parts["teeth"].triangles, parts["skin"].vertex_ids,
                      parts["skin"].triangles)


@pytest.mark.parametrize("pid", PEOPLE)
def test_teeth_are_in_shadow_behind_closed_lips_and_lit_when_the_lips_part(shade, pid):
    from sim_env.render.face_detail import TEETH_SHUT
    from sim_env.render.performance import Performance

    def light(au):
        frames = Performance(_person(pid), hold(au) if au else None, 1).frames
        return shade.light(shade.visible_area(frames.vertices, frames.head_rotation))[0]

    assert light(None).max() < TEETH_SHUT + 0.1  # neutral: closed lips
    assert light("23").max() < TEETH_SHUT + 0.3  # lips tightened: still closed
    for au in ("10", "25"):  # upper lip raised / lips parted: the teeth show, lit
        assert light(au).min() > 0.9, au


def test_teeth_light_follows_the_head_not_the_world(shade):
    """Coverage is judged from the front of the head: a turned head keeps its closed mouth closed."""
    from humans.mesh import rotation_ypr
    from sim_env.render.performance import Performance

    frames = Performance(_person("bal_m_caucasian_1"), None, 1).frames
    turn = rotation_ypr(np.array([35.0]), np.array([-15.0]), np.array([10.0]))  # (1, 3, 3)
    centre = frames.vertices[0].mean(0)
    turned = (frames.vertices - centre) @ np.swapaxes(turn, 1, 2) + centre
    np.testing.assert_allclose(shade.visible_area(turned, turn @ frames.head_rotation),
                               shade.visible_area(frames.vertices, frames.head_rotation), rtol=1e-4)


@pytest.mark.parametrize("pid", PEOPLE)
def test_a_closed_mouth_shows_a_dark_seam_not_white_tooth_tips(pid):
    """At 192 px the slit of a neutral mouth is darker than the lips beside it, and no pixel in it is
    near-white (the lit teeth and rims showed as a broken white line); lips parted still show teeth."""
    clip = render_clip(_person(pid), pulses(("25",)), (Viewpoint(0, 0, 0.45),), n_frames=2, size=192)
    marks = clip.labels.landmarks[0, 0]
    mouth, gap = (marks[3] + marks[4]) / 2, marks[0][0] - marks[1][0]
    strip = luminance(frame_crop(clip.frames[0, 0], mouth, int(0.22 * gap), 3))
    slit = strip[np.argmin(strip.mean(1))]  # the seam's row (the lower lip's lit top edge lies next to it)
    lips = luminance(frame_crop(clip.frames[0, 0], mouth + np.array([0.0, 0.1 * gap]), int(0.22 * gap), 2))
    assert slit.max() < lips.mean() + 25, (slit.max(), lips.mean())
    opened = frame_crop(clip.frames[0, 1], mouth, int(0.2 * gap), int(0.06 * gap))
    teeth = (luminance(opened) > 150) & (opened.max(-1) - opened.min(-1) < 60)
    assert teeth.mean() > 0.05  # pale, unsaturated teeth between the parted lips


def test_lip_rims_at_the_seam_are_occluded_and_the_rest_of_the_face_is_not():
    from humans.appearance import face_frame_coordinates, face_regions
    from humans.body_model import template_vertices
    from sim_env.render.face_detail import SEAM_FLOOR, lip_seam_occlusion

    factor = lip_seam_occlusion()
    p = face_frame_coordinates(np.asarray(template_vertices())) * 1000.0
    lips = face_regions().lips > 0.5
    seam = lips & (np.abs(p[:, 2] + 67.5) < 1.0) & (np.abs(p[:, 0]) < 15)
    assert (factor[seam] < 0.6).mean() > 0.3, "the rims along the slit are occluded"
    assert factor.min() >= SEAM_FLOOR - 1e-6
    away = np.abs(p[:, 2] + 67.5) > 3.0
    assert np.all(factor[away] == 1.0)  # nothing else changes


def test_a_shut_mouth_does_not_draw_its_teeth_and_tongue_and_looks_the_same():
    """Culling: behind closed lips neither the teeth nor the tongue is drawn (each draw costs llvmpipe
    about a millisecond a view); the picture is what drawing them gave, and an open mouth draws them."""
    import pyrender

    from sim_env.render.camera import RobotCamera
    from sim_env.render.lighting import lighting_preset
    from sim_env.render.performance import Performance, make_actor, prepare_actor
    from sim_env.render.options import RenderOptions
    from sim_env.render.renderer import Renderer, add_lights

    person = _person("bal_f_hispanic_1")
    performance = Performance(person, pulses(("26",)), 2)
    actor = make_actor(person, RenderOptions.make(), performance.drawn_variant("head"))
    with Renderer(160, 160) as renderer:
        scene = pyrender.Scene()
        actor.add_to(scene, renderer)
        add_lights(scene, lighting_preset("studio"), performance.body.face_centre)
        camera = RobotCamera.around_face(performance.body.face_centre, 20, -10, 0.5, width=160, height=160)
        prepare_actor(actor, performance)
        actor.show(scene, 0)
        hidden = [actor.meshes[n].mesh.is_visible for n in ("teeth", "tongue")]
        culled = renderer.render_linear(scene, camera)
        for n in ("teeth", "tongue"):
            actor.meshes[n].mesh.is_visible = True
        drawn = renderer.render_linear(scene, camera)
        actor.show(scene, 1)
        opened = [actor.meshes[n].mesh.is_visible for n in ("teeth", "tongue")]
    assert hidden == [False, False] and opened == [True, True]
    changed = np.abs(culled.astype(np.float32) - drawn.astype(np.float32)).max(-1) > 0.02
    assert changed.mean() < 0.003, changed.sum()  # a few pixels of a dim sliver at most


def test_the_mouth_cavity_is_dark_all_the_way_back():
    """Every wall of the cavity deeper than 7 mm behind the lips is in the dark: its back wall, which
    no lip vertex stood right in front of, was lit like the cheeks (182 vertices)."""
    from humans.appearance import mouth_depth_mm, mouth_interior
    from sim_env.render.face_detail import CAVITY_FLOOR, mouth_occlusion

    depth = mouth_depth_mm()
    deep = depth > 7.0
    assert deep.sum() > 250 and mouth_interior().sum() > deep.sum()
    assert mouth_occlusion()[deep].max() < CAVITY_FLOOR + 0.01


def test_an_open_mouth_shows_its_dark_cavity_not_the_headscarf_or_beard_grown_inside_it():
    """Shells are grown on the skin, and hm08's skin lines the mouth: a headscarf (and beards) were
    built over the cavity's walls, so an open mouth showed the scarf's colour inside it."""
    import dataclasses

    spec = dataclasses.replace(_person("bal_f_black_2"), headscarf="teal")
    views = (Viewpoint(0, 0, 0.45), Viewpoint(0, -25, 0.45))
    clip = render_clip(spec, hold("26"), views, n_frames=1, size=192)
    for v in range(len(views)):
        marks = clip.labels.landmarks[v, 0]
        mouth, gap = (marks[3] + marks[4]) / 2, marks[0][0] - marks[1][0]
        inside = frame_crop(clip.frames[v, 0], mouth, int(0.15 * gap), int(0.05 * gap))
        scarf = (inside[..., 1:].mean(-1) - inside[..., 0]) > 40  # teal: green and blue over red
        assert scarf.mean() < 0.01, (v, scarf.mean())
        cheek = frame_crop(clip.frames[v, 0], marks[3] + np.array([0.0, -0.25 * gap]), int(0.1 * gap), int(0.05 * gap))
        assert np.median(luminance(inside)) < np.median(luminance(cheek)), v  # the cavity and tongue in the shade


def test_the_fronts_of_the_teeth_are_shaded_facing_forward():
    """hm08's teeth are a coarse closed shell: plain smooth normals at the biting edges and gum lines
    (shared by front and back faces) pointed down or sideways, so the teeth a raised lip shows were
    shaded as if turned from the light (khaki). Their front vertices now face forward."""
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices
    from humans.mesh import normal_operator, smooth_normals
    from humans.topology import part_topologies
    from sim_env.render.actor import _labial_weights

    teeth = part_topologies("head")["teeth"]
    p = face_frame_coordinates(template_vertices())[teeth.vertex_ids]
    front = p[:, 1] < np.percentile(p[:, 1], 30)  # the labial side (y is back)
    plain = smooth_normals(p[None], teeth.triangles)[0]
    op = normal_operator(teeth.triangles, len(p), _labial_weights(teeth.vertex_ids, teeth.triangles))
    labial = smooth_normals(p[None], teeth.triangles, op)[0]
    print("forward component, plain -> labial", -plain[front, 1].mean(), -labial[front, 1].mean())
    assert -labial[front, 1].mean() > max(0.4, -plain[front, 1].mean() + 0.15)  # measured 0.26 -> 0.50



def test_teeth_maps_draw_separate_crowns_gums_and_shaded_back_teeth():
    """The maps laid on hm08's two coarse tooth shells: dark lines between crowns, gum above them,
    the back teeth in the cheeks' shade (they were two flat cream plates to the mouth's corners)."""
    from scipy.signal import find_peaks

    from sim_env.render.face_detail import TEETH_MAP_ARCH_MM, TEETH_MAP_ROW_MM, TEETH_MAP_SHAPE, teeth_maps

    occlusion, gums = teeth_maps((0.7, 0.45, 0.42))
    rows, cols = TEETH_MAP_SHAPE
    assert occlusion.shape == (rows, cols) and gums.shape == (rows, cols, 4)
    s = ((np.arange(cols) + 0.5) / cols * 2 - 1) * TEETH_MAP_ARCH_MM

    def row_at(h_mm, upper=True):  # the map row at h mm above the biting edge
        r = int(h_mm / TEETH_MAP_ROW_MM * rows / 2)
        return r if upper else rows - 1 - r

    for upper in (True, False):
        mid = occlusion[row_at(5.0, upper)].astype(float)
        front = np.abs(s) < 22.0  # incisors and canines, both sides
        dips = find_peaks(-mid[front], prominence=40)[0]
        assert len(dips) >= 5, len(dips)  # the contacts between six front crowns
        assert mid[np.abs(s) < 3].mean() > 200  # the front teeth are lit
        assert mid[np.abs(s) > 50].mean() < 0.35 * mid[np.abs(s) < 6].mean()  # the molars are in shade
        assert gums[row_at(14.0, upper), :, 3].min() == 255  # gums above every crown
        assert gums[row_at(3.0, upper), np.abs(s) < 40, 3].max() == 0  # none near the biting edge
        assert np.all(gums[..., :3] == gums[0, 0, :3])  # one gum colour, from the lips


def test_teeth_texcoords_place_each_row_on_its_half_of_the_maps():
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices
    from humans.topology import base_obj_groups, part_topologies
    from sim_env.render.face_detail import teeth_texcoords

    part = part_topologies("body")["teeth"]
    uv = teeth_texcoords(part.vertex_ids)
    p = face_frame_coordinates(template_vertices())[part.vertex_ids] * 1000.0
    upper = np.isin(part.vertex_ids, base_obj_groups()["helper-upper-teeth"])
    assert upper.sum() == 68 and (~upper).sum() == 68
    assert uv[upper, 1].min() >= 0.5 and uv[~upper, 1].max() <= 0.5
    side = np.abs(p[:, 0]) > 1.0
    assert np.all(np.sign(uv[side, 0] - 0.5) == np.sign(p[side, 0]))  # the subject's left: u > 0.5
    assert np.abs(uv[~side, 0] - 0.5).max() < 0.01  # the midline at the maps' centre
    edge = upper & (p[:, 2] < -66.0)  # the upper incisors' biting edge lies on the maps' top row
    assert edge.any() and np.all(uv[edge, 1] > 0.98)
    assert np.abs(uv[:, 0] - 0.5).max() < 0.5  # the whole arch lies on the maps


@pytest.mark.parametrize("pid", PEOPLE)
def test_parted_lips_show_separate_teeth(pid):
    """At 320 px the teeth between parted lips show as crowns: along a row of tooth pixels the light
    dips at each contact (flat plates dipped 4-5 times, at their shading edges; crowns 9-10)."""
    from scipy.signal import find_peaks

    clip = render_clip(_person(pid), pulses(("25",)), (Viewpoint(0, 0, 0.45),), n_frames=2, size=320)
    marks = clip.labels.landmarks[0, 0]
    mouth, gap = (marks[3] + marks[4]) / 2, marks[0][0] - marks[1][0]
    patch = frame_crop(clip.frames[0, 1], mouth, int(0.45 * gap), int(0.15 * gap))
    lum = luminance(patch)
    pale = (lum > 0.8 * np.quantile(lum, 0.9)) & (patch.max(-1) - patch.min(-1) < 70)
    dips = 0
    for r in np.flatnonzero(pale.mean(1) > 0.3):
        c = np.flatnonzero(pale[r])
        dips = max(dips, len(find_peaks(-lum[r, c.min():c.max() + 1], prominence=8)[0]))
    assert dips >= 7, dips
