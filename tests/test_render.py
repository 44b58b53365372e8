"""Rendering: a person performing AUs, seen by the robot camera. Needs EGL (Mesa) to run."""
import dataclasses

import numpy as np
import pytest

from image_probes import crop, dark_centroid, hold
from humans.suites import balanced24
from sim_env.render.clip import render_clip
from sim_env.render.viewpoints import Viewpoint, paper9

FRONT = (Viewpoint(0, 0, 0.45),)


@pytest.fixture(scope="module")
def person():
    # without her glasses: their rims sit where the brow probes look
    spec = next(h for h in balanced24() if h.group == "Caucasian" and h.sex == "female")
    return dataclasses.replace(spec, glasses="none")


@pytest.fixture(scope="module")
def neutral(person):
    return render_clip(person, None, FRONT, n_frames=1, size=256)


def test_same_input_same_frames(person):
    a = render_clip(person, hold("12", 0.7), paper9()[:2], n_frames=2, size=96)
    b = render_clip(person, hold("12", 0.7), paper9()[:2], n_frames=2, size=96)
    assert a.frames.shape == (2, 2, 96, 96, 3) and a.frames.dtype == np.uint8
    assert np.array_equal(a.frames, b.frames)


def test_face_is_centred_and_labelled(neutral):
    lm = neutral.labels.landmarks[0, 0]
    box = neutral.labels.face_boxes[0, 0]
    left_eye, right_eye, nose, mouth_l, mouth_r = lm
    assert left_eye[0] > right_eye[0]  # subject's left eye on the image's right in a frontal view
    assert left_eye[1] < nose[1] < mouth_l[1]  # eyes above the nose above the mouth
    assert box[0] < right_eye[0] and box[2] > left_eye[0] and box[1] < left_eye[1] and box[3] > mouth_l[1]
    assert abs((box[0] + box[2]) / 2 - 128) < 20


def test_au4_lowers_the_brows(person, neutral):
    lowered = render_clip(person, hold("4"), FRONT, n_frames=1, size=256)
    eye = neutral.labels.landmarks[0, 0, 0]
    above = eye + np.array([0, -22])
    _, y0 = dark_centroid(crop(neutral, above, 22, 16))
    _, y1 = dark_centroid(crop(lowered, above, 22, 16))
    assert y1 > y0 + 1.0  # dark brow pixels move down the image


def test_au26_opens_the_jaw(person, neutral):
    opened = render_clip(person, hold("26"), FRONT, n_frames=1, size=256)
    chin0 = neutral.labels.face_boxes[0, 0, 3]
    chin1 = opened.labels.face_boxes[0, 0, 3]
    assert chin1 > chin0 + 4  # the chin drops
    mouth = neutral.labels.landmarks[0, 0, 3:5].mean(0) + np.array([0, 6])
    lips0, lips1 = crop(neutral, mouth, 14, 10), crop(opened, mouth, 14, 10)
    assert np.abs(lips1 - lips0).mean() > 15  # the mouth opening shows (tongue, teeth)


@pytest.mark.parametrize("key, direction", [("61", +1), ("62", -1)])
def test_au61_au62_move_the_irises(person, neutral, key, direction):
    looked = render_clip(person, hold(key), FRONT, n_frames=1, size=256)
    for eye in neutral.labels.landmarks[0, 0, :2]:
        x0, _ = dark_centroid(crop(neutral, eye, 12, 6), 0.2)
        x1, _ = dark_centroid(crop(looked, eye, 12, 6), 0.2)
        # AU61 = eyes to the subject's left = the image's right for a camera in front
        assert direction * (x1 - x0) > 1.5


def test_au43_closes_the_lids(person, neutral):
    closed = render_clip(person, hold("43"), FRONT, n_frames=1, size=256)
    for eye in neutral.labels.landmarks[0, 0, :2]:
        iris0 = (crop(neutral, eye, 10, 5).mean(-1) < 100).mean()
        iris1 = (crop(closed, eye, 10, 5).mean(-1) < 100).mean()
        assert iris0 > 0.15 and iris1 < 0.02  # the iris disappears behind the lids


