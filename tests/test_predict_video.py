"""``hrisim predict VIDEO --out DIR``: a streamed video gives per-window CSV/JSON with face flags and
counts, an overlay MP4 and a timeline PNG; windows without any face get no label; a run folder works
as the checkpoint (its fold models are averaged)."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

from perception.checkpoint import build_model, save_checkpoint
from perception.face_crop import CropConfig
from perception.recognizer import CLASSES, ExpressionRecognizer
from perception.video import Mp4Writer, iter_frames, read_video, video_info


def _config(arch, **kw):
    return {"architecture": arch, "classes": list(CLASSES), "seq_len": 6, "facenet_weights": "casia-webface",
            "crop": CropConfig().to_dict(), **kw}


@pytest.fixture(scope="module")
def real(shared_dir):
    path = shared_dir / "real"
    for name in ("WolfgangLanger_Pexels.mp4", "no_face.mp4"):
        if not (path / name).is_file():
            pytest.skip(f"{path / name} is absent")
    return path


@pytest.fixture(scope="module")
def face_ckpt(tmp_path_factory):
    torch.manual_seed(0)
    cfg = _config("inception_time", model_kwargs={"nf": 8})
    return save_checkpoint(tmp_path_factory.mktemp("ck") / "model", build_model(cfg), cfg)


@pytest.fixture(scope="module")
def face_then_blank(real, tmp_path_factory):
    """8 frames of a real face (half size), then 10 black frames."""
    frames = [f[::2, ::2] for f in iter_frames(real / "WolfgangLanger_Pexels.mp4", max_frames=8)]
    path = tmp_path_factory.mktemp("video") / "face_then_blank.mp4"
    with Mp4Writer(path, 24.0) as out:
        for f in frames + [np.zeros_like(frames[0])] * 10:
            out.write(f)
    return path


def _run(args, capsys):
    from sim_env.cli import main

    code = main(["predict", *map(str, args), "--no-progress", "--device", "cpu"])
    return code, capsys.readouterr()


def test_predict_writes_csv_json_overlay_and_timeline(real, face_ckpt, tmp_path, capsys):
    video = real / "WolfgangLanger_Pexels.mp4"
    code, cap = _run([video, "--checkpoint", face_ckpt, "--max-frames", "10", "--stride", "2", "--out", tmp_path / "p"], capsys)
    assert code == 0, cap.err
    out = tmp_path / "p"
    assert cap.out.strip().splitlines()[-1] == str(out.resolve())
    assert "10 frames: 10 with a detected face, 0 without; 3 windows, 0 without any face" in cap.out
    rows = list(csv.DictReader((out / "predictions.csv").open()))
    assert [int(r["start_frame"]) for r in rows] == [0, 2, 4]
    fps = video_info(video).fps
    assert float(rows[1]["start_s"]) == pytest.approx(2 / fps, abs=1e-3)
    assert float(rows[1]["end_s"]) == pytest.approx(8 / fps, abs=1e-3)
    for r in rows:
        assert r["face_found"] == "1" and r["face_frames"] == "6"
        assert sum(float(r[f"p_{c}"]) for c in CLASSES) == pytest.approx(1, abs=1e-4)
        assert r["predicted"] == max(CLASSES, key=lambda c: float(r[f"p_{c}"]))
    doc = json.loads((out / "predictions.json").read_text())
    assert doc["counts"] == {"frames": 10, "frames_with_face": 10, "frames_without_face": 0, "windows": 3,
                             "windows_without_face": 0, "windows_by_label": {c: [r["predicted"] for r in rows].count(c) for c in CLASSES}}
    assert doc["architecture"] == "inception_time" and doc["window"] == 6 and len(doc["windows"]) == 3
    assert doc["windows"][0]["probabilities"] == pytest.approx({c: float(rows[0][f"p_{c}"]) for c in CLASSES}, abs=1e-5)
    # the overlay: every frame, upscaled to 360 px high with a panel on the right; a green face box
    frames, ofps = read_video(out / "overlay.mp4")
    assert frames.shape[0] == 10 and frames.shape[1] == 360 and frames.shape[2] == 640 + 200
    assert ofps == pytest.approx(fps, rel=1e-3)
    green = (frames[..., 1] > 180) & (frames[..., 0] < 90) & (frames[..., 2] < 90)
    assert green[:, :, :640].sum() > 500, "the face box is drawn on the video"
    assert frames[9, :, 640:].mean() > frames[0, :, 640:].mean(), "bars appear once a window is complete"
    from PIL import Image

    with Image.open(out / "timeline.png") as im:
        assert im.size[0] > 600 and im.size[1] > 300
    assert not list(out.glob("*.part*")), "no temporary files left"


def test_no_face_video_gives_no_labels(real, face_ckpt, tmp_path, capsys):
    code, cap = _run([real / "no_face.mp4", "--checkpoint", face_ckpt, "--max-frames", "8", "--stride", "2"], capsys)
    assert code == 0, cap.err
    assert "8 frames: 0 with a detected face, 8 without; 2 windows, 2 without any face (no label)" in cap.out
    table = [line for line in cap.out.splitlines() if line and not line.startswith(("#", "-", " start"))]
    assert len(table) == 2 and all(line.endswith("(no face)") for line in table)


def test_windows_without_a_face_are_flagged_and_unlabelled(face_then_blank, face_ckpt):
    rec = ExpressionRecognizer.load(face_ckpt, device="cpu")
    pred = rec.analyse_video(face_then_blank, window=6, stride=3)
    assert pred.n_frames == 18 and pred.detected[:8].all() and not pred.detected[8:].any()
    assert [w.start_frame for w in pred.windows] == [0, 3, 6, 9, 12]
    assert [w.face_frames for w in pred.windows] == [6, 5, 2, 0, 0]
    assert [w.label is None for w in pred.windows] == [False, False, False, True, True]
    assert pred.windows[3].probabilities is None
    assert pred.counts()["windows_without_face"] == 2 and pred.counts()["frames_without_face"] == 10
    # the streamed windows equal the in-memory clip path on the same frames
    frames, _ = read_video(face_then_blank)
    whole = rec.predict_frames(frames[:8])  # 8 face frames: its centre window is frames 1..6
    again = rec.analyse_video(face_then_blank, window=6, stride=1, max_frames=8)
    assert again.windows[1].probabilities == pytest.approx(whole, abs=1e-4)


def test_a_run_folder_is_a_checkpoint_and_its_folds_are_averaged(real, tmp_path, capsys):
    torch.manual_seed(0)
    cfg = _config("cnn3d", model_kwargs={"width": 4, "input_size": 32}, facenet_weights=None)
    run = tmp_path / "run"
    folds = [save_checkpoint(run / "checkpoints" / f"fold{i}", build_model(cfg), cfg) for i in range(2)]
    video = real / "WolfgangLanger_Pexels.mp4"
    frames, _ = read_video(video, max_frames=6)
    both = ExpressionRecognizer.load(run, device="cpu")
    assert len(both.models) == 2
    singles = [ExpressionRecognizer.load(f, device="cpu").predict_frames(frames) for f in folds]
    assert both.predict_frames(frames) == pytest.approx({c: (singles[0][c] + singles[1][c]) / 2 for c in CLASSES}, abs=1e-6)
    code, cap = _run([video, "--checkpoint", run, "--max-frames", "6"], capsys)
    assert code == 0 and "(2 fold models averaged)" in cap.out and "no face detection" in cap.out
    code, cap = _run([video, "--checkpoint", tmp_path / "nothing"], capsys)
    assert code == 1 and "no such checkpoint or run folder" in cap.err
    (tmp_path / "empty").mkdir()
    code, cap = _run([video, "--checkpoint", tmp_path / "empty"], capsys)
    assert code == 1 and "neither a model folder" in cap.err
