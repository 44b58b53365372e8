"""Person-specific normalisation (model.person_norm): the baselines, training on them, and the recognizer."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from perception.person_norm import RunningBaseline, person_baseline
from training.config import ConfigError, config_from_dict
from training.experiment import run_experiment
from training.person_norm import PersonNormalisedSource
from training.testing import FakeSource, one_torch_thread, write_fake_synthetic


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    yield from one_torch_thread()


def test_baseline_is_the_median_and_a_stream_keeps_the_last_frames():
    e = np.array([[0.0, 10.0], [1.0, -5.0], [100.0, 0.0]], np.float32)
    assert person_baseline(e).tolist() == [1.0, 0.0]  # the median: one outlying frame does not move it
    with pytest.raises(ValueError, match="at least one face"):
        person_baseline(np.zeros((0, 512)))
    running = RunningBaseline(history=2)
    assert running.value() is None
    running.add(e)
    assert running.value().tolist() == [50.5, -2.5]  # only the last two frames


class IdentitySource(FakeSource):
    """FakeSource whose embeddings also carry who the person is, along one class's direction, three
    times as strong as the expression: a head on raw embeddings reads each unseen person as their
    identity's class (what FaceNet did to one test person of the 48-person hold-out)."""

    def embeddings(self, record):
        e = np.array(super().embeddings(record))
        who = int(record.subject[1:]) % 3
        e[:, who * 8 : who * 8 + 8] += 3.0
        return e


def test_normalised_source_subtracts_each_persons_median(tmp_path):
    from training.synthetic import load_synthetic

    records = load_synthetic(write_fake_synthetic(tmp_path / "syn", n_humans=2, animations_per_class=1, n_frames=4, size=16))
    raw = IdentitySource(n_frames=4)
    norm = PersonNormalisedSource(raw, records)
    for person in ("h00", "h01"):
        mine = [r for r in records if r.subject == person]
        frames = np.concatenate([raw.embeddings(r) for r in mine])
        np.testing.assert_allclose(norm.baselines[("synthetic", person)], np.median(frames, 0), atol=1e-6)
        np.testing.assert_allclose(norm.embeddings(mine[0]), raw.embeddings(mine[0]) - np.median(frames, 0), atol=1e-5)
    assert norm.weights_name == raw.weights_name  # everything else is the wrapped source's
    stranger = records[0].__class__(**{**records[0].__dict__, "subject": "h99"})
    with pytest.raises(ValueError, match="'h99'.*no baseline"):
        norm.embeddings(stranger)


def _holdout_cfg(syn, person_norm):
    return config_from_dict({
        "name": "pn", "seed": 0, "data": {"synthetic": str(syn), "val_humans": 1},
        "model": {"kind": "inception_time", "length": 4, "freeze_facenet": True, "person_norm": person_norm},
        "strategy": {"kind": "synthetic_only", "pretrain_epochs": 15}, "evaluation": {"protocol": "holdout"},
        "train": {"progress": False, "device": "cpu", "lr": 3e-3}})


def test_person_norm_lets_the_head_generalise_past_identity(tmp_path):
    """Unseen test people h06, h07 (identities along anger's and confusion's directions): raw
    embeddings make the head answer with their identity; person-normalised ones, with their expression."""
    syn = write_fake_synthetic(tmp_path / "syn", n_humans=8, animations_per_class=2, n_frames=4, size=16,
                               viewpoints=((0.0, 0.0),))
    import csv

    rows = list(csv.DictReader((syn / "manifest.csv").open()))
    for r in rows:  # two test people, so both failure directions show
        r["split"] = "val" if r["human_id"] in ("h06", "h07") else "train"
    from sim_env.dataset.store import write_manifest

    write_manifest(syn, rows)
    acc = {}
    for norm in (False, True):
        report = run_experiment(_holdout_cfg(syn, norm), tmp_path / f"run{norm}", source=IdentitySource(n_frames=4))
        assert report["data"]["synthetic_test_humans"] == ["h06", "h07"]
        acc[norm] = report["results"]["holdout (unseen humans)"]["accuracy"]
    assert acc[True] >= 0.9, acc
    assert acc[False] <= 0.75, acc
    import json

    assert "person-normalised embeddings" in (tmp_path / "runTrue" / "report.md").read_text()
    assert "person-normalised" not in (tmp_path / "runFalse" / "report.md").read_text()
    saved = json.loads((tmp_path / "runTrue" / "checkpoints" / "model" / "config.json").read_text())
    assert saved["person_norm"] is True  # the recognizer must subtract a baseline too