def test_antialias_modes_agree_and_the_default_is_closest_to_a_4x_reference():
    """Supersampling 1.25x through a Hamming filter (the default) is nearer a 4x-supersampled reference
    than no AA, with edges as soft as the reference's; pyrender's MSAA gives the same picture."""
    from humans.suites import balanced24
    from sim_env.render.clip import render_clip
    from sim_env.render.renderer import DEFAULT_ANTIALIAS, Renderer
    from sim_env.render.viewpoints import Viewpoint

    assert DEFAULT_ANTIALIAS == "ssaa1.25"
    person = balanced24()[0]  # with glasses: thin rims are where aliasing shows

    def render(mode, size=96):
        with Renderer(size, size, antialias=mode) as renderer:
            return render_clip(person, None, (Viewpoint(20, 10),), n_frames=1, size=size,
                               renderer=renderer).frames[0, 0].astype(np.float32)

    images = {mode: render(mode) for mode in ("ssaa1.25", "ssaa1.5", "msaa4", "none")}
    reference = render("none", 384).reshape(96, 4, 96, 4, 3).mean((1, 3))
    assert images["ssaa1.25"].shape == (96, 96, 3)
    error = {mode: np.abs(img - reference).mean() for mode, img in images.items()}
    assert error["ssaa1.25"] < error["none"] - 0.3, error
    # MSAA shades once per pixel, so painted detail finer than a pixel (lash lines, brows) differs a
    # little from supersampling's
    assert np.abs(images["ssaa1.25"] - images["msaa4"]).mean() < 3.5

    def hard_edges(img):  # 99th percentile of the horizontal grey-level step: staircase edges are steep
        return np.percentile(np.abs(np.diff(img.mean(-1), axis=1)), 99)

    edges = {mode: hard_edges(img) for mode, img in images.items()}
    # measured at 96 px: reference 91, ssaa1.25 100, ssaa1.5 97, msaa4 93, none 139
    assert edges["ssaa1.25"] - hard_edges(reference) < 0.3 * (edges["none"] - hard_edges(reference)), edges
    with pytest.raises(ValueError, match="antialias"):
        Renderer(32, 32, antialias="fxaa")


def test_face_exposure_evens_out_skin_tones():
    """Face-priority exposure (the default) brings very light and very dark faces closer in
    brightness than ``exposure="fixed"`` (tested with the old clip-and-gamma tone curve), stably."""
    from sim_env.render.camera_model import CameraSettings, develop_clip

    people = [h for h in balanced24() if h.effective_skin_tone in (1, 10)]
    assert {h.effective_skin_tone for h in people} == {1, 10}
    lum = {}
    for exposure in ("fixed", "face"):
        settings = {"exposure": "fixed", "tone": "clip", "white_balance": "none"} if exposure == "fixed" else {}
        for person in people[:1] + people[-1:]:
            clip = render_clip(person, None, FRONT, n_frames=2, size=96, **settings)
            x0, y0, x1, y1 = np.median(clip.labels.face_boxes[0], axis=0).astype(int)
            lum[exposure, person.effective_skin_tone] = clip.frames[0, :, y0:y1, x0:x1].mean()
            assert clip.camera[0].gain == 1.0 if exposure == "fixed" else clip.camera[0].gain > 0
    fixed_gap = abs(lum["fixed", 1] - lum["fixed", 10])
    face_gap = abs(lum["face", 1] - lum["face", 10])
    assert face_gap < fixed_gap / 2, (lum, fixed_gap, face_gap)
    # locked for the clip: identical frames stay identical even when the per-frame boxes wander
    frame = np.full((96, 96, 3), 0.05, np.float32)
    boxes = np.array([[20, 20, 70, 80], [24, 18, 74, 78]], np.float32)
    out, record = develop_clip(np.stack([frame, frame]), boxes, settings=CameraSettings())
    assert np.array_equal(out[0], out[1]) and record.gain > 1
    with pytest.raises(ValueError, match="exposure"):
        render_clip(people[0], None, FRONT, n_frames=1, size=32, exposure="auto")


