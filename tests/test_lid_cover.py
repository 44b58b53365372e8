"""The lids stay over the built-in eyeballs as they slide (sim_env.render.face_detail.LidCover)."""
from __future__ import annotations

import numpy as np
import pytest

from humans.suites import balanced24
from image_probes import hold
from sim_env.render.clip import render_clip
from sim_env.render.viewpoints import Viewpoint

# men with deep-set eyes, where AU6 showed sclera under the raised lower lid, and a woman where it did not
PEOPLE = ("bal_m_black_1", "bal_m_black_3", "bal_f_black_1")


def _person(pid):
    return next(h for h in balanced24() if h.id == pid)


def _lid_triangles_in_ball(positions, eyes, radius, triangles, lid):
    """(F,) whether points spread over each lid triangle lie inside either eyeball."""
    a, b, c = (positions[triangles[lid, k]] for k in range(3))
    points = np.stack([(a + b + c) / 3, (a + b) / 2, (b + c) / 2, (a + c) / 2,
                       (4 * a + b + c) / 6, (a + 4 * b + c) / 6, (a + b + 4 * c) / 6], 1)
    depth = np.minimum(*(np.linalg.norm(points - e, axis=-1) for e in eyes)) - radius
    return (depth < 0).any(1)


@pytest.mark.parametrize("key", ("6", "6+7"))
def test_lid_triangles_do_not_cut_into_the_eyeball_when_the_lower_lid_rises(key):
    from humans.appearance import face_frame_coordinates
    from humans.body_model import template_vertices
    from humans.topology import part_topologies
    from sim_env.render.actor import EYEBALL_SCALE
    from sim_env.render.face_detail import LID_BOX_MM, LidCover
    from sim_env.render.performance import Performance

    part = part_topologies("body")["skin"]
    p = face_frame_coordinates(template_vertices())[part.vertex_ids][part.triangles].mean(1) * 1000.0
    lid = ((np.abs(p[:, 0]) > LID_BOX_MM[0]) & (np.abs(p[:, 0]) < LID_BOX_MM[1])
           & (p[:, 2] > LID_BOX_MM[2]) & (p[:, 2] < LID_BOX_MM[3]) & (p[:, 1] < -8.0))  # the lids' fronts
    rest = Performance(_person("bal_m_black_1"), None, 1)
    body, radius = rest.body, rest.body.eye_radius * EYEBALL_SCALE
    cover = LidCover(part.vertex_ids, body.rest_vertices, body.rest_eye_centres, radius)
    frames = Performance(_person("bal_m_black_1"), hold(key), 1).frames
    raw = frames.vertices[:, part.vertex_ids]
    before = _lid_triangles_in_ball(rest.frames.vertices[0, part.vertex_ids], rest.frames.eye_centres[0], radius,
                                    part.triangles, lid)
    cut = _lid_triangles_in_ball(raw[0], frames.eye_centres[0], radius, part.triangles, lid) & ~before
    assert cut.sum() >= 3  # the rig alone cuts the ball: what the cover is for
    covered = cover.apply(raw, frames.eye_centres)
    assert not (_lid_triangles_in_ball(covered[0], frames.eye_centres[0], radius, part.triangles, lid) & ~before).any()
    moved = np.linalg.norm(covered - raw, axis=-1)
    assert moved.max() < 0.004  # a few millimetres, not a new shape
    assert np.all(moved[:, np.setdiff1d(np.arange(raw.shape[1]), cover.index)] == 0)  # the lids only
    neutral = rest.frames.vertices[:, part.vertex_ids]
    assert cover.apply(neutral, rest.frames.eye_centres) is neutral  # nothing moves at rest


@pytest.mark.parametrize("pid", PEOPLE)
def test_no_sclera_shows_below_a_raised_lower_lid(pid, monkeypatch):
    """With the eyeballs drawn pure green, AU6 at 480 px shows one green region per eye: the opening
    (before, two of these men also showed a green strip below each lower lid: four regions)."""
    from scipy import ndimage

    import sim_env.render.actor as actor

    ball = actor.eyeball_mesh
    monkeypatch.setattr(actor, "eyeball_mesh", lambda iris, sclera: ball((0.0, 1.0, 0.0), (0.0, 1.0, 0.0)))
    clip = render_clip(_person(pid), hold("6"), (Viewpoint(0, 0, 0.45),), n_frames=1, size=480)
    f = clip.frames[0, 0].astype(int)
    green = (f[..., 1] > 120) & (f[..., 1] > 2 * f[..., 0]) & (f[..., 1] > 2 * f[..., 2])
    labels, n = ndimage.label(green)
    sizes = ndimage.sum(green, labels, range(1, n + 1))
    assert (sizes > 20).sum() == 2, sorted(sizes.tolist())