def test_person_norm_needs_frozen_facenet_embeddings():
    with pytest.raises(ConfigError, match="model.person_norm"):
        config_from_dict({"name": "x", "data": {"synthetic": "s"}, "strategy": {"kind": "synthetic_only"},
                          "evaluation": {"protocol": "holdout"},
                          "model": {"kind": "inception_time", "freeze_facenet": False, "person_norm": True}})
    with pytest.raises(ConfigError, match="model.person_norm"):
        config_from_dict({"name": "x", "data": {"synthetic": "s"}, "strategy": {"kind": "synthetic_only"},
                          "evaluation": {"protocol": "holdout"}, "model": {"kind": "cnn3d", "person_norm": True}})


# --- the recognizer: MTCNN -> FaceNet -> baseline -> head ----------------------------------------------

@pytest.fixture(scope="module")
def face_frames(shared_dir):
    from perception.video import read_video

    path = shared_dir / "real" / "single_face.mp4"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return read_video(path, max_frames=9, step=3)[0][:, ::2, ::2].copy()


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    from perception.checkpoint import build_model, save_checkpoint
    from perception.face_crop import CropConfig
    from perception.recognizer import CLASSES

    cfg = {"architecture": "inception_time", "classes": list(CLASSES), "seq_len": 4, "facenet_weights": "casia-webface",
           "crop": CropConfig().to_dict(), "model_kwargs": {"nf": 8}}
    torch.manual_seed(0)
    model = build_model(cfg)
    root = tmp_path_factory.mktemp("ck")
    return save_checkpoint(root / "raw", model, cfg), save_checkpoint(root / "pn", model, {**cfg, "person_norm": True})


def test_recognizer_subtracts_the_clips_median_or_the_set_baseline(face_frames, checkpoints):
    from perception.recognizer import ExpressionRecognizer

    raw, pn = (ExpressionRecognizer.load(c, device="cpu") for c in checkpoints)
    clip = face_frames[1:5]
    emb = raw._prepare(clip)
    own = pn.predict_frames(clip)
    assert own == pytest.approx(raw._classify(emb - np.median(emb, 0)), abs=1e-5)
    assert own != pytest.approx(raw.predict_frames(clip), abs=1e-4)  # the subtraction is not a no-op
    baseline = pn.set_baseline(face_frames)  # the person over a longer stretch
    assert baseline.shape == (512,)
    given = pn.predict_frames(clip)
    assert given == pytest.approx(raw._classify(emb - baseline), abs=1e-5)
    stream = pn.stream(window=4, stride=1)
    outs = [stream.push(f) for f in clip]
    assert outs[-1] == pytest.approx(given, abs=1e-4)  # a stream uses the set baseline too
    with pytest.raises(ValueError, match="not trained with person_norm"):
        raw.set_baseline(face_frames)


def test_a_stream_without_a_baseline_keeps_a_running_median(face_frames, checkpoints):
    from perception.recognizer import ExpressionRecognizer

    pn = ExpressionRecognizer.load(checkpoints[1], device="cpu")
    stream = pn.stream(window=4, stride=1)
    outs = [stream.push(f) for f in face_frames[:6]]
    assert outs[:3] == [None] * 3 and all(o is not None for o in outs[3:])
    assert len(stream.running_baseline.rows) == 6  # every frame joined it once