def test_scene_order_does_not_change_the_picture():
    """pyrender keeps nodes in sets (iterated by memory address); the renderer sums lights and draws
    meshes in content order, so a scene built in another order renders to the same bits."""
    import pyrender
    import trimesh

    from sim_env.render.camera import RobotCamera
    from sim_env.render.renderer import Renderer

    sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.1)
    lights = [(np.array([np.cos(a), -1.0, np.sin(a)]), rgb, i) for a, rgb, i in
              [(0.3, (1.0, 0.9, 0.8), 2.0), (1.9, (0.7, 0.8, 1.0), 1.3), (3.5, (1.0, 1.0, 1.0), 0.7),
               (4.4, (0.9, 1.0, 0.9), 1.1), (5.6, (1.0, 0.8, 0.9), 0.4)]]

    def scene(order):
        s = pyrender.Scene(ambient_light=(0.02, 0.02, 0.02))
        for name in order:
            if name == "mesh":
                s.add(pyrender.Mesh.from_trimesh(sphere, smooth=True), name="ball")
            else:
                d, rgb, i = lights[name]
                z = -d / np.linalg.norm(d)
                x = np.cross([0.0, 0.0, 1.0], z)
                x /= np.linalg.norm(x)
                pose = np.eye(4)
                pose[:3, :3] = np.stack([x, np.cross(z, x), z], 1)
                s.add(pyrender.DirectionalLight(color=rgb, intensity=i), pose=pose)
        return s

    camera = RobotCamera.around_face(np.zeros(3), 10.0, 5.0, 0.4, width=64, height=64, yfov_deg=30.0)
    forward, backward = ["mesh", 0, 1, 2, 3, 4], [4, 3, 2, 1, 0, "mesh"]
    with Renderer(64, 64) as renderer:
        images = [renderer.render_linear(scene(order), camera) for order in (forward, backward) * 3]
    assert images[0].std() > 0.01, "the ball is lit"
    for image in images[1:]:
        assert np.array_equal(image, images[0])

    # the content order is kept per set of nodes: a node added or removed after a render is seen
    s = scene(forward)
    with Renderer(64, 64) as renderer:
        lit = renderer.render_linear(s, camera)
        extra = s.add(pyrender.DirectionalLight(color=(1.0, 1.0, 1.0), intensity=3.0))
        assert extra in s.light_nodes and len(s.directional_light_nodes) == 6
        brighter = renderer.render_linear(s, camera)
        s.remove_node(extra)
        assert extra not in s.light_nodes
        again = renderer.render_linear(s, camera)
    assert brighter.mean() > lit.mean() + 0.01 and np.array_equal(again, lit)



def test_one_camera_node_follows_every_view():
    """The renderer moves and re-shapes one camera node from view to view (a new node a view cost
    3 % of a dataset frame): each view still draws what a fresh renderer draws for it."""
    import pyrender
    import trimesh

    from sim_env.render.camera import RobotCamera
    from sim_env.render.renderer import Renderer

    scene = pyrender.Scene(ambient_light=(0.3, 0.3, 0.3))
    scene.add(pyrender.Mesh.from_trimesh(trimesh.creation.box((0.2, 0.1, 0.05)), smooth=False))
    views = [RobotCamera.around_face(np.zeros(3), h, v, 0.5, width=48, height=48, yfov_deg=fov)
             for h, v, fov in ((0, 0, 30.0), (35, 10, 30.0), (-20, -15, 50.0))]
    with Renderer(48, 48) as renderer:
        seen = [renderer.render_linear(scene, view) for view in views + views[::-1]]
        assert len([n for n in scene.nodes if n.camera is not None]) == 1
    for view, image, back in zip(views, seen[:3], seen[:2:-1]):
        with Renderer(48, 48) as fresh:
            np.testing.assert_array_equal(image, fresh.render_linear(scene, view))
        np.testing.assert_array_equal(image, back)
    assert not np.array_equal(seen[0], seen[1]) and not np.array_equal(seen[0], seen[2])

