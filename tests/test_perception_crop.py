"""MTCNN face crops: tracking, fallback for frames without a face, stability, and errors."""
from __future__ import annotations

import numpy as np
import pytest

from perception.face_crop import (
    CropConfig, FaceCropper, centre_box, check_frames, fill_missing, stabilise, track_boxes,
)


@pytest.fixture(scope="module")
def cropper():
    return FaceCropper(CropConfig(), device="cpu")


@pytest.fixture(scope="module")
def real(shared_dir):
    path = shared_dir / "real"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path


def _frames(path, n, step=1, half=True):
    from perception.video import read_video

    frames, _ = read_video(path, max_frames=n, step=step)
    return frames[:, ::2, ::2].copy() if half else frames  # half size: MTCNN is 4× faster, faces stay large


def test_tracking_follows_the_first_largest_face():
    big, small = np.array([[0, 0, 50, 50.0]]), np.array([[100, 100, 120, 120.0]])
    per_frame = [np.concatenate([small, big]), None, np.concatenate([big + 3, small]), np.concatenate([small, big + 6])]
    boxes, detected = track_boxes(per_frame)
    assert detected.tolist() == [True, False, True, True]
    assert np.allclose(boxes[[0, 2, 3], 0], [0, 3, 6])  # the big face throughout, wherever MTCNN lists it
    # our face vanishes and a stranger appears: not taken for ours, until the gap is long enough to restart
    stranger = np.array([[300, 0, 340, 40.0]])
    boxes, detected = track_boxes([big, stranger, stranger, big + 2, None, stranger, stranger, stranger], max_gap=3)
    assert detected.tolist() == [True, False, False, True, False, False, False, True]
    assert np.allclose(boxes[3], big + 2) and np.allclose(boxes[7], stranger)


def test_missing_frames_are_interpolated_and_held_at_the_ends():
    boxes = np.full((6, 4), np.nan)
    boxes[1] = [10, 10, 30, 30]
    boxes[4] = [40, 10, 60, 30]
    detected = ~np.isnan(boxes[:, 0])
    filled = fill_missing(boxes, detected)
    assert np.allclose(filled[0], boxes[1]) and np.allclose(filled[5], boxes[4])  # held
    assert np.allclose(filled[2, 0], 20) and np.allclose(filled[3, 0], 30)  # linear in between


def test_still_head_gets_one_box_and_moving_head_is_smoothed():
    rng = np.random.default_rng(0)
    base = np.array([100, 100, 200, 220.0])
    jitter = base + rng.normal(0, 1.0, (20, 4))  # < 5 % of the box size
    still = stabilise(jitter, window=5, still_tolerance=0.05)
    assert np.ptp(still, axis=0).max() == 0
    moving = base + np.linspace(0, 80, 20)[:, None] * [1, 0, 1, 0] + rng.normal(0, 3, (20, 4))
    smooth = stabilise(moving, window=5, still_tolerance=0.05)
    step_jitter = lambda b: np.std(np.diff(b[2:-2, 0], 2))  # noqa: E731
    assert step_jitter(smooth) < 0.5 * step_jitter(moving)
    assert abs(smooth[10, 0] - moving[10, 0]) < 10  # still follows the head


def test_bad_frames_and_config_are_named():
    with pytest.raises(ValueError, match="uint8"):
        check_frames(np.zeros((2, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match=r"\(T, H, W, 3\)"):
        check_frames(np.zeros((2, 8, 8), np.uint8))
    with pytest.raises(ValueError, match="no frames"):
        check_frames(np.zeros((0, 8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="CropConfig.margin"):
        CropConfig(margin=200)
    with pytest.raises(ValueError, match="unknown fields"):
        CropConfig.from_dict({"image_size": 160, "marginn": 3})
    cfg = CropConfig(margin=14, thresholds=(0.5, 0.6, 0.7))
    assert CropConfig.from_dict(cfg.to_dict()) == cfg


def test_no_face_clip_uses_centre_crop_and_counts_every_frame(cropper, real):
    frames = _frames(real / "no_face.mp4", 4)
    out = cropper.crop_clip(frames)
    assert out.n_missing == 4 and not out.detected.any()
    assert np.allclose(out.boxes, centre_box(*frames.shape[1:3]))
    assert out.crops.shape == (4, 160, 160, 3) and out.crops.dtype == np.uint8


def test_real_face_clip_is_stable_and_a_blanked_frame_is_filled(cropper, real):
    frames = _frames(real / "single_face.mp4", 6, step=3)
    frames[2] = 128  # a frame without a face
    out = cropper.crop_clip(frames)
    assert out.detected.tolist() == [True, True, False, True, True, True] and out.n_missing == 1
    h, w = frames.shape[1:3]
    x0, y0, x1, y1 = out.boxes.mean(axis=0)
    assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h and (x1 - x0) < w / 2  # a face box, not the frame
    # the filled frame lies between its neighbours, and boxes do not jump from frame to frame
    assert np.all(np.abs(np.diff(out.boxes, axis=0)) < 0.05 * (x1 - x0))
    assert all(out.crops[t].std() > 20 for t in (0, 1, 3, 4, 5))  # faces, not flat background
    assert np.all(out.crops[2] == 128)  # the blank frame is cropped where the face box is, not replaced