def test_predict_baseline_option_refuses_a_model_without_person_norm(face_frames, checkpoints, shared_dir, capsys):
    from sim_env.cli import main

    video = shared_dir / "real" / "single_face.mp4"
    assert main(["predict", str(video), "--checkpoint", str(checkpoints[0]), "--baseline", str(video),
                 "--max-frames", "4", "--window", "4", "--no-progress"]) == 2
    assert "not trained with model.person_norm" in capsys.readouterr().err


def test_predict_takes_the_videos_own_faces_or_a_baseline_video(checkpoints, shared_dir, capsys):
    from perception.recognizer import ExpressionRecognizer
    from sim_env.cli import main

    video = shared_dir / "real" / "single_face.mp4"
    args = [str(video), "--checkpoint", str(checkpoints[1]), "--max-frames", "6", "--window", "4", "--stride", "2", "--no-progress"]
    assert main(["predict", *args]) == 0
    own = capsys.readouterr().out
    assert "baseline: the median of this video's own faces" in own
    assert main(["predict", *args, "--baseline", str(video)]) == 0
    assert f"baseline: {video}" in capsys.readouterr().out
    rec = ExpressionRecognizer.load(checkpoints[1], device="cpu")
    windows = rec.analyse_video(video, window=4, stride=2, max_frames=6).windows
    assert len(windows) == 2 and all(w.probabilities for w in windows)
    rec.set_baseline(video, max_frames=6)  # the same frames: the same baseline, the same answers
    again = rec.analyse_video(video, window=4, stride=2, max_frames=6).windows
    assert [w.probabilities for w in again] == [pytest.approx(w.probabilities, abs=1e-6) for w in windows]


def test_checkpoint_field_is_checked():
    from perception.checkpoint import CheckpointError, validate_config
    from perception.recognizer import CLASSES

    base = {"architecture": "inception_time", "classes": list(CLASSES), "seq_len": 4, "facenet_weights": "casia-webface"}
    assert validate_config({**base, "person_norm": True})["person_norm"] is True
    with pytest.raises(CheckpointError, match="'person_norm' must be true or false"):
        validate_config({**base, "person_norm": "yes"})
    with pytest.raises(CheckpointError, match="'person_norm' is for models on FaceNet embeddings"):
        validate_config({"architecture": "cnn3d", "classes": list(CLASSES), "seq_len": 4, "person_norm": True})


def test_evaluating_a_person_norm_run_normalises_the_new_folder_by_its_people(tmp_path, monkeypatch):
    """``hrisim evaluate`` on another labelled folder: its people's medians come from that folder."""
    import training.features
    from training.evaluate_run import evaluate_run
    from training.testing import write_fake_real

    real = write_fake_real(tmp_path / "real", n_subjects=6, n_frames=4, size=16)
    other = write_fake_real(tmp_path / "other", n_subjects=3, n_frames=4, size=16, seed=5)
    cfg = config_from_dict({
        "name": "pn_real", "data": {"real": str(real)}, "evaluation": {"folds": 3},
        "model": {"kind": "inception_time", "length": 4, "freeze_facenet": True, "person_norm": True},
        "strategy": {"kind": "real_only", "epochs": 8}, "train": {"progress": False, "device": "cpu", "lr": 3e-3}})
    run_experiment(cfg, tmp_path / "run", source=IdentitySource(n_frames=4))
    built = []

    def source(*a, **k):
        built.append(IdentitySource(n_frames=4))
        return built[-1]

    monkeypatch.setattr(training.features, "ClipSource", source)
    seen = []
    original = PersonNormalisedSource.__init__
    monkeypatch.setattr(PersonNormalisedSource, "__init__",
                        lambda self, src, records: (seen.append(sorted({r.subject for r in records})), original(self, src, records))[1])
    report = evaluate_run(tmp_path / "run", other)
    assert seen == [["s00", "s01", "s02"]]  # the baselines of the evaluated folder's own people
    assert report["results"]["3-way argmax"]["accuracy"] >= 0.8