def test_a_renderer_closes_although_deleting_its_gl_objects_fails():
    """Closing frees the context even when deleting one of its objects raises (a kept worker
    renderer's close raised GL_INVALID_VALUE from glDeleteProgram about one full suite in three:
    a program name the context no longer knew), and the other renderers keep drawing."""
    from OpenGL import GL

    from humans.suites import balanced24
    from sim_env.render.clip import render_clip
    from sim_env.render.renderer import Renderer
    from sim_env.render.viewpoints import Viewpoint

    person = balanced24()[0]
    other = Renderer(32, 32)
    stale = Renderer(32, 32)
    render_clip(person, None, (Viewpoint(0, 0),), n_frames=1, size=32, renderer=stale)
    stale._offscreen._platform.make_current()
    program = next(iter(stale._offscreen._renderer._program_cache._program_cache.values()))
    GL.glDeleteProgram(program._program_id)  # behind pyrender's back: its delete will raise
    stale.close()
    assert stale._offscreen is None
    frame = render_clip(person, None, (Viewpoint(0, 0),), n_frames=1, size=32, renderer=other).frames
    assert frame.std() > 5.0
    other.close()
    # the stale renderer, collected while another one draws, frees nothing of the other's (it deleted
    # the live renderer's programs and vertex arrays, whose GL names its own had had)
    import gc

    import pyrender

    from sim_env.render.camera import RobotCamera
    from sim_env.render.lighting import lighting_preset
    from sim_env.render.options import RenderOptions
    from sim_env.render.performance import Performance, make_actor, prepare_actor
    from sim_env.render.renderer import add_lights

    performance = Performance(person, None, 1)
    with Renderer(32, 32) as live:
        scene = pyrender.Scene()
        actor = make_actor(person, RenderOptions.make(), performance.drawn_variant("head"))
        actor.add_to(scene, live)
        add_lights(scene, lighting_preset("studio"), performance.body.face_centre)
        camera = RobotCamera.around_face(performance.body.face_centre, 0, 0, 0.6, width=32, height=32)
        prepare_actor(actor, performance)
        actor.show(scene, 0)
        before = live.render_linear(scene, camera)
        del stale
        gc.collect()
        np.testing.assert_array_equal(live.render_linear(scene, camera), before)


def test_instanced_mesh_draws_each_pose_as_its_own_node_would():
    """One draw of a mesh at two per-frame poses (the built-in eyeballs) paints exactly what two
    nodes at those poses paint, after the poses change too."""
    import pyrender
    import trimesh

    from sim_env.render.camera import RobotCamera
    from sim_env.render.renderer import InstancedMesh, Renderer

    def poses(shift):
        out = np.repeat(np.eye(4)[None], 2, 0)
        out[0, :3, 3], out[1, :3, 3] = (-0.06, 0.0, shift), (0.05, 0.01, -shift)
        out[1, :3, :3] *= 0.7  # scaled, as the eyeballs are
        return out

    ball = trimesh.creation.icosphere(subdivisions=2, radius=0.03)
    camera = RobotCamera.around_face(np.zeros(3), 15, 10, 0.4, width=48, height=48, yfov_deg=30.0)
    # two renderers: pyrender re-uploads a mesh whenever a renderer switches scenes
    with Renderer(48, 48) as renderer, Renderer(48, 48) as reference:
        single = pyrender.Scene(ambient_light=(0.2, 0.2, 0.2))
        single.add(pyrender.DirectionalLight(intensity=3.0), pose=np.eye(4))
        nodes = [single.add(pyrender.Mesh.from_trimesh(ball, smooth=True)) for _ in range(2)]
        paired = pyrender.Scene(ambient_light=(0.2, 0.2, 0.2))
        paired.add(pyrender.DirectionalLight(intensity=3.0), pose=np.eye(4))
        eyes = InstancedMesh(pyrender.Mesh.from_trimesh(ball, smooth=True), 2)
        paired.add(eyes.mesh)
        renderer.dynamic_meshes.append(eyes)
        empty = reference.render_linear(pyrender.Scene(ambient_light=(0.2, 0.2, 0.2)), camera)
        for shift in (0.0, 0.02, 0.02, -0.01):
            for node, pose in zip(nodes, poses(shift)):
                single.set_pose(node, pose)
            eyes.set_poses(poses(shift))
            expected = reference.render_linear(single, camera)
            np.testing.assert_array_equal(renderer.render_linear(paired, camera), expected)
            drawn = np.abs(expected - empty).max(-1) > 0.01
            assert drawn[:, :24].mean() > 0.05 and drawn[:, 24:].mean() > 0.05, "both balls are in view"
        with pytest.raises(ValueError, match="shape"):
            eyes.set_poses(np.eye(4)[None])
