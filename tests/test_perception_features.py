"""EmbeddingExtractor: FaceNet's input standardisation, batching, and the on-disk cache (keyed by clip and weights)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from perception.features import EmbeddingExtractor


class _Recorder(nn.Module):
    """Stands in for FaceNet: records its inputs, returns 512 numbers derived from them."""

    def __init__(self):
        super().__init__()
        self.inputs = []

    def forward(self, x):
        self.inputs.append(x.clone())
        return x.mean(dim=(2, 3)).repeat(1, 171)[:, :512] + torch.arange(512) * 1e-3


def _crops(t=5, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (t, 8, 8, 3), dtype=np.uint8)


def test_embed_crops_batches_and_standardises(tmp_path):
    model = _Recorder()
    ext = EmbeddingExtractor(model, "stub", cache_dir=tmp_path, batch_size=2, device="cpu")
    crops = _crops()
    emb = ext.embed_crops(crops)
    assert emb.shape == (5, 512) and emb.dtype == np.float32
    assert [len(x) for x in model.inputs] == [2, 2, 1]
    x = torch.cat(model.inputs)
    expected = (torch.from_numpy(crops).permute(0, 3, 1, 2).float() - 127.5) / 128
    assert torch.allclose(x, expected)  # facenet-pytorch's fixed_image_standardization, channels first
    assert not model.training


def test_cache_extracts_once_per_clip_and_weights(tmp_path):
    calls = []

    def crops_fn():
        calls.append(1)
        return _crops()

    a = EmbeddingExtractor(_Recorder(), "weights-a", cache_dir=tmp_path, device="cpu")
    first = a.embed_cached("clip123", crops_fn)
    again = a.embed_cached("clip123", crops_fn)
    assert len(calls) == 1 and np.array_equal(first, again)
    b = EmbeddingExtractor(_Recorder(), "weights-b", cache_dir=tmp_path, device="cpu")
    b.embed_cached("clip123", crops_fn)
    assert len(calls) == 2  # other weights, other cache entry
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights-a", "weights-b"]
    a.cache_path("clip123").write_bytes(b"broken")  # an unreadable entry is recomputed, not trusted
    assert np.array_equal(a.embed_cached("clip123", crops_fn), first) and len(calls) == 3
    assert not [p for p in (tmp_path / "weights-a").iterdir() if "tmp" in p.name]


def test_bad_keys_and_arguments():
    ext = EmbeddingExtractor(_Recorder(), "stub", cache_dir="/nonexistent", device="cpu")
    with pytest.raises(ValueError, match="cache key"):
        ext.cache_path("../escape")
    with pytest.raises(ValueError, match="weights_name"):
        EmbeddingExtractor(_Recorder())
    with pytest.raises(ValueError, match="uint8"):
        ext.embed_crops(np.zeros((2, 8, 8, 3), np.float32))
