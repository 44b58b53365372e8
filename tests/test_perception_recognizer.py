"""Checkpoints (all four model kinds), ExpressionRecognizer on files, arrays and streams, and ``hrisim predict``."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from perception.checkpoint import build_model, load_checkpoint, save_checkpoint
from perception.face_crop import CropConfig
from perception.recognizer import CLASSES, ExpressionRecognizer, window_starts


def _config(arch, **kw):
    return {"architecture": arch, "classes": list(CLASSES), "seq_len": 8, "facenet_weights": "casia-webface",
            "crop": CropConfig().to_dict(), **kw}


@pytest.fixture(scope="module")
def video(shared_dir):
    path = shared_dir / "real" / "single_face.mp4"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="module")
def cnn3d_ckpt(tmp_path_factory):
    torch.manual_seed(0)
    cfg = _config("cnn3d", model_kwargs={"width": 4, "input_size": 48}, facenet_weights=None)
    return save_checkpoint(tmp_path_factory.mktemp("ck") / "cnn3d", build_model(cfg), cfg)


@pytest.mark.parametrize("arch,kwargs", [
    ("inception_time", {"nf": 8}),
    ("facenet_inception_time", {"freeze_facenet": True, "nf": 8}),
    ("cnn3d", {"width": 4}),
])
def test_torch_checkpoints_round_trip(tmp_path, arch, kwargs):
    torch.manual_seed(0)
    cfg = _config(arch, model_kwargs=kwargs)
    model = build_model(cfg).eval()
    x = {"inception_time": torch.randn(2, 512, 8), "facenet_inception_time": torch.rand(1, 2, 3, 96, 96) * 2 - 1,
         "cnn3d": torch.randn(2, 3, 4, 32, 32)}[arch]
    path = save_checkpoint(tmp_path / "ck", model, cfg)
    loaded, config = load_checkpoint(path)
    with torch.no_grad():
        assert torch.allclose(model(x), loaded(x), atol=1e-6)
    assert not loaded.training
    assert config["classes"] == list(CLASSES) and config["hrisim_version"] and config["facenet_weights"]
    assert config["crop"]["image_size"] == 160
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck"]  # no temporary folders left behind
    if arch == "facenet_inception_time":  # the real InceptionResnetV1, frozen: eval mode and no gradients
        loaded.train()
        loaded(x).sum().backward()
        assert not loaded.facenet.training and loaded.head.training
        assert all(p.grad is None for p in loaded.facenet.parameters())
        assert all(p.grad is not None for p in loaded.head.parameters())


@pytest.mark.slow  # tslearn's numba DTW compiles on first use
def test_knn_checkpoint_round_trip(tmp_path):
    from perception.models.knn_dtw import KNNDTWClassifier

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(9, 5, 8)), np.arange(9) % 3
    knn = KNNDTWClassifier(k_grid=(1, 3), n_classes=3).fit(X, y)
    path = save_checkpoint(tmp_path / "knn", knn, _config("knn_dtw"))
    loaded, config = load_checkpoint(path)
    assert loaded.k_ == knn.k_ and np.array_equal(loaded.predict_proba(X), knn.predict_proba(X))
    with pytest.raises(TypeError, match="KNNDTWClassifier"):
        save_checkpoint(tmp_path / "knn", torch.nn.Linear(2, 2), _config("knn_dtw"))
    assert load_checkpoint(path)[0].k_ == knn.k_  # the failed save left the old checkpoint intact


def test_saving_over_a_checkpoint_replaces_it(tmp_path):
    torch.manual_seed(0)
    cfg = _config("inception_time", model_kwargs={"nf": 4})
    save_checkpoint(tmp_path / "ck", build_model(cfg), cfg)
    new = build_model(cfg)
    save_checkpoint(tmp_path / "ck", new, {**cfg, "note": "second"})
    loaded, config = load_checkpoint(tmp_path / "ck")
    assert config["note"] == "second"
    assert torch.equal(loaded.fc[1].weight, new.fc[1].weight)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck"]


def test_broken_checkpoints_name_the_file(tmp_path, cnn3d_ckpt):
    with pytest.raises(FileNotFoundError, match="config.json"):
        load_checkpoint(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="config.json"):
        load_checkpoint(tmp_path)
    cfg = json.loads((cnn3d_ckpt / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**cfg, "architecture": "i3d"}))
    with pytest.raises(ValueError, match="'architecture'"):
        load_checkpoint(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({**cfg, "classes": "anger"}))
    with pytest.raises(ValueError, match="'classes'"):
        load_checkpoint(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        load_checkpoint(tmp_path)
    (tmp_path / "model.safetensors").write_bytes((cnn3d_ckpt / "model.safetensors").read_bytes())
    (tmp_path / "config.json").write_text(json.dumps({**cfg, "model_kwargs": {"width": 8}}))
    with pytest.raises(ValueError, match="model.safetensors"):
        load_checkpoint(tmp_path)
    with pytest.raises(ValueError, match="'seq_len'"):
        save_checkpoint(tmp_path / "x", build_model(cfg), {**cfg, "seq_len": 0})


def test_unreadable_video_is_named(tmp_path):
    from perception.video import read_video

    bad = tmp_path / "clip.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(ValueError, match=r"clip\.mp4: cannot read video") as info:
        read_video(bad)
    assert len(str(info.value)) < 400
    with pytest.raises(FileNotFoundError, match="missing.mp4"):
        read_video(tmp_path / "missing.mp4")


def test_window_starts():
    assert window_starts(40, 25, 5) == [0, 5, 10, 15]
    assert window_starts(10, 25, 5) == [0]
    with pytest.raises(ValueError, match="stride"):
        window_starts(40, 25, 0)


def test_recognizer_frames_video_and_stream_agree(cnn3d_ckpt, video):
    from perception.video import read_video

    rec = ExpressionRecognizer.load(cnn3d_ckpt, device="cpu")
    assert rec.classes == CLASSES
    frames, fps = read_video(video, max_frames=12)
    rows = rec.predict_video(video, window=8, stride=2, max_frames=12)
    assert [round(t * fps) for t, _ in rows] == [0, 2, 4]
    for _, probs in rows:
        assert tuple(probs) == CLASSES and sum(probs.values()) == pytest.approx(1.0, abs=1e-5)
    # the file's windows, a frame array and a stream give the same numbers for the same frames
    assert rec.predict_frames(frames[2:10]) == pytest.approx(rows[1][1], abs=1e-5)
    stream = rec.stream(window=8, stride=2)
    outs = [stream.push(f) for f in frames]
    assert [o is None for o in outs] == [True] * 7 + [False, True, False, True, False]
    assert outs[9] == pytest.approx(rows[1][1], abs=1e-5)
    with pytest.raises(ValueError, match="stream frame"):
        stream.push(frames[0, :10])
    with pytest.raises(ValueError, match="uint8"):
        rec.predict_frames(frames.astype(np.float32))


@pytest.fixture(scope="module")
def face_frames(video):
    from perception.video import read_video

    return read_video(video, max_frames=5, step=4)[0][:, ::2, ::2].copy()  # half size: faster MTCNN


def _face_model(arch):
    cfg = _config(arch, seq_len=4, model_kwargs={} if arch == "knn_dtw" else {"nf": 8})
    if arch != "knn_dtw":
        return build_model(cfg), cfg
    from perception.models.knn_dtw import KNNDTWClassifier

    rng = np.random.default_rng(0)
    return KNNDTWClassifier(k_grid=(3,), n_classes=3).fit(rng.normal(size=(6, 4, 512)), np.arange(6) % 3), cfg


@pytest.mark.parametrize("arch", [
    "inception_time", "facenet_inception_time",
    pytest.param("knn_dtw", marks=pytest.mark.slow),  # tslearn's numba DTW compiles on first use
])
def test_recognizer_on_faces(tmp_path, face_frames, arch):
    """The face path end to end: MTCNN → FaceNet → classifier; a clip and a stream of it agree."""
    torch.manual_seed(0)
    model, cfg = _face_model(arch)
    rec = ExpressionRecognizer.load(save_checkpoint(tmp_path / "ck", model, cfg), device="cpu")
    whole = rec.predict_frames(face_frames[1:5])
    assert rec.last_n_missing == 0
    assert tuple(whole) == CLASSES and sum(whole.values()) == pytest.approx(1.0, abs=1e-5)
    stream = rec.stream(window=4, stride=1)
    outs = [stream.push(f) for f in face_frames]
    assert outs[:3] == [None] * 3
    assert outs[4] == pytest.approx(whole, abs=1e-4)
    if arch != "knn_dtw":  # (neighbour votes can tie across windows)
        assert outs[3] != pytest.approx(outs[4], abs=1e-6)  # different frames, different answer
    if arch in ("inception_time", "knn_dtw"):
        assert stream.n_embedded <= len(outs[3:]) * 4
        # a still face keeps its crop box, so each frame is embedded once however many windows see it
        still = rec.stream(window=4, stride=1)
        held = [still.push(face_frames[1]) for _ in range(9)]
        assert held[-1] == pytest.approx(held[3], abs=1e-6)
        assert still.n_embedded <= 9, "at most once per frame (6 windows x 4 frames without reuse)"


def test_cli_predict_prints_a_table(cnn3d_ckpt, video, capsys):
    from sim_env.cli import main

    assert main(["predict", str(video), "--checkpoint", str(cnn3d_ckpt), "--stride", "4",
                 "--max-frames", "12", "--device", "cpu"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "cnn3d" in out[0] and "window 8," in out[0]  # the checkpoint's seq_len by default
    assert out.pop(1).startswith("# 12 frames: no face detection (the model uses whole frames); 2 windows")
    assert out[1].split() == ["start_s", *CLASSES, "predicted"]
    rows = out[3:]
    assert len(rows) == 2 and rows[0].split()[0] == "0.00" and rows[1].split()[-1] in CLASSES


def test_cli_module_imports_nothing_heavy():
    import subprocess
    import sys

    code = "import sys, perception.cli; heavy = {'torch', 'facenet_pytorch', 'tsai', 'tslearn'} & set(sys.modules); print(sorted(heavy))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"  # `hrisim --help` stays instant
