"""Every model trains a few steps on tiny data and its loss falls; KNN-DTW beats chance.

FakeSource stands in for MTCNN + FaceNet features (class-dependent data, no detector), so these tests
check the training code, not the pretrained networks.
"""
from pathlib import Path

import numpy as np
import pytest
import torch

from training.config import config_from_dict
from training.predictors import make_predictor
from training.records import ClipRecord
from training.testing import FakeSource, one_torch_thread


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    yield from one_torch_thread()


def _records(n_per_class=3, prefix="c"):
    return [ClipRecord(f"{prefix}{c}_{i}", Path("unused"), c, f"{prefix}s{i}", "g") for c in range(3) for i in range(n_per_class)]


def _cfg(model: dict, **train):
    return config_from_dict({"name": "t", "data": {"real": "unused"}, "model": model,
                             "train": {"progress": False, "device": "cpu", **train}})


def _loss(p, records) -> float:
    probs = p.predict_proba(records)
    return float(-np.mean(np.log(probs[np.arange(len(records)), [r.label for r in records]] + 1e-12)))


@pytest.mark.parametrize("model, train, epochs", [
    ({"kind": "inception_time", "length": 8, "freeze_facenet": True}, {"lr": 1e-3}, 6),
    ({"kind": "cnn3d", "length": 4, "frame_size": 32}, {"lr": 1e-3, "batch_size": 9}, 10),
], ids=["facenet_frozen_inception_time", "cnn3d"])
def test_network_loss_falls(model, train, epochs):
    cfg = _cfg(model, **train)
    recs = _records()
    p = make_predictor(cfg, FakeSource(n_frames=10), seed=0)
    history = p.fit(lambda e: recs, epochs, desc="t")
    assert len(history) == epochs and history[0].n_train == len(recs)
    losses = [h.train_loss for h in history]
    assert np.mean(losses[-2:]) < 0.7 * np.mean(losses[:2]), losses


def _tiny_face_encoder():
    """Stands in for InceptionResnetV1 ((N,3,S,S) → (N,512)): the test is about the fine-tuning path
    (crops → encoder → InceptionTime, gradients into the encoder), not FaceNet's weights or its CPU cost."""
    return torch.nn.Sequential(torch.nn.Conv2d(3, 8, 5, stride=4), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(4),
                               torch.nn.Flatten(), torch.nn.Linear(128, 512))


def test_finetuned_facenet_inception_time_loss_falls(monkeypatch):
    import perception.facenet

    monkeypatch.setattr(perception.facenet, "load_facenet", lambda weights="auto", device=None: (_tiny_face_encoder(), "tiny"))
    cfg = _cfg({"kind": "inception_time", "length": 4, "freeze_facenet": False}, lr=1e-3, batch_size=9, augment=False)
    recs = _records()
    p = make_predictor(cfg, FakeSource(n_frames=6), seed=0)
    assert p.mode == "crops"
    first = p.module.facenet[0].weight.detach().clone()
    losses = [h.train_loss for h in p.fit(lambda e: recs, 8, desc="t")]
    assert not torch.equal(first, p.module.facenet[0].weight)  # the face encoder is trained, not frozen
    assert np.mean(losses[-2:]) < 0.7 * np.mean(losses[:2]), losses


def test_knn_dtw_beats_chance_and_picks_k_on_training_data():
    cfg = _cfg({"kind": "knn_dtw", "length": 6, "k_grid": [1, 3]})
    p = make_predictor(cfg, FakeSource(n_frames=8), seed=0)
    p.fit(lambda e: _records(4, "train"))
    test = _records(3, "test")
    probs = p.predict_proba(test)
    assert probs.shape == (9, 3)
    assert np.mean(probs.argmax(1) == [r.label for r in test]) > 0.8
    assert p.chosen_k in (1, 3)
