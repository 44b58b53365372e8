import numpy as np
import pytest

from sim_env.render.camera import RobotCamera, look_at
from sim_env.render.viewpoints import grid, paper9, parse_viewpoints, random_viewpoints

FACE = np.array([0.0, -0.1, 1.6])


def test_look_at_points_camera_minus_z_at_target():
    pose = look_at(np.array([0.0, -1.0, 1.6]), FACE)
    forward = -pose[:3, 2]
    expected = (FACE - pose[:3, 3]) / np.linalg.norm(FACE - pose[:3, 3])
    assert np.allclose(forward, expected)
    assert pose[2, 1] > 0.99  # camera up is world up: images are not upside down
    assert np.isclose(np.linalg.det(pose[:3, :3]), 1.0)


def test_target_projects_to_image_centre_and_up_is_up():
    cam = RobotCamera.around_face(FACE, 20, 15, 0.7, width=160, height=120)
    assert np.allclose(cam.project(FACE), [80, 60], atol=1e-6)
    above = cam.project(FACE + [0, 0, 0.05])
    assert above[1] < 60  # a point above the face is higher in the image (smaller row)


def test_paper_convention_horizontal_left_vertical_up():
    cam = RobotCamera.around_face(FACE, 40, 30, 0.6)
    offset = cam.position - FACE
    assert offset[0] > 0  # h > 0: toward the subject's left (+x)
    assert offset[2] > 0  # v > 0: above the eyes
    assert offset[1] < 0  # in front of a face looking along -y
    assert np.isclose(np.linalg.norm(offset), 0.6)
    assert np.isclose(np.degrees(np.arcsin(offset[2] / 0.6)), 30)
    # the subject's left (+x) appears on the image's right in a frontal view
    front = RobotCamera.around_face(FACE, 0, 0, 0.6)
    assert front.project(FACE + [0.03, 0, 0])[0] > 80


def test_paper9_is_the_two_diagonals():
    pairs = {(v.horizontal_deg, v.vertical_deg) for v in paper9()}
    assert len(pairs) == 9
    assert pairs == {(h, v) for h, v in zip((-40, -20, 0, 20, 40), (-30, -15, 0, 15, 30))} | {
        (h, -v) for h, v in zip((-40, -20, 20, 40), (-30, -15, 15, 30))
    }
    assert paper9()[4].horizontal_deg == 0 and paper9()[4].vertical_deg == 0  # frontal in the centre


def test_grid_random_and_parsing():
    assert len(grid()) == 25
    assert random_viewpoints(5, seed=3) == random_viewpoints(5, seed=3)
    assert random_viewpoints(5, seed=3) != random_viewpoints(5, seed=4)
    assert len(parse_viewpoints("grid:-20,0,20;0,10")) == 6
    with pytest.raises(ValueError, match="unknown viewpoint set"):
        parse_viewpoints("nine")
    with pytest.raises(ValueError, match="random:N"):
        parse_viewpoints("random:many")


def test_camera_rejects_bad_values():
    with pytest.raises(ValueError, match="yfov"):
        RobotCamera(yfov_deg=0.1)
    with pytest.raises(ValueError, match="distance"):
        RobotCamera.around_face(FACE, 0, 0, -1)
