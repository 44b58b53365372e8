"""ClipSource: crops and embeddings are computed once per clip content and then read from disk."""
import numpy as np
import pytest
import torch

from training.features import ClipSource, content_hash, load_frames
from training.real import load_real
from training.testing import one_torch_thread, write_fake_real


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    yield from one_torch_thread()


@pytest.fixture()
def source(tmp_path, monkeypatch):
    import perception.facenet

    tiny = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(2), torch.nn.Flatten(), torch.nn.Linear(12, 512)).eval()
    monkeypatch.setattr(perception.facenet, "load_facenet", lambda weights="auto", device=None: (tiny, "tiny"))
    return ClipSource(tmp_path / "cache", device="cpu")


def test_crops_and_embeddings_are_cached_by_content(tmp_path, source, monkeypatch):
    from perception.face_crop import FaceCropper
    from perception.features import EmbeddingExtractor

    rec = load_real(write_fake_real(tmp_path / "real", n_subjects=1, n_frames=3, size=32, labels=("anger",)))[0]
    crops = np.asarray(source.crops(rec))
    emb = source.embeddings(rec)
    assert crops.shape == (3, 160, 160, 3) and crops.dtype == np.uint8
    assert emb.shape == (3, 512) and source.weights_name == "tiny"
    assert source.frames(rec, 32).shape == (3, 32, 32, 3)

    def fail(*a, **k):
        raise AssertionError("recomputed although cached")

    monkeypatch.setattr(FaceCropper, "crop_clip", fail)
    monkeypatch.setattr(EmbeddingExtractor, "embed_crops", fail)
    again = ClipSource(tmp_path / "cache", device="cpu")  # a new run, same cache folder
    np.testing.assert_array_equal(again.crops(rec), crops)
    np.testing.assert_array_equal(again.embeddings(rec), emb)
    assert again.key(rec) == content_hash(rec.path)


def test_frame_folders_load_in_name_order(tmp_path):
    from PIL import Image

    for i in (2, 0, 1):
        Image.fromarray(np.full((4, 6, 3), i, np.uint8)).save(tmp_path / f"{i:03d}.png")
    frames = load_frames(tmp_path)
    assert frames.shape == (3, 4, 6, 3) and frames[:, 0, 0, 0].tolist() == [0, 1, 2]
