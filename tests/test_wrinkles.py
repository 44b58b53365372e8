"""Per-pixel expression wrinkles (``sim_env.render.wrinkles``): the fine creases of the ``fold_*``
targets drawn as normal and occlusion maps, weighted per frame and per side as the rig weights the
targets; a face without folds is drawn exactly as without maps."""
import numpy as np
import pytest

from image_probes import frame_crop, hold, luminance
from animations.rigs.arkit import ArkitRig
from humans.suites import balanced24
from sim_env.render import wrinkles
from sim_env.render.clip import render_clip
from sim_env.render.viewpoints import Viewpoint


@pytest.fixture(scope="module")
def person():
    return next(h for h in balanced24() if h.id == "bal_m_black_1")


def test_flat_texels_decode_to_the_mesh_normal_and_full_occlusion():
    """A fold shown at weight 0 on one side leaves that half flat: 128, 128, 255 (the shader decodes
    (c * 255 - 128) / 127, so that is exactly (0, 0, 1)), alpha 255 (nothing occluded)."""
    maps = wrinkles.frames({"fold_au1": np.array([[1.0, 0.0]], np.float32)})
    assert maps.shape[0] == 1 and maps.dtype == np.uint8
    nx = maps.shape[2]
    right = maps[0, :, : nx // 2 - 4]  # the subject's right (x < 0) is the map's left half
    assert (right == [128, 128, 255, 255]).all()
    left = maps[0, :, nx // 2 + 4:]
    assert (left[..., 3] < 200).any(), "AU1's forehead creases occlude nothing on the shown side"
    assert wrinkles.frames({}) is None and wrinkles.frames({"fold_au1": np.zeros((3, 2), np.float32)}) is None


def test_the_rig_weights_folds_per_side():
    keys, values = ("L9", "1"), np.array([[1.0, 0.0], [0.0, 0.5], [0.6, 0.6]], np.float32)
    w = ArkitRig().apply(keys, values).fold_weights
    assert np.allclose(w["fold_au9"], [[1, 0], [0, 0], [0.6, 0]])
    assert np.allclose(w["fold_au1"], [[0, 0], [0.5, 0.5], [0.6, 0.6]])
    assert "fold_au4" not in w


def test_texcoords_put_the_face_on_the_map_and_the_scalp_off_it():
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices

    p = face_frame_coordinates(template_vertices()) * 1000.0
    uv = wrinkles.texcoords(p)
    front = (p[:, 1] < 0) & (np.abs(p[:, 0]) < 60) & (p[:, 2] > -100) & (p[:, 2] < 70)
    assert ((uv[front] > 0) & (uv[front] < 1)).all()
    behind = p[:, 1] > wrinkles.BEHIND_Y_MM
    assert (np.abs(uv[behind] - 0.5).max(1) >= 0.52 - 1e-6).all()  # on the flat rim, not the forehead


def test_a_neutral_face_is_drawn_exactly_as_without_maps(person):
    shots = [render_clip(person, None, (Viewpoint(0, 0, 0.6), Viewpoint(40, -30, 0.6)), 2, size=96,
                         wrinkles=w).frames for w in (False, True)]
    assert np.array_equal(*shots)


def _detail(patch) -> float:
    """Mean |luminance - its 2 px blur|: fine lines raise it, smooth shading does not."""
    from scipy.ndimage import gaussian_filter

    return float(np.abs(patch - gaussian_filter(patch, 2.0)).mean())


def _patches(clip):
    """(forehead, nose root) luminance patches of a frontal 192 px frame, placed by the eyes."""
    frame, lm = clip.frames[0, 0], clip.labels.landmarks[0, 0]
    gap, mid = lm[0][0] - lm[1][0], (lm[0] + lm[1]) / 2
    forehead = luminance(frame_crop(frame, mid - [0, 0.8 * gap], int(0.3 * gap), int(0.1 * gap)))  # above the brows
    nose_root = luminance(frame_crop(frame, mid + [0, 0.2 * gap], int(0.2 * gap), int(0.15 * gap)))
    return forehead, nose_root


@pytest.mark.parametrize("who", ["bal_m_black_1", "bal_f_caucasian_1"])
def test_au1_2_forehead_lines_and_au9_nose_wrinkles_show_on_dark_and_light_skin(who):
    """FACS AU1+2: horizontal wrinkles across the forehead; AU9: wrinkles across the root of the nose.
    hm08's forehead has a vertex every ~10 mm, so only the relief map draws them. Measured here
    (detail without -> with maps, the forehead patch kept above the raised brows): forehead 0.7-2.0 ->
    5.6-8.2, nose root 3.5-5.1 -> 5.5-6.5 and 5-8 grey levels darker."""
    person = next(h for h in balanced24() if h.id == who)
    view = (Viewpoint(0, 0, 0.45),)
    shots = {(key, w): _patches(render_clip(person, hold(key), view, 1, size=192, wrinkles=w))
             for key in ("1+2", "9") for w in (False, True)}
    forehead = {w: _detail(shots[("1+2", w)][0]) for w in (False, True)}
    nose = {w: shots[("9", w)][1] for w in (False, True)}
    print(who, "forehead detail", forehead, "nose root detail", {w: _detail(p) for w, p in nose.items()},
          "grey", {w: p.mean() for w, p in nose.items()})
    assert forehead[True] > 2.5 * forehead[False]
    assert _detail(nose[True]) > _detail(nose[False]) + 0.4
    assert nose[True].mean() < nose[False].mean() - 3.0


def test_a_new_map_reaches_the_picture_without_new_geometry(person):
    """The relief map is uploaded when it changes even if the mesh does not move (a held pose whose
    creases change), and giving back the map shown before draws the same picture again."""
    import pyrender

    from sim_env.render.camera import RobotCamera
    from sim_env.render.options import RenderOptions
    from sim_env.render.performance import Performance, make_actor, prepare_actor
    from sim_env.render.renderer import Renderer, add_lights

    performance = Performance(person, hold("1+2"), 1)
    with Renderer(96, 96) as renderer:
        scene = pyrender.Scene()
        actor = make_actor(person, RenderOptions())
        actor.add_to(scene, renderer)
        add_lights(scene, RenderOptions().lighting_for(0), performance.body.face_centre)
        camera = RobotCamera.around_face(performance.body.face_centre, 0, 0, 0.4, width=96, height=96)
        prepare_actor(actor, performance)
        actor.show(scene, 0)
        creased = renderer.render(scene, camera)
        skin, shown = actor.meshes["skin"], actor._detail_frames[0]
        flat = np.zeros_like(shown)
        flat[...] = (128, 128, 255, 255)
        skin.set_detail(flat)  # positions and normals untouched
        smooth = renderer.render(scene, camera)
        skin.set_detail(shown)
        again = renderer.render(scene, camera)
    assert np.abs(smooth.astype(int) - creased).max() > 10
    assert np.array_equal(again, creased)


def test_tangents_follow_the_map_and_turn_with_the_head():
    """Per-vertex tangents point along the map's u (the face frame's x, the subject's left) on the
    face, are unit and orthogonal to the normal everywhere, and rotate with a turned head."""
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices
    from humans.mesh import normal_operator, rotation_ypr, smooth_normals
    from humans.topology import part_topologies

    skin = part_topologies("head")["skin"]
    p = (face_frame_coordinates(template_vertices()) * 1000.0)[skin.vertex_ids]
    op = wrinkles.tangent_operator(p, skin.triangles)
    n_op = normal_operator(skin.triangles, len(p))
    normals = smooth_normals(p[None], skin.triangles, n_op)
    t = wrinkles.tangents(op, p[None], normals)[0]
    assert np.allclose(np.linalg.norm(t[:, :3], axis=1), 1.0, atol=1e-4) and (t[:, 3] == 1).all()
    assert np.abs(np.sum(t[:, :3] * normals[0], axis=1)).max() < 1e-4
    # where the face looks at the camera (not the nose's sides, where dP/du runs in depth) the
    # tangent is the map's x direction laid into the surface
    n = normals[0]
    face = (p[:, 1] < 0) & (n[:, 1] < -0.8) & (np.abs(p[:, 0]) < 60)
    along_x = np.float32([1, 0, 0]) - n * n[:, :1]
    along_x /= np.linalg.norm(along_x, axis=1, keepdims=True)
    assert face.sum() > 300 and np.sum(t[face, :3] * along_x[face], axis=1).min() > 0.95
    rot = rotation_ypr(np.float32([30.0]), np.float32([-15.0]), np.float32([10.0]))[0].astype(np.float32)
    turned = wrinkles.tangents(op, (p @ rot.T)[None], normals @ rot.T)[0]
    assert np.abs(turned[face, :3] - t[face, :3] @ rot.T).max() < 1e-3


def test_the_shader_reads_the_vertex_tangents(person):
    """The relief is oriented by the mesh's per-vertex tangents (pyrender's shader tested an undefined
    HAS_TANGENTS and always took screen derivatives, so flipping them changed nothing), and those
    tangents draw what the derivatives drew: measured, 0.3 % of the pixels differ by more than 3 grey
    levels (at most 13, on the creases' highlights: per-vertex tangents are interpolated, derivatives
    are per triangle)."""
    import pyrender

    from sim_env.render.camera import RobotCamera
    from sim_env.render.options import RenderOptions
    from sim_env.render.performance import Performance, make_actor, prepare_actor
    from sim_env.render.renderer import Renderer, add_lights

    performance = Performance(person, hold("1+2"), 1)

    def shot(tangents: str):
        with Renderer(96, 96) as renderer:
            scene = pyrender.Scene()
            actor = make_actor(person, RenderOptions())
            skin = actor.meshes["skin"]
            if tangents == "none":  # pyrender's derivative path
                skin.primitive.tangents = None
            actor.add_to(scene, renderer)
            add_lights(scene, RenderOptions().lighting_for(0), performance.body.face_centre)
            camera = RobotCamera.around_face(performance.body.face_centre, 0, 0, 0.4, width=96, height=96)
            prepare_actor(actor, performance)
            actor.show(scene, 0)
            if tangents == "none":
                skin.primitive.tangents = None
            elif tangents == "flipped":  # the relief turned upside down
                skin.update(skin.primitive.positions, skin.primitive.normals,
                            skin.primitive.tangents * np.float32([-1, -1, -1, 1]))
            return renderer.render(scene, camera).astype(int)

    right = shot("vertex")
    assert np.abs(shot("flipped") - right).max() > 10
    derived = np.abs(shot("none") - right).max(-1)
    assert (derived > 3).mean() < 0.01 and derived.max() <= 25


def test_au9_and_au6_draw_lines_below_the_lower_lid():
    """FACS AU9 and AU6: the infraorbital furrow deepens and lines show below the lower lid (Ekman &
    Friesen's disgust). Their relief has a crease 3.5 mm below the lid margin and one along the
    orbit's rim, and none on the lid itself or on the cheek below them."""
    from animations.rigs.author_targets import relief

    x = np.array([30.0, 30.0, 30.0, 30.0, 22.0, 30.0])
    lid = -2.5 - 3.1 * np.sin(np.pi * (x - 16.0) / 26.0)  # the lower lid margin on the template
    z = lid + np.array([-3.5, -1.5, 0.0, -30.0, 0.0, 0.0])
    z[4], z[5] = -8.0 - 8.0 * 0.29, -16.0  # on the infraorbital furrow (|x| 22, then 30)
    for name in ("fold_au9", "fold_au6"):
        h = relief(x, z, np.zeros_like(x))[name]
        assert h[0] < -0.35 and h[5] < -0.4  # the creases
        assert h[1] > 0.6 * h[0] + 0.1 and abs(h[2]) < 0.05 and abs(h[3]) < 0.05  # the lid, the cheek
        assert h[4] < -0.2
