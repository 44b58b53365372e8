"""Per-clip augmentation (one transform for all frames), normalisation and window selection."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from perception.augment import ClipAugmenter, normalise_clip, select_window


def _clip(t=4, s=160, seed=0):
    rng = np.random.default_rng(seed)
    frame = rng.integers(0, 256, (s, s, 3), dtype=np.uint8)
    frame[40:120, 60:100] = [200, 30, 30]  # a structure that geometric transforms move
    return np.repeat(frame[None], t, axis=0)


def test_normalise_is_facenet_fixed_standardisation():
    x = normalise_clip(np.array([[[[0, 255, 128]]]], dtype=np.uint8))
    assert x.shape == (1, 3, 1, 1)
    assert torch.allclose(x.flatten(), torch.tensor([-127.5, 127.5, 0.5]) / 128)


def test_one_transform_per_clip_applied_to_every_frame():
    aug = ClipAugmenter()
    clip = _clip()
    out = aug(clip, np.random.default_rng(3))
    assert out.shape == (4, 3, 160, 160) and out.dtype == torch.float32
    assert out.min() >= -1 and out.max() <= 1
    for t in range(1, 4):  # identical frames in → identical frames out: the same random draw for all
        assert torch.equal(out[0], out[t])
    assert not torch.allclose(out[0], normalise_clip(clip)[0])  # it did transform


def test_augmentation_is_seeded_and_varies_between_clips():
    aug = ClipAugmenter()
    clip = _clip(t=2)
    a = aug(clip, np.random.default_rng(7))
    b = aug(clip, np.random.default_rng(7))
    c = aug(clip, np.random.default_rng(8))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    state = torch.get_rng_state()
    aug(clip, np.random.default_rng(1))
    assert torch.equal(state, torch.get_rng_state())  # torch's global generator is left alone


def test_bad_crops_are_rejected():
    with pytest.raises(ValueError, match="uint8"):
        normalise_clip(np.zeros((2, 160, 160, 3), np.float32))
    with pytest.raises(ValueError, match="160"):
        ClipAugmenter()(np.zeros((2, 64, 64, 3), np.uint8), np.random.default_rng(0))


def test_select_window():
    assert select_window(10, 25, train=False).tolist() == [i % 10 for i in range(25)]  # short clips loop
    assert select_window(65, 25, train=False).tolist() == list(range(20, 45))  # centre when testing
    starts = {int(select_window(40, 25, True, np.random.default_rng(s))[0]) for s in range(40)}
    assert starts <= set(range(16)) and len(starts) > 5  # random, always inside the clip
    a = select_window(100, 64, True, np.random.default_rng(5))
    assert np.array_equal(a, select_window(100, 64, True, np.random.default_rng(5)))
    assert np.array_equal(np.diff(a), np.ones(63))
    with pytest.raises(ValueError, match="rng"):
        select_window(40, 25, train=True)
    with pytest.raises(ValueError, match="n_frames"):
        select_window(0, 25, train=False)
