"""``hrisim evaluate`` takes a model folder as well as a run folder (the checkpoint "everywhere")."""
from __future__ import annotations

import json

import pytest
import torch

from perception.checkpoint import build_model, save_checkpoint
from perception.face_crop import CropConfig
from perception.recognizer import CLASSES
from perception.video import Mp4Writer, iter_frames


@pytest.fixture(scope="module")
def real_folder(shared_dir, tmp_path_factory):
    source = shared_dir / "real" / "single_face.mp4"
    if not source.is_file():
        pytest.skip(f"{source} is absent")
    frames = [f[::2, ::2] for f in iter_frames(source, max_frames=6)]
    root = tmp_path_factory.mktemp("real")
    for label in ("anger", "disgust"):
        with Mp4Writer(root / label / f"{label}_1.mp4", 24.0) as out:
            for f in frames:
                out.write(f)
    return root


def test_evaluate_a_model_folder(real_folder, tmp_path, capsys):
    from sim_env.cli import main

    torch.manual_seed(0)
    cfg = {"architecture": "cnn3d", "classes": list(CLASSES), "seq_len": 4, "facenet_weights": None,
           "crop": CropConfig().to_dict(), "model_kwargs": {"width": 4, "input_size": 32}}
    model = save_checkpoint(tmp_path / "model", build_model(cfg), cfg)
    assert main(["evaluate", str(model), str(real_folder), "--out", str(tmp_path / "eval")]) == 0, capsys.readouterr().err
    report = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert report["data"]["clips"] == 2 and report["data"]["present_classes"] == ["anger", "disgust"]
    assert main(["evaluate", str(tmp_path / "nothing"), str(real_folder)]) == 1
