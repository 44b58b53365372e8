"""FaceNet runtimes: ONNX Runtime and OpenVINO run an ONNX export of the same weights and must agree
with PyTorch within cosine 0.999 on real face crops; identical crops are embedded once."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from perception.features import EmbeddingExtractor, resolve_runtime, unique_rows
from training.testing import one_torch_thread


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    yield from one_torch_thread()


@pytest.fixture(scope="module")
def face_crops():
    """Eight 160×160 face crops: MTCNN on the shared real video when present, else seeded noise."""
    shared = os.environ.get("HRISIM_SHARED")
    video = Path(shared) / "real" / "single_face.mp4" if shared else None
    if video is None or not video.is_file():
        return np.random.default_rng(0).integers(0, 256, (8, 160, 160, 3), dtype=np.uint8)
    from perception.face_crop import FaceCropper
    from perception.video import read_video

    frames, _ = read_video(video, max_frames=40)
    return FaceCropper(device="cpu").crop_clip(frames[::5]).crops


@pytest.fixture(scope="module")
def casia(tmp_path_factory):
    from perception.facenet import load_facenet

    return load_facenet("casia-webface", "cpu")


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory):
    """A fresh hrisim cache for the module: the ONNX export is made here once and shared by both runtimes."""
    path = tmp_path_factory.mktemp("hrisim-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HRISIM_CACHE", str(path))
        yield path


@pytest.mark.parametrize("runtime", ["onnxruntime", "openvino"])
def test_runtime_agrees_with_torch(runtime, casia, face_crops, onnx_cache, tmp_path):
    pytest.importorskip(runtime)
    ref = EmbeddingExtractor(*casia, cache_dir=tmp_path / "emb", device="cpu", runtime="torch").embed_crops(face_crops)
    ext = EmbeddingExtractor(*casia, cache_dir=tmp_path / "emb", device="cpu", runtime=runtime, threads=1, batch_size=3)
    emb = ext.embed_crops(face_crops)
    cos = (emb * ref).sum(1) / np.linalg.norm(emb, axis=1) / np.linalg.norm(ref, axis=1)
    assert emb.shape == (len(face_crops), 512) and emb.dtype == np.float32
    assert cos.min() > 0.999, cos
    assert ext.onnx_path().is_file() and ext.onnx_path().parent == onnx_cache / "onnx"
    assert not np.allclose(emb[0], emb[-1], atol=1e-3)  # different faces, different embeddings


def test_auto_runtime():
    pytest.importorskip("onnxruntime")
    from facenet_pytorch import InceptionResnetV1

    with torch.device("meta"):
        facenet = InceptionResnetV1()
    assert resolve_runtime("auto", facenet, "cpu") == "onnxruntime"
    assert resolve_runtime("auto", torch.nn.Linear(2, 2), "cpu") == "torch"  # not FaceNet: no export
    with pytest.raises(ValueError, match="runtime"):
        resolve_runtime("tensorrt", facenet, "cpu")


class _Counter(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rows = 0

    def forward(self, x):
        self.rows += len(x)
        return x.mean(dim=(2, 3)).repeat(1, 171)[:, :512] * torch.arange(1, 513)


def test_identical_crops_are_embedded_once(tmp_path):
    rng = np.random.default_rng(0)
    distinct = rng.integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    crops = distinct[[0, 0, 1, 0, 2, 2]]
    first, inverse = unique_rows(crops)
    assert first.tolist() == [0, 2, 4] and inverse.tolist() == [0, 0, 1, 0, 2, 2]
    model = _Counter()
    ext = EmbeddingExtractor(model, "stub", cache_dir=tmp_path, device="cpu", batch_size=2)
    emb = ext.embed_crops(crops)
    assert model.rows == 3
    np.testing.assert_array_equal(emb, EmbeddingExtractor(_Counter(), "stub", cache_dir=tmp_path, device="cpu").embed_crops(distinct)[[0, 0, 1, 0, 2, 2]])
