"""Partial fine-tuning: FaceNet frozen up to a block, activations cached per clip and augmented
variant, the rest of FaceNet and InceptionTime trained; the saved model is the whole network."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from training.partial_finetune import STAGES, PartialPredictor, split_facenet
from training.testing import one_torch_thread


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    yield from one_torch_thread()


@pytest.fixture(scope="module")
def facenet():
    from facenet_pytorch import InceptionResnetV1

    torch.manual_seed(0)
    return InceptionResnetV1().eval()  # random weights: the arithmetic is what is tested


@pytest.mark.parametrize("stage", ["conv2d_4b", "repeat_2", "repeat_3", "block8"])
def test_prefix_then_suffix_is_facenet(facenet, stage):
    x = torch.randn(2, 3, 160, 160)
    prefix, suffix = split_facenet(facenet, stage)
    with torch.no_grad():
        torch.testing.assert_close(suffix(prefix(x)), facenet(x), atol=1e-5, rtol=1e-4)
    names = {id(m) for m in suffix.modules()}
    assert not any(id(m) in names for m in prefix.modules() if list(m.parameters()))  # nothing trained twice
    with pytest.raises(ValueError, match="frozen_up_to"):
        split_facenet(facenet, "mixed_5b")
    assert STAGES[-1] == "block8"


def _config(tmp_path, **model):
    from training.config import config_from_dict

    return config_from_dict({
        "name": "partial", "seed": 3, "data": {"real": "-", "cache_dir": str(tmp_path / "cache")},
        "model": {"kind": "inception_time", "length": 4, "freeze_facenet": False, "frozen_up_to": "repeat_3",
                  "augmented_variants": 2, **model},
        "strategy": {"kind": "real_only"}, "train": {"progress": False, "device": "cpu", "facenet_runtime": "torch", "batch_size": 4},
    })


def test_partial_predictor_caches_trains_the_rest_and_saves_the_whole_network(tmp_path, facenet, monkeypatch):
    import copy

    import perception.facenet
    from perception.augment import normalise_clip
    from perception.checkpoint import load_checkpoint
    from training.features import ClipSource
    from training.partial_finetune import ActivationCache
    from training.real import load_real
    from training.testing import write_fake_real

    net = copy.deepcopy(facenet)
    monkeypatch.setattr(perception.facenet, "load_facenet", lambda weights="auto", device=None: (net, "random"))
    cfg = _config(tmp_path)
    records = load_real(write_fake_real(tmp_path / "real", n_subjects=2, n_frames=5, size=32))
    source = ClipSource(cfg.data.cache_dir, device="cpu")
    p = PartialPredictor(cfg, source, seed=1)
    frozen_before = {k: v.clone() for k, v in net.repeat_1.state_dict().items()}
    trained_before = {k: v.clone() for k, v in net.block8.state_dict().items()}
    history = p.fit(lambda e: records, 2, val_records=records[:2])
    assert len(history) == 2 and all(np.isfinite(h.train_loss) for h in history)
    for k, v in net.repeat_1.state_dict().items():
        torch.testing.assert_close(v, frozen_before[k])  # frozen up to the block
    assert any(not torch.equal(v, trained_before[k]) for k, v in net.block8.state_dict().items() if v.is_floating_point())

    files = sorted(p.cache.folder.iterdir())
    assert {f.name.rsplit("-", 1)[1] for f in files} <= {"v0.npy", "v1.npy", "plain.npy"}
    a0, a1, plain = (np.asarray(p.cache.get(records[0], v)) for v in (0, 1, None))
    assert a0.shape == (5, 1792, 3, 3) and a0.dtype == np.float16 and not np.array_equal(a0, a1)
    # seeded: a fresh cache elsewhere draws the same variant
    other = ActivationCache(ClipSource(tmp_path / "other", device="cpu"), facenet, "random", "repeat_3", cfg.seed, "torch")
    np.testing.assert_array_equal(np.asarray(other.get(records[0], 0)), a0)
    with monkeypatch.context() as m:
        m.setattr(ActivationCache, "_compute", lambda *a: pytest.fail("activations computed twice"))
        p.fit(lambda e: records, 1, val_records=records[:2])  # everything from the cache now

    probs = p.predict_proba(records)
    assert probs.shape == (len(records), 3) and np.allclose(probs.sum(1), 1, atol=1e-5)
    model, config = load_checkpoint(p.save(tmp_path / "ckpt"))
    assert config["architecture"] == "facenet_inception_time"
    # saved through the one predictor saver: the same checkpoint config as every other predictor
    from training.predictors import NetworkPredictor, checkpoint_config

    assert isinstance(p, NetworkPredictor)
    expected = checkpoint_config(cfg, source, "facenet_inception_time", 4, {"freeze_facenet": False})
    assert {k: config[k] for k in expected} == expected and expected["experiment"] == "partial" and expected["seed"] == 3
    crops = normalise_clip(np.asarray(source.crops(records[0])))[:4][None]
    model.eval(), p.module.eval()
    with torch.no_grad():
        whole = torch.softmax(model(crops), 1)
        cached = torch.softmax(p.module(torch.from_numpy(plain[:4].astype(np.float32))[None]), 1)
    torch.testing.assert_close(whole, cached, atol=2e-3, rtol=0)  # float16 cache: close, not equal


def test_config_checks_frozen_up_to(tmp_path):
    from training.config import ConfigError

    with pytest.raises(ConfigError, match="frozen_up_to"):
        _config(tmp_path, freeze_facenet=True)
    with pytest.raises(ConfigError, match="frozen_up_to"):
        _config(tmp_path, frozen_up_to="mixed_5b")
