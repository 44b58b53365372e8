"""The built-in skin's per-pixel paint (``sim_env.render.skin_paint``): brows drawn in the face
projection, in the shape ``humans.outfit.brow_coverage`` gives, over the skin's vertex colours."""
import numpy as np
import pytest

from humans.outfit import _BROW_SHAPES, brow_coverage
from humans.suites import balanced24
from sim_env.render.skin_paint import brow_paint


def _centre_line(shape: str, x: float) -> float:
    z = np.linspace(0.0, 45.0, 901)
    w = brow_coverage(np.full_like(z, x), z, shape, 0.8)
    return float((w * z).sum() / w.sum())


@pytest.mark.parametrize("shape", sorted(_BROW_SHAPES))
def test_brow_heads_and_tails_lie_level_with_the_arch_between(shape):
    """Ideal-brow anthropometry: head and tail on one level, the apex between them (a tail below
    the head is the oblique brow of sadness: before, every shape's tail was 2-4 mm low)."""
    head, tail = _centre_line(shape, 12.0), _centre_line(shape, 53.0)
    apex = max(_centre_line(shape, x) for x in np.linspace(14.0, 50.0, 19))
    assert abs(head - tail) < 1.0, (head, tail)
    assert apex > max(head, tail) + 0.4 * _BROW_SHAPES[shape][0] - 1.0


def test_the_paint_lies_on_the_skin_only_where_the_brows_are():
    """A fully transparent paint draws exactly the vertex colours; the brow paint darkens the brows
    of a light-skinned person with dark brows and leaves the rest of the face as it was."""
    import pyrender

    from sim_env.render.camera import RobotCamera
    from sim_env.render.options import RenderOptions
    from sim_env.render.performance import Performance, make_actor, prepare_actor
    from sim_env.render.renderer import Renderer, add_lights

    person = next(h for h in balanced24() if h.id == "bal_m_caucasian_1")
    performance = Performance(person, None, 1)

    def shot(transparent: bool):
        with Renderer(128, 128) as renderer:
            scene = pyrender.Scene()
            actor = make_actor(person, RenderOptions())
            skin = actor.meshes["skin"]
            paint = skin.primitive.material.baseColorTexture.source
            if transparent:
                clear = np.array(paint)
                clear[..., 3] = 0
                skin.set_paint(clear)
            actor.add_to(scene, renderer)
            add_lights(scene, RenderOptions().lighting_for(0), performance.body.face_centre)
            camera = RobotCamera.around_face(performance.body.face_centre, 0, 0, 0.4, width=128, height=128)
            prepare_actor(actor, performance)
            actor.show(scene, 0)
            return renderer.render_linear(scene, camera).mean(-1), paint  # before the exposure meters

    painted, paint = shot(False)
    bare, _ = shot(True)
    changed = np.abs(painted - bare) > 1e-4
    assert 40 < changed.sum() < 0.08 * changed.size  # the brows, not the face
    # above the eyes' line (the view is centred on the face); a few pixels where the temples turn
    # edge-on to the projection sample a coarse mip level that holds the brow tails
    assert changed[64:].sum() < 0.02 * changed.sum()
    assert (painted[changed] < bare[changed]).mean() > 0.95  # dark brows over light skin


def test_brow_paint_is_seeded_and_its_colour_is_the_brows():
    a = brow_paint("soft_arch", 0.8, (0.2, 0.1, 0.05))
    assert np.array_equal(a, brow_paint.__wrapped__("soft_arch", 0.8, (0.2, 0.1, 0.05)))
    assert (a[..., :3] == np.rint(np.array([0.2, 0.1, 0.05]) * 255)).all()
    assert 0 < (a[..., 3] > 128).mean() < 0.1
    assert not a.flags.writeable  # cached and shared by every actor of this look
