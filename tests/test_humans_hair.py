"""The built-in hair, facial hair, clothes and accessories: shapes that differ by style, attached
to the head so they follow its motion, and drawn by the renderer."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from humans.appearance import appearance_for
from humans.hair import STYLE_TRAITS, HeadGeometry, head_rotations, pose
from humans.mesh import HumanBody
from humans.outfit import build_outfit
from humans.spec import HAIR_STYLES, HumanSpec


@pytest.fixture(scope="module")
def person():
    spec = HumanSpec(id="p", gender=0.0, age_years=30.0, skin_tone=5, hair_colour="black",
                     top="vneck", glasses="round")
    return spec, HumanBody.from_spec(spec)


def _outfit(spec, body, **changes):
    return build_outfit(appearance_for(dataclasses.replace(spec, **changes)), body.rest_vertices)


def _hair_points_mm(outfit, body):
    geo = HeadGeometry.of(body.rest_vertices)
    pts = [m.rest_positions(body.rest_vertices) for m in outfit.meshes if m.name.startswith("hair")]
    return (np.concatenate(pts) - geo.origin) * 1000.0 if pts else np.zeros((0, 3))


def test_every_style_has_its_own_shape(person):
    spec, body = person
    extents = {}
    for style in HAIR_STYLES:
        pts = _hair_points_mm(_outfit(spec, body, hair_style=style), body)
        length = STYLE_TRAITS[style][0]
        if style in ("bald", "buzz"):
            assert len(pts) == 0, style  # the scalp shows (buzz: painted on the skin)
            continue
        assert len(pts) > 200, style
        extents[style] = (pts[:, 2].min(), np.abs(pts[:, 0]).max(), pts[:, 1].max(), pts[:, 2].max())
        if length == "long" and style != "bun":  # a bun is long hair tied up
            assert pts[:, 2].min() < -100.0, (style, pts[:, 2].min())  # below the chin
        else:
            assert pts[:, 2].min() > -110.0, (style, pts[:, 2].min())
    assert extents["afro"][1] > extents["short"][1] + 25.0  # volume
    assert extents["ponytail"][2] > extents["short"][2] + 10.0  # the tail sticks out behind
    assert extents["ponytail"][3] > extents["short"][3] + 10.0  # a high ponytail shows from the front
    assert extents["bun"][3] > extents["short"][3] + 15.0  # a top knot, seen from the front


def test_hair_follows_head_motion(person):
    spec, body = person
    outfit = _outfit(spec, body, hair_style="long_wavy")
    yaw = np.array([[0.0, 0.0, 0.0], [30.0, 10.0, 5.0]], np.float32)
    frames = body.frames(np.zeros((2, 52), np.float32), yaw)
    rot = head_rotations(body.rest_vertices, frames.vertices)
    angle = np.degrees(np.arccos(np.clip((np.trace(rot[1]) - 1) / 2, -1, 1)))
    assert 25.0 < angle < 40.0
    for mesh in outfit.meshes:
        if mesh.name not in ("hair", "hair_long", "glasses"):
            continue
        posed = pose(mesh, frames.vertices, rot)
        rest = mesh.rest_positions(body.rest_vertices)
        assert np.abs(posed[0] - rest).max() < 2e-3  # frame 0 is the rest pose
        assert np.abs(posed[1] - rest).max() > 0.03  # frame 1: it moved with the head
        if mesh.name == "hair":  # the scalp shell rides on the skin it was lifted from
            continue
        # hanging hair and glasses: rigid with the skull (residual of a rigid fit under 1 mm)
        a, b = rest - rest.mean(0), posed[1] - posed[1].mean(0)
        u, _, vt = np.linalg.svd(a.T @ b)
        r = (u @ vt).T
        assert np.abs(a @ r.T - b).max() < 1e-3, mesh.name
        assert np.allclose(r, rot[1], atol=0.02)


def test_facial_hair_clothes_and_accessories(person):
    spec, body = person
    names = lambda o: {m.name for m in o.meshes}  # noqa: E731
    assert {"top", "glasses"} <= names(_outfit(spec, body))
    assert "top" not in names(_outfit(spec, body, top="none"))
    assert "glasses" not in names(_outfit(spec, body, glasses="none"))
    man = dataclasses.replace(spec, gender=1.0)
    assert "facial_hair" in names(_outfit(man, body, facial_hair="beard"))
    stubble = _outfit(man, body, facial_hair="stubble")
    assert "facial_hair" not in names(stubble) and len(stubble.paint) >= 3  # stubble is paint
    scarf = _outfit(spec, body, headscarf="teal", hair_style="afro")
    assert "headscarf" in names(scarf) and not any(n.startswith("hair") for n in names(scarf))
    old = _outfit(spec, body, age_years=75.0)
    young = _outfit(spec, body, age_years=25.0)
    assert len(old.paint) == len(young.paint) + 1  # age folds


def test_renderer_draws_the_hair(person):
    pytest.importorskip("pyrender")
    from sim_env.render.clip import render_clip
    from sim_env.render.viewpoints import Viewpoint

    spec, _ = person
    frames = {}
    for style in ("bald", "long_straight"):
        s = dataclasses.replace(spec, hair_style=style, hair_colour="red", glasses="none")
        frames[style] = render_clip(s, None, [Viewpoint(0, 0)], n_frames=1, size=64).frames[0, 0]
    diff = np.abs(frames["bald"].astype(int) - frames["long_straight"].astype(int)).sum(-1)
    # long hair changes the sides of the picture (beside and below the face), not just the top
    assert (diff[32:, :12] > 60).mean() > 0.1 or (diff[32:, -12:] > 60).mean() > 0.1
    red = frames["long_straight"].astype(int)
    assert ((red[..., 0] - red[..., 2]) > 40).mean() > 0.05


@pytest.mark.parametrize("top", ["tshirt", "sweater"])
def test_necklines_are_smooth_curves_not_the_meshes_teeth(person, top):
    """A top ends along its neckline, not along hm08's chest triangles (20 mm: whole triangles made
    a saw-toothed edge, 5-16 px spikes at 320 px). Frontal, the cloth's top edge moves at most
    3 px between neighbouring columns across the neck (it curves up its sides)."""
    from sim_env.render.clip import render_clip
    from sim_env.render.viewpoints import Viewpoint

    spec = dataclasses.replace(person[0], top=top, top_colour="green", glasses="none", hair_style="bun")
    frame = render_clip(spec, None, [Viewpoint(0, -10, 0.75)], n_frames=1, size=320).frames[0, 0].astype(int)
    cloth = (frame[..., 1] > frame[..., 0] + 15) & (frame[..., 1] > frame[..., 2] + 15)  # green, not skin
    cols = np.flatnonzero(cloth[160:].any(0))
    centre, half = int(cols.mean()), int(0.22 * (cols.max() - cols.min()))  # across the neck
    tops = np.array([160 + np.argmax(cloth[160:, c]) for c in range(centre - half, centre + half)])
    assert np.abs(np.diff(tops)).max() <= 3, tops
